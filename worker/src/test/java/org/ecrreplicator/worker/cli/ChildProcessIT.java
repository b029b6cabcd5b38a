package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The built jar as its own process: the C locale, and a large layer through a 64 MiB heap. */
class ChildProcessIT {
    private static final Path JAR = Path.of("target", "replicator-worker-cli.jar");

    @TempDir
    Path temp;

    record Result(int exit, String out, String err, long peakRssKib) {}

    private Result runJar(List<String> jvmOptions, String... args) throws Exception {
        Process process = startJar(jvmOptions, args);
        long peak = 0;
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        // VmHWM is the peak resident set so far; the last reading before exit is the process's peak.
        while (!process.waitFor(25, TimeUnit.MILLISECONDS)) {
            peak = Math.max(peak, highWaterMark(process.pid()));
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new AssertionError("the copy did not finish within 2 minutes");
            }
        }
        return new Result(
                process.exitValue(),
                Files.readString(temp.resolve("out.txt")),
                Files.readString(temp.resolve("err.txt")),
                peak);
    }

    /** The jar in its own process, as an operator's shell starts it: output to out.txt and err.txt. */
    private Process startJar(List<String> jvmOptions, String... args) throws IOException {
        assertThat(JAR).as("the shaded jar is built in the package phase").exists();
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        Path out = temp.resolve("out.txt");
        Path err = temp.resolve("err.txt");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().put("LANG", "C");
        builder.environment().put("LC_ALL", "C");
        builder.environment().remove("REPLICATOR_SRC_CREDS");
        builder.environment().remove("REPLICATOR_DEST_CREDS");
        // No AWS credentials from this machine: a home without ~/.aws, no key variables, no instance metadata.
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_"));
        builder.environment().put("HOME", temp.toString());
        builder.environment().put("AWS_EC2_METADATA_DISABLED", "true");
        // The blob-location cache under this test's temporary home, not the user's.
        builder.environment().put("XDG_CACHE_HOME", temp.resolve("cache").toString());
        return builder.start();
    }

    private static long highWaterMark(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // the process ended between the check and the read
        }
        return 0;
    }

    @Test
    void shouldSayWhichCredentialsAreNeededInOneLineWhenAnEcrHostHasNoAwsCredentials() throws Exception {
        Result result =
                runJar(List.of(), "copy", "111122223333.dkr.ecr.us-east-1.amazonaws.com/team/app:1", "127.0.0.1:1/x:1");

        assertThat(result.exit()).isEqualTo(1);
        assertThat(result.err().strip().lines()).as(result.err()).hasSize(1);
        assertThat(result.err())
                .startsWith("error: no AWS credentials found for ECR registry 111122223333 (source side")
                .contains("--src-profile")
                .contains("AWS_ACCESS_KEY_ID")
                .doesNotContain("AwsCredentialsProviderChain");
    }

    @Test
    void shouldCopyNonAsciiManifestsExactlyWhenTheLocaleIsC() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous()) {
            SampleImages.Image image = SampleImages.seed(61)
                    .pushOddlyFormatted(SampleImages.Target.anonymous(source.baseUri()), "odd/c-locale", "1");

            Result result = runJar(
                    List.of(),
                    "copy",
                    "--insecure",
                    "--json",
                    source.authority() + "/odd/c-locale:1",
                    destination.authority() + "/odd/c-locale:1");

            assertThat(result.exit()).as(result.err()).isZero();
            assertThat(result.err()).isEmpty();
            JsonNode json = Json.parse(result.out());
            assertThat(json.get("digest").asText()).isEqualTo(image.digest());
            for (SampleImages.Manifest manifest : image.manifests()) {
                byte[] copied = org.ecrreplicator.worker.engine.TestRegistries.manifestBytes(
                        destination.baseUri(), "odd/c-locale", manifest.digest());
                assertThat(copied).isEqualTo(manifest.bytes());
            }
        }
    }

    @Test
    void shouldStreamA300MibLayerThroughA64MibHeapWhenCopying() throws Exception {
        long layer = 300L * 1024 * 1024;
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous()) {
            SampleImages.Image image = SampleImages.seed(62)
                    .layerSizes(layer)
                    .pushOciImage(SampleImages.Target.anonymous(source.baseUri()), "big/app", "1");

            Result result = runJar(
                    List.of("-Xmx64m"),
                    "copy",
                    "--insecure",
                    "--json",
                    source.authority() + "/big/app:1",
                    destination.authority() + "/big/app:1");

            assertThat(result.exit()).as(result.err()).isZero();
            JsonNode json = Json.parse(result.out());
            assertThat(json.get("digest").asText()).isEqualTo(image.digest());
            assertThat(json.get("bytesCopied").asLong()).isGreaterThan(layer);
            assertThat(result.peakRssKib())
                    .as("peak RSS of the copy in KiB")
                    .isPositive()
                    .isLessThan(160 * 1024);
            System.out.println("300 MiB layer under -Xmx64m: peak RSS " + result.peakRssKib() / 1024 + " MiB");
        }
    }

    @Test
    void shouldCancelItsUploadSessionsSayInterruptedAndExit130WhenInterrupted() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                org.ecrreplicator.worker.engine.FaultProxy proxy =
                        new org.ecrreplicator.worker.engine.FaultProxy(destination.baseUri(), 0, 1)) {
            SampleImages.seed(63)
                    .layers(2, 4 * 1024 * 1024)
                    .pushOciImage(SampleImages.Target.anonymous(source.baseUri()), "slow/app", "1");
            // Every layer's PUT waits at the proxy: the copy has its upload sessions open when it is interrupted.
            proxy.hold("PUT", "/blobs/uploads/");
            Process process = startJar(
                    List.of(),
                    "copy",
                    "--insecure",
                    "--no-cache",
                    source.authority() + "/slow/app:1",
                    proxy.authority() + "/slow/app:1");
            try {
                long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
                while (proxy.requests("PUT", "/blobs/uploads/") == 0) {
                    assertThat(process.isAlive())
                            .as("the copy runs until a layer's PUT")
                            .isTrue();
                    assertThat(System.nanoTime())
                            .as("a layer's PUT within a minute")
                            .isLessThan(deadline);
                    Thread.onSpinWait();
                    process.waitFor(20, TimeUnit.MILLISECONDS);
                }
                assertThat(uploadSessions(destination))
                        .as("sessions open before the interrupt")
                        .isNotEmpty();

                new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                        .start()
                        .waitFor();

                assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
            } finally {
                proxy.release();
                process.destroyForcibly();
            }
            String err = Files.readString(temp.resolve("err.txt"));
            assertThat(process.exitValue()).as(err).isEqualTo(130);
            assertThat(err).as(err).contains("interrupted: cancelled");
            assertThat(err).doesNotContain("could not be");
            assertThat(uploadSessions(destination))
                    .as("upload sessions left at the registry; " + err)
                    .isEmpty();
        }
    }

    /**
     * The registry's open upload sessions: the {@code _uploads/<id>} entries of its filesystem storage that still
     * hold their {@code startedat} or {@code data} file. A cancelled session loses both (distribution 2.8 leaves
     * an empty hash-state directory behind, which it no longer knows as a session: the upload URL answers 404).
     */
    private static List<Path> uploadSessions(RegistryProcess registry) throws IOException {
        if (!Files.exists(registry.storage())) {
            return List.of();
        }
        try (var paths = Files.walk(registry.storage())) {
            return paths.filter(path -> path.getParent() != null
                            && path.getParent().getFileName() != null
                            && path.getParent().getFileName().toString().equals("_uploads")
                            && (Files.exists(path.resolve("startedat")) || Files.exists(path.resolve("data"))))
                    .toList();
        }
    }
}
