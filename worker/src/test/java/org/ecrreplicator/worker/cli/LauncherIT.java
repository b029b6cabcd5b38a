package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code worker/run-jar.sh}, the launcher {@code bin/replicator} execs: the class-data cache it keeps next to
 * the jar is trained by a successful command only, never by help or version output, and never pollutes
 * stdout. The jar is copied into a temporary directory so the module's own cache is left alone.
 */
class LauncherIT {
    private static final Path SCRIPT = Path.of("run-jar.sh");
    private static final Path BUILT_JAR = Path.of("target", "replicator-worker-cli.jar");

    @TempDir
    Path temp;

    record Result(int exit, String out, String err) {}

    private Result launch(Path jar, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("bash", SCRIPT.toString(), jar.toString()));
        command.addAll(List.of(args));
        Path out = temp.resolve("out.txt");
        Path err = temp.resolve("err.txt");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        // The JDK running this test: Maven's, which bin/test checks is 21 or newer.
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("REPLICATOR_JAVA_OPTS");
        builder.environment().remove("REPLICATOR_SRC_CREDS");
        builder.environment().remove("REPLICATOR_DEST_CREDS");
        Process process = builder.start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("run-jar.sh " + String.join(" ", args) + " did not finish within 2 minutes");
        }
        return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private Path jarInItsOwnDirectory() throws Exception {
        assertThat(BUILT_JAR).as("the shaded jar is built in the package phase").exists();
        Path directory = Files.createDirectory(temp.resolve("jar"));
        return Files.copy(BUILT_JAR, directory.resolve("replicator.jar"));
    }

    private static List<String> filesBeside(Path jar) throws Exception {
        try (Stream<Path> files = Files.list(jar.getParent())) {
            return files.map(file -> file.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void shouldNeitherRecordNorKeepACacheWhenAskedForVersionOrHelp() throws Exception {
        Path jar = jarInItsOwnDirectory();

        Result version = launch(jar, "--version");
        Result help = launch(jar, "copy", "--help");

        assertThat(version.exit()).as(version.err()).isZero();
        assertThat(version.out()).startsWith("replicator ");
        assertThat(help.exit()).as(help.err()).isZero();
        assertThat(help.out()).startsWith("Usage: replicator copy");
        assertThat(filesBeside(jar)).containsExactly("replicator.jar");
    }

    @Test
    void shouldTrainTheCommandsCacheOnlyWhenTheCommandSucceeds() throws Exception {
        Path jar = jarInItsOwnDirectory();
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous()) {
            SampleImages.Image image = SampleImages.seed(63)
                    .pushOciImage(SampleImages.Target.anonymous(source.baseUri()), "launch/app", "1");
            String from = source.authority() + "/launch/app:1";
            String to = destination.authority() + "/launch/app:1";

            Result failed = launch(jar, "copy", "--insecure", source.authority() + "/launch/missing:1", to);
            assertThat(failed.exit()).isNotZero();
            assertThat(failed.err()).contains("launch/missing");
            if (Runtime.version().feature() >= 25) {
                // JDK 21-24's dynamic archive is written by the JVM at exit, whatever the outcome.
                assertThat(filesBeside(jar)).as("a failed run trains nothing").containsExactly("replicator.jar");
            }

            Result first = launch(jar, "copy", "--insecure", "--json", from, to);
            Result second = launch(jar, "copy", "--insecure", "--json", from, to);

            for (Result run : List.of(first, second)) {
                assertThat(run.exit()).as(run.err()).isZero();
                assertThat(run.err()).isEmpty();
                JsonNode json = Json.parse(run.out());
                assertThat(json.get("digest").asText()).isEqualTo(image.digest());
            }
            assertThat(Json.parse(second.out()).get("blobsCopied").asInt()).isZero();
            String cache = Runtime.version().feature() >= 25 ? "replicator-copy.aot" : "replicator-copy.jsa";
            assertThat(filesBeside(jar))
                    .as("one cache for the copy command, no leftovers from training")
                    .containsExactly(cache, "replicator.jar");
        }
    }
}
