package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.ecrreplicator.local.LocalStepFunctions.ExecutionView;
import org.ecrreplicator.local.LocalStepFunctions.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.HistoryEvent;
import software.amazon.awssdk.services.sfn.model.InvalidTokenException;
import software.amazon.awssdk.services.sfn.model.TaskDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.TaskTimedOutException;

/**
 * The Step Functions stand-in itself, on the real ASL with small scripted functions (the real handlers are
 * exercised in {@link ReplicationWorkflowIT}): API shapes through the real SDK client, task tokens, error names,
 * timeouts and redrive.
 */
class LocalStepFunctionsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REQUEST =
            """
            {"repository":"team/app","tag":"1.4.2","digest":"sha256:%s","action":"PUSH",\
            "eventTime":"2026-11-22T10:00:00Z","eventId":"%s","sourceRegistry":"111122223333"}""";

    /** Thrown by a scripted function, so its class name is what Lambda would report. */
    static final class ScriptedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ScriptedFailure(String message) {
            super(message);
        }
    }

    private static LocalLambda lambda;
    private static LocalStepFunctions sfn;
    private static SfnClient client;
    private static final BlockingQueue<JsonNode> startBuildPayloads = new LinkedBlockingQueue<>();
    private static final AtomicInteger readSecretFailures = new AtomicInteger();

    @BeforeAll
    static void start() {
        lambda = new LocalLambda();
        sfn = LocalStepFunctions.builder()
                .lambda(lambda)
                .substitution(StateMachineTemplate.READ_SECRET_FUNCTION_ARN, lambda.register("ReadSecret", payload -> {
                    if (readSecretFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new ScriptedFailure("secret gone");
                    }
                    return JSON.readTree(
                            """
                            {"secretArn":"arn:aws-us-gov:secretsmanager:us-gov-west-1:444455556666:secret:dest-AbCdEf",\
                            "secretVersionId":"v1","partition":"aws-us-gov","accountId":"444455556666",\
                            "region":"us-gov-west-1","registry":"444455556666.dkr.ecr.us-gov-west-1.amazonaws.com"}""");
                }))
                .substitution(
                        StateMachineTemplate.CHECK_STATE_FUNCTION_ARN,
                        lambda.register(
                                "CheckState",
                                payload -> JSON.readTree(
                                        "{\"decision\":\"PROCEED\",\"reason\":\"lease taken\",\"leaseExpiresAt\":\"2026-11-22T10:15:00Z\"}")))
                .substitution(StateMachineTemplate.START_BUILD_FUNCTION_ARN, lambda.register("StartBuild", payload -> {
                    startBuildPayloads.add(payload);
                    return JSON.readTree("{\"buildId\":\"project:1\"}");
                }))
                .substitution(
                        StateMachineTemplate.RECORD_RESULT_FUNCTION_ARN, lambda.register("RecordResult", payload -> {
                            ObjectNode out = JSON.createObjectNode();
                            out.put("outcome", "replicated");
                            out.put("imageKey", "team/app:1.4.2");
                            out.set("digest", payload.path("build").path("digest"));
                            out.set("buildId", payload.path("build").path("buildId"));
                            return out;
                        }))
                .substitution(StateMachineTemplate.LEASE_WAIT_SECONDS, "5")
                .substitution(StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS, "3")
                .instantPauses()
                .build();
        client = SfnClient.builder()
                .endpointOverride(sfn.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @AfterAll
    static void stop() {
        client.close();
        sfn.close();
        lambda.close();
    }

    @BeforeEach
    void reset() {
        startBuildPayloads.clear();
        readSecretFailures.set(0);
    }

    private static String request(String id) {
        return REQUEST.formatted("a".repeat(64), id);
    }

    private static JsonNode nextStartBuild() throws InterruptedException {
        JsonNode payload = startBuildPayloads.poll(30, TimeUnit.SECONDS);
        assertThat(payload).as("StartBuild invoked").isNotNull();
        return payload;
    }

    @Test
    void shouldRefuseAnInvalidDefinitionOnceWhenItIsLoadedNotAtEachExecution(@org.junit.jupiter.api.io.TempDir Path dir)
            throws Exception {
        Path invalid = dir.resolve("invalid.asl.json");
        // A JSONPath that is not one: the interpreter's validator (checkPaths) refuses it.
        Files.writeString(
                invalid,
                "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"InputPath\":\"not a path\",\"End\":true}}}");

        assertThatThrownBy(() -> LocalStepFunctions.builder()
                        .lambda(lambda)
                        .definition(invalid)
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("InvalidDefinition");
    }

    @Test
    void shouldRefuseASubstitutionThatNoPlaceholderUsesWhenTheDefinitionIsLoaded(
            @org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path asl = dir.resolve("one-placeholder.asl.json");
        Files.writeString(
                asl, "{\"StartAt\":\"P\",\"States\":{\"P\":{\"Type\":\"Pass\",\"Result\":\"${Used}\",\"End\":true}}}");

        assertThatThrownBy(() -> LocalStepFunctions.builder()
                        .lambda(lambda)
                        .definition(asl)
                        .substitution("Used", "value")
                        .substitution("Unused", "value")
                        .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Unused")
                .hasMessageNotContaining("[Used]");
    }

    @Test
    void shouldRunTheWorkflowToTheEndWhenTheCallbackArrivesThroughTheSdk() throws Exception {
        String arn = client.startExecution(b ->
                        b.stateMachineArn(sfn.stateMachineArn()).name("happy-1").input(request("e-1")))
                .executionArn();

        JsonNode payload = nextStartBuild();
        assertThat(payload.path("executionArn").asText()).isEqualTo(arn);
        assertThat(payload.path("redriveCount").asInt(-1)).isZero();
        assertThat(payload.path("destination").path("partition").asText()).isEqualTo("aws-us-gov");
        String token = payload.path("taskToken").asText();
        assertThat(token).startsWith("AQ").doesNotContain("not-yet-minted");
        client.sendTaskHeartbeat(b -> b.taskToken(token));
        client.sendTaskSuccess(b -> b.taskToken(token)
                .output("{\"buildId\":\"project:1\",\"outcome\":\"REPLICATED\",\"digest\":\"sha256:" + "b".repeat(64)
                        + "\",\"bytesCopied\":10,\"blobsCopied\":2,\"blobsSkipped\":0}"));

        ExecutionView done = sfn.awaitCompletion(arn, Duration.ofSeconds(30));
        assertThat(done.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(done.outputJson().path("outcome").asText()).isEqualTo("replicated");
        assertThat(done.outputJson().path("buildId").asText()).isEqualTo("project:1");
        var described = client.describeExecution(b -> b.executionArn(arn));
        assertThat(described.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(described.output()).isEqualTo(done.output());
        List<HistoryEvent> events =
                client.getExecutionHistory(b -> b.executionArn(arn)).events();
        assertThat(events).extracting(e -> e.typeAsString()).contains("ExecutionStarted", "ExecutionSucceeded");
        assertThat(sfn.statesEntered(arn))
                .containsExactly("Prepare", "ReadSecret", "CheckState", "Decide", "StartBuild", "RecordResult", "Done");

        assertThatThrownBy(() -> client.sendTaskSuccess(b -> b.taskToken(token).output("{}")))
                .isInstanceOf(TaskTimedOutException.class);
    }

    @Test
    void shouldRefuseUnknownAndMalformedTokens() {
        assertThatThrownBy(() ->
                        client.sendTaskSuccess(b -> b.taskToken("not-a-token").output("{}")))
                .isInstanceOf(InvalidTokenException.class);
        assertThatThrownBy(() -> client.sendTaskFailure(
                        b -> b.taskToken("AQ" + "x".repeat(64)).error("BuildFailed")))
                .isInstanceOf(TaskDoesNotExistException.class);
    }

    @Test
    void shouldTreatTheSameNameAndInputAsIdempotentWhileRunningAndRefuseAnotherInput() throws Exception {
        String first = sfn.startExecution("same-name", request("e-2"));
        assertThat(sfn.startExecution("same-name", request("e-2"))).isEqualTo(first);
        assertThatThrownBy(() -> client.startExecution(b -> b.stateMachineArn(sfn.stateMachineArn())
                        .name("same-name")
                        .input(request("e-other"))))
                .isInstanceOf(ExecutionAlreadyExistsException.class);
        String token = nextStartBuild().path("taskToken").asText();
        sfn.sendTaskFailure(token, "BuildFailed", "build project:1 failed in BUILD");
        // BuildFailed is retried twice, each attempt with a new token
        String second = nextStartBuild().path("taskToken").asText();
        assertThat(second).isNotEqualTo(token);
        sfn.sendTaskFailure(second, "BuildFailed", "again");
        sfn.sendTaskFailure(nextStartBuild().path("taskToken").asText(), "BuildFailed", "third time");
        ExecutionView failed = sfn.awaitCompletion(first, Duration.ofSeconds(30));
        assertThat(failed.status()).isEqualTo(Status.FAILED);
        assertThat(failed.error()).isEqualTo("BuildFailed");
        assertThat(failed.cause()).isEqualTo("third time");
        assertThatThrownBy(() -> sfn.startExecution("same-name", request("e-2")))
                .hasMessageContaining("Execution Already Exists");
    }

    @Test
    void shouldReportTheExceptionClassNameAndRedriveFromTheFailedState() throws Exception {
        readSecretFailures.set(1);
        String arn = sfn.startExecution("redrive-1", request("e-3"));
        ExecutionView failed = sfn.awaitCompletion(arn, Duration.ofSeconds(30));
        assertThat(failed.status()).isEqualTo(Status.FAILED);
        assertThat(failed.error()).isEqualTo(ScriptedFailure.class.getName());
        JsonNode cause = JSON.readTree(failed.cause());
        assertThat(cause.path("errorType").asText()).isEqualTo(ScriptedFailure.class.getName());
        assertThat(cause.path("errorMessage").asText()).isEqualTo("secret gone");

        client.redriveExecution(b -> b.executionArn(arn));
        JsonNode payload = nextStartBuild();
        assertThat(payload.path("redriveCount").asInt()).isEqualTo(1);
        sfn.sendTaskSuccess(payload.path("taskToken").asText(), "{\"buildId\":\"b\",\"digest\":\"sha256:x\"}");
        ExecutionView done = sfn.awaitCompletion(arn, Duration.ofSeconds(30));
        assertThat(done.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(done.redriveCount()).isEqualTo(1);
        assertThat(client.describeExecution(b -> b.executionArn(arn)).redriveCount())
                .isEqualTo(1);
        assertThat(sfn.statesEntered(arn))
                .containsExactly(
                        "Prepare",
                        "ReadSecret",
                        "ReadSecret",
                        "CheckState",
                        "Decide",
                        "StartBuild",
                        "RecordResult",
                        "Done");
    }

    @Test
    void shouldRetryThrottledLambdaInvocations() throws Exception {
        lambda.failNextInvocations("CheckState", 429, "TooManyRequestsException", 2);
        String arn = sfn.startExecution("throttled-1", request("e-4"));
        sfn.sendTaskSuccess(nextStartBuild().path("taskToken").asText(), "{\"buildId\":\"b\",\"digest\":\"d\"}");
        assertThat(sfn.awaitCompletion(arn, Duration.ofSeconds(30)).status()).isEqualTo(Status.SUCCEEDED);
        assertThat(sfn.history(arn))
                .filteredOn(e -> e.path("type").asText().equals("TaskFailed"))
                .extracting(e -> e.path("taskFailedEventDetails").path("error").asText())
                .containsExactly("Lambda.TooManyRequestsException", "Lambda.TooManyRequestsException");
    }

    @Test
    void shouldTimeOutTheBuildTaskWhenNoCallbackArrives() throws Exception {
        String arn = sfn.startExecution("timeout-1", request("e-5"));
        String first = nextStartBuild().path("taskToken").asText();
        // States.Timeout is retried once (a new build); let that one time out too
        String second = nextStartBuild().path("taskToken").asText();
        ExecutionView failed = sfn.awaitCompletion(arn, Duration.ofSeconds(30));
        assertThat(failed.status()).isEqualTo(Status.FAILED);
        assertThat(failed.error()).isEqualTo("States.Timeout");
        assertThatThrownBy(() -> sfn.sendTaskSuccess(first, "{}")).hasMessageContaining("Task Timed Out");
        assertThatThrownBy(() -> sfn.sendTaskSuccess(second, "{}")).hasMessageContaining("Task Timed Out");
        assertThat(Map.of("transitions", sfn.stateTransitions(arn)).get("transitions"))
                .isEqualTo(5);
    }
}
