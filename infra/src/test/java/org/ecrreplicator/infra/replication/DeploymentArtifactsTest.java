package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeploymentArtifactsTest {
    @TempDir
    Path repository;

    @Test
    void shouldNameTheMissingJarAndTheCommandThatBuildsItWhenAJarIsAbsent() throws IOException {
        Files.writeString(repository.resolve("cdk.json"), "{}");
        Files.writeString(repository.resolve("pom.xml"), "<project/>");
        Path nested = Files.createDirectories(repository.resolve("infra/src"));

        DeploymentArtifacts artifacts = DeploymentArtifacts.inRepository(nested);

        assertThat(artifacts.functionsJar())
                .isEqualTo(repository.resolve("functions/target/replicator-functions-lambda.jar"));
        assertThatThrownBy(artifacts::requireExisting)
                .hasMessageContaining("the Lambda functions jar is missing")
                .hasMessageContaining("functions/target/replicator-functions-lambda.jar does not exist")
                .hasMessageContaining("build it with: mvn -B -pl worker,functions -am package -DskipTests");

        Files.createDirectories(repository.resolve("functions/target"));
        Files.writeString(repository.resolve("functions/target/replicator-functions-lambda.jar"), "jar");
        assertThatThrownBy(artifacts::requireExisting)
                .hasMessageContaining("the worker jar is missing")
                .hasMessageContaining("worker/target/replicator-worker-cli.jar does not exist");
    }

    @Test
    void shouldStageTheBuildspecAndTheWorkerJarAsTheBuildSource() throws IOException {
        Files.writeString(repository.resolve("buildspec.yml"), "version: 0.2\n");
        Files.createDirectories(repository.resolve("worker/target"));
        Files.writeString(repository.resolve("worker/target/replicator-worker-cli.jar"), "worker");
        DeploymentArtifacts artifacts = new DeploymentArtifacts(
                repository.resolve("none.jar"),
                repository.resolve("worker/target/replicator-worker-cli.jar"),
                repository.resolve("buildspec.yml"),
                repository.resolve("none.json"),
                repository.resolve("none-either.json"));

        Path staged = artifacts.stageCodeBuildSource();

        try (var files = Files.list(staged)) {
            assertThat(files.map(file -> file.getFileName().toString()))
                    .containsExactlyInAnyOrder("buildspec.yml", "replicator.jar");
        }
        assertThat(staged.resolve("replicator.jar")).hasContent("worker");
    }

    @Test
    void shouldFindEveryConfiguredHandlerInTheFunctionsJarAndAMainClassInTheWorkerJar() throws Exception {
        DeploymentArtifacts artifacts = TestApps.artifacts();
        try (JarFile jar = new JarFile(artifacts.functionsJar().toFile());
                URLClassLoader loader = new URLClassLoader(
                        new URL[] {artifacts.functionsJar().toUri().toURL()}, null)) {
            for (FunctionSpec spec : FunctionSpec.values()) {
                String className = spec.handler().substring(0, spec.handler().indexOf("::"));
                assertThat(jar.getEntry(className.replace('.', '/') + ".class"))
                        .as(className + " in " + artifacts.functionsJar())
                        .isNotNull();
                assertThat(Arrays.stream(loader.loadClass(className).getMethods())
                                .map(Method::getName))
                        .as(className)
                        .contains("handleRequest");
            }
        }
        try (JarFile worker = new JarFile(artifacts.workerJar().toFile())) {
            assertThat(worker.getManifest().getMainAttributes().getValue("Main-Class"))
                    .as("buildspec.yml runs java -jar replicator.jar")
                    .isNotBlank();
        }
    }

    @Test
    void shouldSayWhereToRunWhenThereIsNoCdkJson() {
        assertThatThrownBy(() -> DeploymentArtifacts.repositoryRoot(repository))
                .hasMessageContaining("no cdk.json found in");
    }
}
