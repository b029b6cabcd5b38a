package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
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

    /**
     * JDK 25.0.3 and older take an AOT cache whose jar has changed and run the classes the cache holds
     * (JDK-8377932, fixed in 25.0.4): the launcher's rule that a cache older than its jar is trained again is
     * all that keeps a rebuilt jar from running the previous build's code.
     */
    @Test
    void shouldRunTheRebuiltJarsCodeWhenTheJarChangesAfterItsCacheWasTrained() throws Exception {
        Path jar = Files.createDirectory(temp.resolve("tiny")).resolve("tiny.jar");
        String cacheName = Runtime.version().feature() >= 25 ? "tiny-copy.aot" : "tiny-copy.jsa";
        writeJarPrinting(jar, "first build");

        Result first = launch(jar, "copy");
        assertThat(first.exit()).as(first.err()).isZero();
        assertThat(first.out()).isEqualTo("first build\n");
        assertThat(filesBeside(jar)).containsExactly(cacheName, "tiny.jar");

        writeJarPrinting(jar, "second build");
        // As a build that ends after the cache was written: file times are too coarse to trust otherwise.
        Files.setLastModifiedTime(
                jar,
                FileTime.fromMillis(
                        Files.getLastModifiedTime(jar.resolveSibling(cacheName)).toMillis() + 2_000));
        Result rebuilt = launch(jar, "copy");
        Result afterRetraining = launch(jar, "copy");

        assertThat(rebuilt.out()).isEqualTo("second build\n");
        assertThat(afterRetraining.out()).isEqualTo("second build\n");
        assertThat(filesBeside(jar)).containsExactly(cacheName, "tiny.jar");
    }

    /** A jar whose main class prints {@code word} and exits 0, whatever its arguments. */
    private void writeJarPrinting(Path jar, String word) throws Exception {
        Path sources = Files.createDirectories(temp.resolve("tiny-src"));
        Path classes = Files.createDirectories(temp.resolve("tiny-classes"));
        Path source = Files.writeString(
                sources.resolve("Tiny.java"),
                "public class Tiny { public static void main(String[] args) { System.out.println(\"" + word
                        + "\"); } }");
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        assertThat(compiler.run(null, null, null, "-d", classes.toString(), source.toString()))
                .as("javac exit")
                .isZero();
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "Tiny");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
            out.putNextEntry(new JarEntry("Tiny.class"));
            out.write(Files.readAllBytes(classes.resolve("Tiny.class")));
            out.closeEntry();
        }
    }

    /** bin/replicator sources run-jar.sh instead of starting a second shell: it must find its files then too. */
    @Test
    void shouldRunTheJarWhenSourcedFromAScriptElsewhere() throws Exception {
        Path jar = jarInItsOwnDirectory();
        Path script = SCRIPT.toAbsolutePath();
        ProcessBuilder builder = new ProcessBuilder(
                        "bash",
                        "-c",
                        "set -euo pipefail; source \"$1\" \"$2\" --version",
                        // $0 names the calling script, which lives elsewhere: as bin/replicator does.
                        "caller/elsewhere",
                        script.toString(),
                        jar.toString())
                .directory(temp.toFile())
                .redirectErrorStream(true);
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        builder.environment().remove("REPLICATOR_JAVA_OPTS");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes());

        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        assertThat(output).startsWith("replicator ");
    }

    private String staleness(Path built, Path... trees) throws Exception {
        StringBuilder call = new StringBuilder("source \"$0\"; if stale");
        for (String argument : Stream.concat(Stream.of(built), Stream.of(trees))
                .map(Path::toString)
                .toList()) {
            call.append(" '").append(argument).append("'");
        }
        call.append("; then echo stale; else echo fresh; fi; shopt -q globstar && echo globstar left on; true");
        Process process = new ProcessBuilder(
                        "bash",
                        "-c",
                        call.toString(),
                        Path.of("..", "bin", "lib", "common.sh").toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes()).strip();
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        return output;
    }

    @Test
    void shouldCallABuildStaleWhenItIsMissingOrAnyFileUnderItsSourcesIsNewer() throws Exception {
        Path sources = Files.createDirectories(temp.resolve("my sources/main/java/deep"));
        Path other = Files.createDirectories(temp.resolve("other"));
        Path nested = Files.writeString(sources.resolve("Code.java"), "class Code {}");
        Path built = temp.resolve("built.jar");
        FileTime past = FileTime.fromMillis(1_000_000_000_000L);
        FileTime later = FileTime.fromMillis(1_000_000_100_000L);

        assertThat(staleness(built, temp.resolve("my sources"), other)).isEqualTo("stale");

        Files.writeString(built, "jar");
        Files.setLastModifiedTime(nested, past);
        Files.setLastModifiedTime(built, later);
        assertThat(staleness(built, temp.resolve("my sources"), other)).isEqualTo("fresh");

        Files.setLastModifiedTime(nested, FileTime.fromMillis(1_000_000_200_000L));
        assertThat(staleness(built, other, temp.resolve("my sources"))).isEqualTo("stale");
        assertThat(staleness(built, other)).isEqualTo("fresh");
    }
}
