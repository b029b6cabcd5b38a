package org.ecrreplicator.engines;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalCodeBuildIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FAKE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private LocalCodeBuild codeBuild;

    @TempDir
    Path source;

    @AfterEach
    void stop() {
        if (codeBuild != null) {
            codeBuild.close();
        }
    }

    private LocalCodeBuild start(String buildspec, int limit) throws Exception {
        Files.writeString(source.resolve("buildspec.yml"), buildspec);
        codeBuild = new LocalCodeBuild(
                new LocalCodeBuild.Project(
                        "replicate", source, Map.of("PROJECT_VAR", "p"), limit, Duration.ofMinutes(1)),
                reference -> {
                    if (!reference.equals("arn:secret:dest:secretaccesskey")) {
                        throw new IllegalArgumentException("no secret " + reference);
                    }
                    return FAKE_SECRET;
                },
                this::record,
                "us-east-1",
                "123456789012");
        return codeBuild;
    }

    private void record(String event) {
        try {
            events.add(JSON.readTree(event));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> call(String operation, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(codeBuild.endpoint())
                        .header("X-Amz-Target", "CodeBuild_20161006." + operation)
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String startBuild(String overrides) throws Exception {
        HttpResponse<String> response = call(
                "StartBuild", "{\"projectName\":\"replicate\",\"environmentVariablesOverride\":" + overrides + "}");
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body()).path("build").path("id").asText();
    }

    private JsonNode awaitEvent(int count) throws InterruptedException {
        Instant deadline = Instant.now().plusSeconds(30);
        while (events.size() < count && Instant.now().isBefore(deadline)) {
            Thread.sleep(20);
        }
        assertThat(events).hasSizeGreaterThanOrEqualTo(count);
        return events.get(count - 1);
    }

    @Test
    void shouldRunBuildspecInOneShellAndExportVariablesWhenCommandsSucceed() throws Exception {
        start(
                """
                version: 0.2
                env:
                  exported-variables: [COPIED, FROM_PROJECT]
                phases:
                  build:
                    commands:
                      - COPIED="copied $REQUEST"
                      - echo "key is $DEST_KEY"
                      - FROM_PROJECT=$PROJECT_VAR
                """,
                2);

        String id = startBuild(
                "[{\"name\":\"REQUEST\",\"value\":\"team/app:1\",\"type\":\"PLAINTEXT\"},"
                        + "{\"name\":\"DEST_KEY\",\"value\":\"arn:secret:dest:secretaccesskey\",\"type\":\"SECRETS_MANAGER\"}]");
        JsonNode event = awaitEvent(1);

        assertThat(event.path("detail-type").asText()).isEqualTo("CodeBuild Build State Change");
        assertThat(event.path("detail").path("build-status").asText()).isEqualTo("SUCCEEDED");
        assertThat(event.path("detail").path("build-id").asText()).endsWith("build/" + id);
        JsonNode build = JSON.readTree(
                        call("BatchGetBuilds", "{\"ids\":[\"" + id + "\"]}").body())
                .path("builds")
                .get(0);
        assertThat(build.path("exportedEnvironmentVariables").toString())
                .contains("{\"name\":\"COPIED\",\"value\":\"copied team/app:1\"}")
                .contains("{\"name\":\"FROM_PROJECT\",\"value\":\"p\"}");
        String log = Files.readString(codeBuild.builds().get(0).logFile());
        assertThat(log).contains("key is ***").doesNotContain(FAKE_SECRET);
        assertThat(event.toString()).doesNotContain(FAKE_SECRET);
    }

    @Test
    void shouldFailBuildPhaseAndStillRunPostBuildWhenACommandFails() throws Exception {
        start(
                """
                version: 0.2
                env:
                  exported-variables: [AFTER]
                phases:
                  build:
                    commands:
                      - sh -c 'exit 3'
                      - echo never
                  post_build:
                    commands:
                      - AFTER=ran
                """,
                2);

        startBuild("[]");
        JsonNode event = awaitEvent(1);

        assertThat(event.path("detail").path("build-status").asText()).isEqualTo("FAILED");
        assertThat(event.path("detail")
                        .path("additional-information")
                        .path("phases")
                        .toString())
                .contains("\"phase-type\":\"BUILD\",\"phase-status\":\"FAILED\"")
                .contains("Error while executing command: sh -c 'exit 3'. Reason: exit status 3");
        assertThat(codeBuild.builds().get(0).exportedVariables()).containsEntry("AFTER", "ran");
    }

    @Test
    void shouldFailInItsPhaseWhenACommandExitsTheShell() throws Exception {
        start(
                """
                version: 0.2
                phases:
                  pre_build:
                    commands:
                      - exit 4
                  build:
                    commands:
                      - echo never
                """,
                2);

        startBuild("[]");
        JsonNode event = awaitEvent(1);

        assertThat(event.path("detail").path("build-status").asText()).isEqualTo("FAILED");
        assertThat(event.path("detail")
                        .path("additional-information")
                        .path("phases")
                        .toString())
                .contains("\"phase-type\":\"PRE_BUILD\",\"phase-status\":\"FAILED\"")
                .contains("Error while executing command: exit 4. Reason: exit status 4");
        assertThat(Files.readString(codeBuild.builds().get(0).logFile())).doesNotContain("never");
    }

    @Test
    void shouldRefuseStartBeyondConcurrentLimitAndFailSecretlessBuilds() throws Exception {
        start(
                """
                version: 0.2
                phases:
                  build:
                    commands:
                      - sleep 2
                """,
                1);

        startBuild("[]");
        HttpResponse<String> refused = call("StartBuild", "{\"projectName\":\"replicate\"}");
        HttpResponse<String> unknown = call("StartBuild", "{\"projectName\":\"other\"}");

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.headers().firstValue("x-amzn-ErrorType")).contains("AccountLimitExceededException");
        assertThat(unknown.headers().firstValue("x-amzn-ErrorType")).contains("ResourceNotFoundException");
        awaitEvent(1);
        assertThat(codeBuild.maxConcurrentBuilds()).isEqualTo(1);

        startBuild("[{\"name\":\"K\",\"value\":\"arn:secret:missing:k\",\"type\":\"SECRETS_MANAGER\"}]");
        JsonNode failed = awaitEvent(2);
        assertThat(failed.path("detail").path("build-status").asText()).isEqualTo("FAILED");
        assertThat(failed.path("detail")
                        .path("additional-information")
                        .path("phases")
                        .toString())
                .contains("DOWNLOAD_SOURCE")
                .contains("Secrets Manager error");
    }

    @Test
    void shouldReturnTheSameBuildWhenIdempotencyTokenRepeats() throws Exception {
        start("version: 0.2\nphases:\n  build:\n    commands:\n      - true\n", 4);

        String body = "{\"projectName\":\"replicate\",\"idempotencyToken\":\"attempt-1\"}";
        String first = JSON.readTree(call("StartBuild", body).body())
                .path("build")
                .path("id")
                .asText();
        String second = JSON.readTree(call("StartBuild", body).body())
                .path("build")
                .path("id")
                .asText();

        assertThat(second).isEqualTo(first);
        assertThat(codeBuild.buildsStarted()).isEqualTo(1);
    }

    private LocalCodeBuild startScripted(LocalCodeBuild.BuildScript script) {
        codeBuild = LocalCodeBuild.scripted(
                new LocalCodeBuild.Project("replicate", null, Map.of(), 4, Duration.ofMinutes(1)),
                script,
                this::record,
                "us-east-1",
                "123456789012");
        return codeBuild;
    }

    @Test
    void shouldEndBuildsAsScriptedWithTheSameShapesWhenScripted() throws Exception {
        startScripted(build -> "fail".equals(build.plaintextVariable("REQUEST"))
                ? LocalCodeBuild.ScriptedEnd.failed("BUILD", "COMMAND_EXECUTION_ERROR", "exit status 1")
                : LocalCodeBuild.ScriptedEnd.succeeded(Map.of("COPIED", "copied")));

        LocalCodeBuild.Build held;
        try (LocalCodeBuild.Hold hold = codeBuild.hold(LocalCodeBuild.HoldPoint.BEFORE_COMMANDS, build -> true)) {
            startBuild("[{\"name\":\"REQUEST\",\"value\":\"copy\",\"type\":\"PLAINTEXT\"},"
                    + "{\"name\":\"DEST_KEY\",\"value\":\"arn:secret:dest:k\",\"type\":\"SECRETS_MANAGER\"}]");
            held = hold.awaitHeld(Duration.ofSeconds(10));
            assertThat(held.complete()).isFalse();
            assertThat(codeBuild.activeBuilds()).isEqualTo(1);
        }
        JsonNode succeeded = awaitEvent(1);
        startBuild("[{\"name\":\"REQUEST\",\"value\":\"fail\",\"type\":\"PLAINTEXT\"}]");
        JsonNode failed = awaitEvent(2);

        assertThat(succeeded.path("detail").path("build-status").asText()).isEqualTo("SUCCEEDED");
        assertThat(succeeded.path("detail").path("build-id").asText()).endsWith("build/" + held.id());
        assertThat(succeeded
                        .path("detail")
                        .path("additional-information")
                        .path("exported-environment-variables")
                        .toString())
                .contains("{\"name\":\"COPIED\",\"value\":\"copied\"}");
        assertThat(held.environmentVariable("DEST_KEY"))
                .isEqualTo(new LocalCodeBuild.EnvironmentVariable("DEST_KEY", "arn:secret:dest:k", "SECRETS_MANAGER"));
        JsonNode described = JSON.readTree(call("BatchGetBuilds", "{\"ids\":[\"" + held.id() + "\"]}")
                        .body())
                .path("builds")
                .get(0);
        assertThat(described.path("buildStatus").asText()).isEqualTo("SUCCEEDED");
        assertThat(described.path("buildComplete").asBoolean()).isTrue();
        assertThat(failed.path("detail").path("build-status").asText()).isEqualTo("FAILED");
        assertThat(failed.path("detail")
                        .path("additional-information")
                        .path("phases")
                        .toString())
                .contains("\"phase-type\":\"BUILD\",\"phase-status\":\"FAILED\"")
                .contains("COMMAND_EXECUTION_ERROR: exit status 1");
    }

    @Test
    void shouldRefuseStartBuildWithThrottlingWhenToldToThrottle() throws Exception {
        startScripted(build -> LocalCodeBuild.ScriptedEnd.succeeded(Map.of()));
        codeBuild.throttleNextStartBuilds(2);

        HttpResponse<String> first = call("StartBuild", "{\"projectName\":\"replicate\"}");
        HttpResponse<String> second = call("StartBuild", "{\"projectName\":\"replicate\"}");
        startBuild("[]");

        assertThat(first.headers().firstValue("x-amzn-ErrorType")).contains("ThrottlingException");
        assertThat(second.headers().firstValue("x-amzn-ErrorType")).contains("ThrottlingException");
        assertThat(codeBuild.startBuildCalls()).isEqualTo(3);
        assertThat(codeBuild.buildsStarted()).isEqualTo(1);
    }
}
