package org.ecrreplicator.infra.registry;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository's {@code registry/} directory (the image's build context) from the working directory. */
public final class RegistryDirectory {
    private RegistryDirectory() {}

    /**
     * The CDK CLI runs the app from the repository root and Maven runs tests from {@code infra/}, so look
     * in the working directory and its parents.
     */
    public static Path locate() {
        Path start = Path.of("").toAbsolutePath();
        for (Path dir = start; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("registry");
            if (Files.isRegularFile(candidate.resolve("Dockerfile"))
                    && Files.isRegularFile(candidate.resolve("start.sh"))) {
                return candidate;
            }
        }
        throw new IllegalStateException("no registry/ directory with a Dockerfile and start.sh in " + start
                + " or its parents: run the CDK app from the repository root");
    }
}
