package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.contract.Artifacts;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.engines.LocalCodeBuild;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The repository's buildspec.yml, run by the CodeBuild stand-in: the staged worker jar runs only when it has
 * the SHA-256 the project recorded (WORKER_JAR_SHA256).
 */
class WorkerJarCheckTest {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path source;

    /** How a build ended, read before the stand-in removes its directory. */
    private record Ended(String status, String failedPhase, String log) {}

    /** Builds one build of the real buildspec with a jar whose recorded hash is {@code recorded}. */
    private Ended run(byte[] jar, String recorded) throws Exception {
        Files.copy(RepoRoot.find().resolve("buildspec.yml"), source.resolve("buildspec.yml"));
        Files.write(source.resolve(Artifacts.STAGED_WORKER_JAR), jar);
        // A java that only proves it was started: the check, not the worker, is under test.
        Path bin = Files.createDirectories(source.resolve("fake-jdk/bin"));
        Files.writeString(
                bin.resolve("java"), "#!/bin/bash\necho 'worker started' >&2\nexit 7\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(bin.resolve("java"), PosixFilePermissions.fromString("rwxr-xr-x"));
        LinkedBlockingQueue<String> ended = new LinkedBlockingQueue<>();
        try (LocalCodeBuild codeBuild = new LocalCodeBuild(
                new LocalCodeBuild.Project(
                        "replicate",
                        source,
                        Map.of(
                                BuildVariables.WORKER_JAR_SHA256,
                                recorded,
                                "JAVA_21_HOME",
                                source.resolve("fake-jdk").toString()),
                        1,
                        Duration.ofMinutes(1)),
                reference -> {
                    throw new IllegalArgumentException("no secrets in this test");
                },
                ended::add,
                "us-east-1",
                "123456789012")) {
            HttpResponse<String> started = HTTP.send(
                    HttpRequest.newBuilder(URI.create(codeBuild.endpoint().toString()))
                            .header("X-Amz-Target", "CodeBuild_20161006.StartBuild")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"projectName\":\"replicate\"}"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
            assertThat(ended.poll(60, TimeUnit.SECONDS))
                    .as("the build's end event")
                    .isNotNull();
            LocalCodeBuild.Build build = codeBuild.builds().get(0);
            return new Ended(build.status(), build.failedPhase(), Files.readString(build.logFile()));
        }
    }

    @Test
    void shouldFailInPreBuildNamingTheMismatchAndNeverStartTheWorkerWhenTheJarWasTampered() throws Exception {
        byte[] packaged = "the jar the stack packaged".getBytes(StandardCharsets.UTF_8);
        byte[] tampered = "a jar put in its place".getBytes(StandardCharsets.UTF_8);
        Path original = Files.write(source.resolve("original.jar"), packaged);

        Ended build = run(tampered, Sha256.ofFile(original));

        assertThat(build.status()).isEqualTo("FAILED");
        assertThat(build.failedPhase()).isEqualTo("PRE_BUILD");
        String log = build.log();
        assertThat(log)
                .contains("worker jar check failed: replicator.jar has SHA-256 "
                        + Sha256.ofFile(source.resolve(Artifacts.STAGED_WORKER_JAR)) + ", not the WORKER_JAR_SHA256 "
                        + Sha256.ofFile(original))
                .doesNotContain("worker started");
    }

    @Test
    void shouldRunTheWorkerWhenTheJarHasTheRecordedHash() throws Exception {
        byte[] packaged = "the jar the stack packaged".getBytes(StandardCharsets.UTF_8);
        Path original = Files.write(source.resolve("original.jar"), packaged);

        Ended build = run(packaged, Sha256.ofFile(original));

        // The fake java exits 7: the build gets past the check and fails in BUILD, where the worker runs.
        assertThat(build.failedPhase()).isEqualTo("BUILD");
        assertThat(build.log()).contains("worker jar check passed").contains("worker started");
    }

    @Test
    void shouldFailInPreBuildWhenTheProjectRecordedNoHash() throws Exception {
        Ended build = run("jar".getBytes(StandardCharsets.UTF_8), "");

        assertThat(build.failedPhase()).isEqualTo("PRE_BUILD");
        assertThat(build.log()).contains("WORKER_JAR_SHA256 is not set");
    }
}
