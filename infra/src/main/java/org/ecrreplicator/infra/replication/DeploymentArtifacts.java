package org.ecrreplicator.infra.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.contract.Artifacts;

/**
 * The files the replication stack deploys, found in the repository: the Lambda jar, the worker jar and
 * buildspec.yml (the CodeBuild source) and the two state-machine definitions. A missing file fails synth with
 * the command that produces it, instead of CDK's bare "no such file".
 */
public record DeploymentArtifacts(
        Path functionsJar,
        Path workerJar,
        Path buildspec,
        Path stateMachineDefinition,
        Path reconcileStateMachineDefinition) {
    public static final String FUNCTIONS_JAR = Artifacts.FUNCTIONS_JAR;
    public static final String WORKER_JAR = Artifacts.WORKER_JAR;
    public static final String BUILDSPEC = "buildspec.yml";
    public static final String STATE_MACHINE = "statemachine/replicate.asl.json";
    public static final String RECONCILE_STATE_MACHINE = "statemachine/reconcile.asl.json";

    /** Names the jar the worker must be staged as: buildspec.yml runs {@code java -jar replicator.jar}. */
    public static final String STAGED_WORKER_JAR = Artifacts.STAGED_WORKER_JAR;

    private static final String BUILD_COMMAND = "mvn -B -pl worker,functions -am package -DskipTests";

    /** The artifacts of the repository that contains {@code start} (found by its cdk.json). */
    public static DeploymentArtifacts inRepository(Path start) {
        Path root = repositoryRoot(start);
        return new DeploymentArtifacts(
                root.resolve(FUNCTIONS_JAR),
                root.resolve(WORKER_JAR),
                root.resolve(BUILDSPEC),
                root.resolve(STATE_MACHINE),
                root.resolve(RECONCILE_STATE_MACHINE));
    }

    public static Path repositoryRoot(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("cdk.json")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no cdk.json found in " + start.toAbsolutePath()
                + " or above it: run the CDK app from the repository (npx cdk synth -c env=dev)");
    }

    public DeploymentArtifacts withStateMachineDefinition(Path definition) {
        return new DeploymentArtifacts(functionsJar, workerJar, buildspec, definition, reconcileStateMachineDefinition);
    }

    /** Fails with what is missing and how to produce it. */
    public DeploymentArtifacts requireExisting() {
        require(functionsJar, "the Lambda functions jar", "build it with: " + BUILD_COMMAND);
        require(workerJar, "the worker jar", "build it with: " + BUILD_COMMAND);
        require(buildspec, "buildspec.yml", "it belongs at the repository's top level");
        require(stateMachineDefinition, "the state-machine definition", "it belongs in statemachine/");
        require(
                reconcileStateMachineDefinition,
                "the reconcile state-machine definition",
                "it belongs in statemachine/");
        return this;
    }

    private static void require(Path file, String what, String fix) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalStateException(what + " is missing: " + file + " does not exist; " + fix);
        }
    }

    /**
     * The SHA-256 of the worker jar, hex: the project sets it as {@code WORKER_JAR_SHA256} and buildspec.yml
     * checks the staged jar against it, so a jar replaced in the source bucket does not run with the build's
     * role and the destination keys.
     */
    public String workerJarSha256() {
        return Sha256.ofFile(workerJar);
    }

    /**
     * Copies buildspec.yml and the worker jar into a fresh directory, the CodeBuild source asset. The asset
     * hash depends only on those two files, so an unchanged jar deploys nothing new.
     */
    public Path stageCodeBuildSource() {
        try {
            Path dir = Files.createTempDirectory("replicator-codebuild-source-");
            Files.copy(buildspec, dir.resolve(BUILDSPEC), StandardCopyOption.REPLACE_EXISTING);
            Files.copy(workerJar, dir.resolve(STAGED_WORKER_JAR), StandardCopyOption.REPLACE_EXISTING);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(dir)));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot stage the CodeBuild source (buildspec.yml + worker jar)", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (var files = Files.list(dir)) {
            for (Path file : files.toList()) {
                Files.deleteIfExists(file);
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // A leftover temp directory is harmless; the next synth stages a new one.
        }
    }
}
