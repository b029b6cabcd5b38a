package org.ecrreplicator.local;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository root (the directory holding statemachine/ and node_modules/) from wherever we run. */
final class RepoRoot {
    private RepoRoot() {}

    static Path find() {
        String configured = System.getProperty("replicator.repoRoot", System.getenv("REPLICATOR_REPO_ROOT"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("statemachine/replicate.asl.json"))
                    && Files.isDirectory(dir.resolve("node_modules/aws-local-stepfunctions"))) {
                return dir;
            }
        }
        throw new IllegalStateException("cannot find the repository root (a directory with statemachine/"
                + "replicate.asl.json and node_modules/aws-local-stepfunctions) above "
                + Path.of("").toAbsolutePath()
                + ": run from inside the repository, or set -Dreplicator.repoRoot=<dir>, and run `npm ci` there");
    }
}
