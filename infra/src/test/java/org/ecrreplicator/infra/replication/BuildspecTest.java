package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The top-level buildspec.yml: what it declares, and its commands run with bash as CodeBuild would. */
class BuildspecTest {
    private static final Path BUILDSPEC = TestApps.ROOT.resolve(DeploymentArtifacts.BUILDSPEC);
    private static final List<String> EXPORTED = BuildResults.EXPORTED;

    @TempDir
    Path scratch;

    private static JsonNode buildspec() throws IOException {
        return new ObjectMapper(new YAMLFactory()).readTree(BUILDSPEC.toFile());
    }

    @Test
    void shouldRunTheWorkerJarAndExportItsResultsWithoutDockerOrAJdkInstall() throws IOException {
        JsonNode spec = buildspec();
        String text = Files.readString(BUILDSPEC);

        assertThat(spec.path("version").asText()).isEqualTo("0.2");
        List<String> exported = new ArrayList<>();
        spec.path("env").path("exported-variables").forEach(name -> exported.add(name.asText()));
        assertThat(exported).containsExactlyElementsOf(EXPORTED);
        assertThat(spec.path("env").has("secrets-manager"))
                .as("secrets come from the project/StartBuild overrides, typed SECRETS_MANAGER")
                .isFalse();
        List<String> phases = new ArrayList<>();
        spec.path("phases").fieldNames().forEachRemaining(phases::add);
        assertThat(phases)
                .as("no install phase: the image has Java 21; pre_build checks the jar, post_build exports a failed"
                        + " build's reason")
                .containsExactly("pre_build", "build", "post_build");
        assertThat(spec.path("phases").path("pre_build").path("commands").toString())
                .contains("sha256sum replicator.jar")
                .contains("$" + BuildVariables.WORKER_JAR_SHA256);
        assertThat(spec.path("phases").path("build").path("commands").toString())
                .contains("-jar replicator.jar replicate --output replication-result.env");
        assertThat(spec.path("env")
                        .path("variables")
                        .path("REPLICATOR_JVM_OPTIONS")
                        .asText())
                .as("the JVM options bin/replicator shares (decision 0013)")
                .contains("-Xmx", "-XX:MaxDirectMemorySize=", "-Xss", "-XX:+UseSerialGC")
                // Where the host has no transparent huge pages the JVM says so on stdout, which is --json's.
                .contains("-XX:+UseTransparentHugePages", "-Xlog:pagesize=off");
        assertThat(spec.path("phases").path("build").path("commands").toString())
                .contains("$REPLICATOR_JVM_OPTIONS -jar replicator.jar replicate")
                .contains("$REPLICATOR_JVM_OPTIONS -jar replicator.jar reconcile");
        assertThat(text.toLowerCase(java.util.Locale.ROOT))
                .doesNotContain("docker ", "dockerd", "runtime-versions", "yum ", "apt-get", "curl ", "sdk install");
    }

    @Test
    void shouldExportEveryResultWhenTheCommandsRunWithBash() throws Exception {
        Path bin = fakeJava(scratch.resolve("path-bin"), "REPLICATED");
        Map<String, String> exported = runBuild(Map.of("PATH", bin + ":/usr/bin:/bin"));

        assertThat(exported)
                .containsEntry(BuildResults.OUTCOME, "REPLICATED")
                .containsEntry(BuildResults.REPLICATED_DIGEST, "sha256:" + "ab".repeat(32))
                .containsEntry(BuildResults.BYTES_COPIED, "1234")
                .containsEntry(BuildResults.BLOBS_COPIED, "3")
                .containsEntry(BuildResults.BLOBS_SKIPPED, "1")
                .containsEntry(BuildResults.REFERRERS_COPIED, "2")
                .containsEntry(BuildResults.REFERRERS_SKIPPED, "1")
                .containsEntry(BuildResults.REMOVED_DIGEST, "sha256:" + "cd".repeat(32))
                .containsEntry("UNRELATED", "")
                .containsEntry("ARGS", "-jar replicator.jar replicate --output replication-result.env");
    }

    @Test
    void shouldExportTheWorkersReasonFromPostBuildWhenTheBuildPhaseFails() throws Exception {
        Path bin = Files.createDirectories(scratch.resolve("failing-bin"));
        Path java = bin.resolve("java");
        String reason = "destination 127.0.0.1:5001 refused the credentials of user 'replicator': check the"
                + " secret's accesskey";
        Files.writeString(
                java,
                "#!/bin/bash\nprintf 'OUTCOME=\\nFAILURE_REASON=%s\\n' \"" + reason + "\" > \"$5\"\n" + "echo \"error: "
                        + reason + "\" >&2\nexit 1\n",
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path work = Files.createDirectories(scratch.resolve("failing-src"));
        // As CodeBuild runs a 0.2 spec: a failing command ends the build phase, post_build still runs.
        StringBuilder script = new StringBuilder("failed=\n");
        for (JsonNode command : buildspec().path("phases").path("build").path("commands")) {
            script.append("if [ -z \"$failed\" ]; then\n")
                    .append(command.asText())
                    .append("\n[ $? -eq 0 ] || failed=1\nfi\n");
        }
        for (JsonNode command : buildspec().path("phases").path("post_build").path("commands")) {
            script.append(command.asText()).append('\n');
        }
        script.append("echo \"FAILED=$failed\"\necho \"FAILURE_REASON=${FAILURE_REASON-}\"\n");
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", script.toString())
                .directory(work.toFile())
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().put("PATH", bin + ":/usr/bin:/bin");
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

        assertThat(output.lines()).contains("FAILED=1", "FAILURE_REASON=" + reason);
    }

    @Test
    void shouldPreferCorretto21FromJava21HomeWhenTheImageSetsIt() throws Exception {
        Path onPath = fakeJava(scratch.resolve("path-bin"), "WRONG_JAVA");
        Path java21 = fakeJava(scratch.resolve("corretto21/bin"), "DELETED");
        Map<String, String> exported = runBuild(Map.of(
                "PATH",
                onPath + ":/usr/bin:/bin",
                "JAVA_21_HOME",
                java21.getParent().toString()));

        assertThat(exported).containsEntry(BuildResults.OUTCOME, "DELETED");
    }

    /**
     * A java that records its arguments and writes the result file as the worker does, with one line the
     * buildspec must not export.
     */
    private static Path fakeJava(Path dir, String outcome) throws IOException {
        Files.createDirectories(dir);
        Path java = dir.resolve("java");
        Map<String, String> results = new LinkedHashMap<>();
        results.put(BuildResults.OUTCOME, outcome);
        results.put(BuildResults.REPLICATED_DIGEST, "sha256:" + "ab".repeat(32));
        results.put(BuildResults.BYTES_COPIED, "1234");
        results.put(BuildResults.BLOBS_COPIED, "3");
        results.put("UNRELATED", "x");
        results.put(BuildResults.BLOBS_SKIPPED, "1");
        results.put(BuildResults.REFERRERS_COPIED, "2");
        results.put(BuildResults.REFERRERS_SKIPPED, "1");
        results.put(BuildResults.REMOVED_DIGEST, "sha256:" + "cd".repeat(32));
        // printf turns each backslash-n into a line break.
        String lines = results.entrySet().stream()
                .map(result -> result.getKey() + "=" + result.getValue())
                .collect(Collectors.joining("\\n"));
        Files.writeString(
                java, "#!/bin/bash\necho \"$*\" > args.txt\nprintf '" + lines + "' > \"$5\"\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    /**
     * Runs the pre_build and build phases' commands in one bash, as CodeBuild runs a 0.2 spec, with a staged jar
     * whose hash the project recorded, and reads the exports.
     */
    private Map<String, String> runBuild(Map<String, String> environment) throws Exception {
        Path work = Files.createDirectories(scratch.resolve("src"));
        Files.copy(BUILDSPEC, work.resolve("buildspec.yml"));
        Path jar = Files.writeString(work.resolve("replicator.jar"), "worker");
        Map<String, String> withHash = new LinkedHashMap<>(environment);
        withHash.put(BuildVariables.WORKER_JAR_SHA256, Sha256.ofFile(jar));
        StringBuilder script = new StringBuilder("set -e\n");
        for (String phase : List.of("pre_build", "build")) {
            for (JsonNode command : buildspec().path("phases").path(phase).path("commands")) {
                script.append(command.asText()).append('\n');
            }
        }
        for (String name : EXPORTED) {
            script.append("echo \"").append(name).append("=${").append(name).append("-}\"\n");
        }
        script.append("echo \"UNRELATED=${UNRELATED-}\"\necho \"ARGS=$(cat args.txt)\"\n");
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", script.toString())
                .directory(work.toFile())
                .redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(withHash);
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : output.lines().toList()) {
            int equals = line.indexOf('=');
            if (equals > 0 && line.substring(0, equals).matches("[A-Z_]+")) {
                values.put(line.substring(0, equals), line.substring(equals + 1));
            }
        }
        return values;
    }
}
