package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagStatus;
import org.ecrreplicator.engines.AwsJsonEndpoint;
import org.ecrreplicator.engines.DynamoDbLocalEngine;
import org.ecrreplicator.state.DynamoAttemptStore;
import org.ecrreplicator.state.DynamoTagStateStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * CheckState, StartBuild, Completion and RecordResult against DynamoDB Local, with CodeBuild's and Step
 * Functions' APIs as loopback stand-ins: the per-tag rules, the lease, one build per attempt, throttling,
 * build failures and late events.
 */
class WorkflowHandlersIT {
    private static final String PROJECT = "ecr-replicator-dev";
    private static final String SECRET_ARN =
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-replicator-dev/destination-AbCdEf";
    private static final String DIGEST_1 = "sha256:" + "1".repeat(64);
    private static final String DIGEST_2 = "sha256:" + "2".repeat(64);
    private static final String EXECUTION_1 = "arn:aws:states:us-east-1:123456789012:execution:replicate:one";
    private static final String EXECUTION_2 = "arn:aws:states:us-east-1:123456789012:execution:replicate:two";
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");

    private static DynamoDbLocalEngine dynamoEngine;
    private static DynamoDbClient dynamo;

    private final List<String> logs = new CopyOnWriteArrayList<>();
    private final List<String> outputs = new CopyOnWriteArrayList<>();
    private final MutableClock clock = new MutableClock(T0.plusSeconds(5));
    private final List<Duration> pauses = new CopyOnWriteArrayList<>();
    private final List<org.ecrreplicator.domain.ReplicationRequest> rechecks = new CopyOnWriteArrayList<>();
    private LocalAws.FakeCodeBuild codeBuild;
    private LocalAws.FakeStepFunctions stepFunctions;
    private String table;
    private FunctionsConfig config;
    private DynamoTagStateStore store;
    private DynamoAttemptStore attempts;
    private CheckStateHandler checkState;
    private StartBuildHandler startBuild;
    private CompletionHandler completion;
    private RecordResultHandler recordResult;
    private SweepHandler sweep;

    @BeforeAll
    static void startDynamo() {
        dynamoEngine = DynamoDbLocalEngine.start();
        dynamo = LocalAws.dynamo(dynamoEngine.endpoint());
    }

    @AfterAll
    static void stopDynamo() {
        dynamo.close();
        dynamoEngine.close();
    }

    @BeforeEach
    void setUp() {
        table = LocalAws.createStateTable(dynamo);
        codeBuild = new LocalAws.FakeCodeBuild();
        stepFunctions = new LocalAws.FakeStepFunctions();
        Map<String, String> env = new HashMap<>();
        env.put(FunctionEnvironment.TABLE_NAME, table);
        env.put(FunctionEnvironment.SECRET_ID, SECRET_ARN);
        env.put(FunctionEnvironment.DESTINATION_REGION, "us-gov-west-1");
        env.put(FunctionEnvironment.BUILD_PROJECT_NAME, PROJECT);
        env.put(FunctionEnvironment.LEASE_SECONDS, "600");
        env.put(FunctionEnvironment.MAX_LEASE_WAITS, "3");
        env.put(FunctionEnvironment.HISTORY_TTL_DAYS, "30");
        env.put(FunctionEnvironment.AWS_REGION, "us-east-1");
        env.put(FunctionEnvironment.SCAN_ON_PUSH, "true");
        env.put(FunctionEnvironment.REPLICATE_DELETES, "true");
        env.put(FunctionEnvironment.SWEEP_LOOKBACK_SECONDS, "3600");
        config = FunctionsConfig.from(env);
        codeBuild.startClock = clock::instant;
        store = new DynamoTagStateStore(dynamo, table);
        attempts = new DynamoAttemptStore(dynamo, table);
        checkState = new CheckStateHandler(config, store, logs::add, clock);
        startBuild = new StartBuildHandler(
                config,
                store,
                attempts,
                LocalAws.codeBuild(codeBuild.endpoint.endpoint()),
                pauses::add,
                logs::add,
                clock);
        completion = new CompletionHandler(
                config,
                store,
                attempts,
                LocalAws.sfn(stepFunctions.endpoint.endpoint()),
                LocalAws.codeBuild(codeBuild.endpoint.endpoint()),
                logs::add,
                clock);
        recordResult = new RecordResultHandler(config, store, rechecks::add, logs::add, clock);
        sweep = new SweepHandler(
                config,
                store,
                attempts,
                LocalAws.sfn(stepFunctions.endpoint.endpoint()),
                LocalAws.codeBuild(codeBuild.endpoint.endpoint()),
                logs::add,
                clock);
    }

    @AfterEach
    void tearDown() {
        codeBuild.close();
        stepFunctions.close();
        List<String> everything = new ArrayList<>(logs);
        everything.addAll(outputs);
        LocalAws.assertNoSecretIn(everything);
    }

    // --- payloads as the state machine builds them ---

    private static ObjectNode request(String digest, Instant time, String eventId) {
        return Json.MAPPER
                .createObjectNode()
                .put("repository", "team/app")
                .put("tag", "1.4.2")
                .put("digest", digest)
                .put("action", "PUSH")
                .put("eventTime", time.toString())
                .put("eventId", eventId)
                .put("sourceRegistry", "123456789012");
    }

    private JsonNode check(ObjectNode request, String execution, int waits) {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.set("request", request);
        payload.put("executionArn", execution).put("waits", waits);
        return invoke(checkState, payload);
    }

    private JsonNode start(ObjectNode request, String execution, String taskToken) {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.set("request", request);
        payload.putObject("destination")
                .put("secretArn", SECRET_ARN)
                .put("secretVersionId", "v1")
                .put("partition", "aws-us-gov")
                .put("accountId", "210987654321")
                .put("region", "us-gov-west-1")
                .put("registry", "210987654321.dkr.ecr.us-gov-west-1.amazonaws.com");
        payload.put("executionArn", execution).put("taskToken", taskToken).put("redriveCount", 0);
        return invoke(startBuild, payload);
    }

    private JsonNode record(ObjectNode request, String execution, JsonNode build) {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.set("request", request);
        payload.put("executionArn", execution);
        payload.set("build", build);
        return invoke(recordResult, payload);
    }

    private JsonNode invoke(com.amazonaws.services.lambda.runtime.RequestStreamHandler handler, JsonNode payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            handler.handleRequest(
                    new ByteArrayInputStream(Json.write(payload).getBytes(StandardCharsets.UTF_8)), out, null);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        String text = out.toString(StandardCharsets.UTF_8);
        outputs.add(text);
        return Json.parse(text);
    }

    /** The EventBridge event CodeBuild sends when the build ends (real shape, from the sample). */
    private JsonNode buildEvent(String buildId, String status, Map<String, String> exported, boolean withDetails) {
        ObjectNode event = (ObjectNode) BuildStateChangeTest.event(
                status.equals("SUCCEEDED") ? "codebuild-succeeded.json" : "codebuild-failed.json");
        ObjectNode detail = (ObjectNode) event.get("detail");
        String arn = "arn:aws:codebuild:us-east-1:123456789012:build/" + buildId;
        detail.put("build-status", status).put("project-name", PROJECT).put("build-id", arn);
        event.putArray("resources").add(arn);
        ObjectNode info = (ObjectNode) detail.get("additional-information");
        if (!withDetails) {
            ((ObjectNode) info.get("environment")).remove("environment-variables");
            info.remove("exported-environment-variables");
            return event;
        }
        ArrayNode variables = ((ObjectNode) info.get("environment")).putArray("environment-variables");
        for (JsonNode variable :
                codeBuild.builds.get(buildId).path("environment").path("environmentVariables")) {
            variables
                    .addObject()
                    .put("name", variable.path("name").asText())
                    .put("type", variable.path("type").asText())
                    .put("value", variable.path("value").asText());
        }
        if (exported != null) {
            ArrayNode out = info.putArray("exported-environment-variables");
            exported.forEach((name, value) -> out.addObject().put("name", name).put("value", value));
        }
        return event;
    }

    private static Map<String, String> replicated(String digest) {
        return Map.of(
                BuildResults.OUTCOME,
                "REPLICATED",
                BuildResults.REPLICATED_DIGEST,
                digest,
                BuildResults.BYTES_COPIED,
                "1048576",
                BuildResults.BLOBS_COPIED,
                "3",
                BuildResults.BLOBS_SKIPPED,
                "1");
    }

    private TagState state() {
        return store.load("team/app:1.4.2").orElseThrow();
    }

    /** The whole happy path for one event; returns RecordResult's output. */
    private JsonNode replicate(ObjectNode request, String execution, String token) {
        assertThat(check(request, execution, 0).path("decision").asText()).isEqualTo("PROCEED");
        String buildId = start(request, execution, token).path("buildId").asText();
        JsonNode completed = invoke(
                completion,
                buildEvent(
                        buildId, "SUCCEEDED", replicated(request.path("digest").asText()), true));
        assertThat(completed.path("status").asText()).isEqualTo("TASK_SUCCEEDED");
        LocalAws.FakeStepFunctions.Callback callback = stepFunctions.callbacks.getLast();
        assertThat(callback.operation()).isEqualTo("SendTaskSuccess");
        assertThat(callback.taskToken()).isEqualTo(token);
        return record(
                request, execution, Json.parse(callback.body().path("output").asText()));
    }

    // --- scenarios ---

    @Test
    void shouldReplicateAndRecordTheResultWhenTheTagIsNew() {
        ObjectNode request = request(DIGEST_1, T0, "e1");

        JsonNode check = check(request, EXECUTION_1, 0);
        assertThat(check.path("decision").asText()).isEqualTo("PROCEED");
        assertThat(check.path("leaseExpiresAt").asText())
                .isEqualTo(T0.plusSeconds(5 + 600).toString());

        JsonNode started = start(request, EXECUTION_1, "token-1");
        String buildId = started.path("buildId").asText();
        assertThat(buildId).startsWith(PROJECT + ":");
        assertThat(state().status()).isEqualTo(TagStatus.BUILDING);
        assertThat(state().buildId()).isEqualTo(buildId);

        AwsJsonEndpoint.Call call = codeBuild.endpoint.calls("StartBuild").getFirst();
        assertThat(call.request().path("projectName").asText()).isEqualTo(PROJECT);
        Map<String, String> types = new HashMap<>();
        for (JsonNode variable : call.request().path("environmentVariablesOverride")) {
            types.put(variable.path("name").asText(), variable.path("type").asText());
        }
        assertThat(types)
                .containsEntry(BuildVariables.DESTINATION_ACCESS_KEY_ID, "SECRETS_MANAGER")
                .containsEntry(BuildVariables.DESTINATION_SECRET_ACCESS_KEY, "SECRETS_MANAGER")
                .containsEntry(BuildVariables.ATTEMPT_ID, "PLAINTEXT")
                .doesNotContainKey("TASK_TOKEN")
                .containsKeys(
                        BuildVariables.REPLICATION_REQUEST,
                        BuildVariables.EXECUTION_ARN,
                        BuildVariables.SOURCE_REGISTRY,
                        BuildVariables.DESTINATION_REGISTRY,
                        BuildVariables.DESTINATION_REGION,
                        BuildVariables.CREATE_REPOSITORIES,
                        BuildVariables.IMAGE_TAG_MUTABILITY,
                        BuildVariables.SCAN_ON_PUSH,
                        BuildVariables.REGISTRY_INSECURE,
                        BuildVariables.REPLICATE_DELETES,
                        BuildVariables.COPY_REFERRERS)
                .hasSize(14);
        Map<String, String> environment = codeBuild.environment(buildId);
        assertThat(environment)
                // The version ReadSecret validated ("v1" in start()), not whatever is AWSCURRENT at build start.
                .containsEntry(BuildVariables.DESTINATION_ACCESS_KEY_ID, SECRET_ARN + ":accesskey::v1")
                .containsEntry(BuildVariables.DESTINATION_SECRET_ACCESS_KEY, SECRET_ARN + ":secretaccesskey::v1")
                .containsEntry(BuildVariables.SOURCE_REGISTRY, "123456789012.dkr.ecr.us-east-1.amazonaws.com")
                .containsEntry(BuildVariables.DESTINATION_REGISTRY, "210987654321.dkr.ecr.us-gov-west-1.amazonaws.com")
                .containsEntry(BuildVariables.SCAN_ON_PUSH, "true")
                .containsEntry(BuildVariables.REPLICATE_DELETES, "true")
                .containsEntry(BuildVariables.COPY_REFERRERS, "true")
                .containsEntry(BuildVariables.EXECUTION_ARN, EXECUTION_1);
        assertThat(Json.parse(environment.get(BuildVariables.REPLICATION_REQUEST)))
                .isEqualTo(request);
        // Only the table knows the token: reading the build's description does not let anyone answer the task.
        assertThat(environment.values()).noneMatch(value -> value.contains("token-1"));
        assertThat(attempts.taskToken(environment.get(BuildVariables.ATTEMPT_ID)))
                .contains("token-1");

        JsonNode completed = invoke(completion, buildEvent(buildId, "SUCCEEDED", replicated(DIGEST_1), true));
        assertThat(completed.path("status").asText()).isEqualTo("TASK_SUCCEEDED");
        LocalAws.FakeStepFunctions.Callback callback = stepFunctions.callbacks.getFirst();
        assertThat(callback.operation()).isEqualTo("SendTaskSuccess");
        JsonNode taskResult = Json.parse(callback.body().path("output").asText());
        assertThat(Json.write(taskResult))
                .isEqualTo("{\"buildId\":\"" + buildId + "\",\"outcome\":\"REPLICATED\",\"digest\":\"" + DIGEST_1
                        + "\",\"bytesCopied\":1048576,\"blobsCopied\":3,\"blobsSkipped\":1,\"blobsMounted\":0,"
                        + "\"bytesMounted\":0,\"referrersCopied\":0,"
                        + "\"referrersSkipped\":0,\"removedDigest\":null}");

        JsonNode recorded = record(request, EXECUTION_1, taskResult);
        assertThat(Json.write(recorded))
                .isEqualTo("{\"outcome\":\"replicated\",\"imageKey\":\"team/app:1.4.2\",\"digest\":\"" + DIGEST_1
                        + "\",\"buildId\":\"" + buildId + "\",\"referrersCopied\":0,\"referrersSkipped\":0}");
        TagState state = state();
        assertThat(state.status()).isEqualTo(TagStatus.REPLICATED);
        assertThat(state.replicatedDigest().toString()).isEqualTo(DIGEST_1);
        assertThat(state.lease()).isNull();
        assertThat(state.buildId()).isEqualTo(buildId);
        Map<String, AttributeValue> history = dynamo.getItem(get -> get.tableName(table)
                        .key(Map.of(
                                StateTable.KEY,
                                AttributeValue.fromS(StateTable.historyKey("team/app:1.4.2", state.applied())))))
                .item();
        assertThat(history.get(StateTable.TTL).n())
                .isEqualTo(
                        Long.toString(clock.instant().plus(Duration.ofDays(30)).getEpochSecond()));
    }

    @Test
    void shouldSkipAsDuplicateWhenTheSameEventOrDigestArrivesAgain() {
        replicate(request(DIGEST_1, T0, "e1"), EXECUTION_1, "token-1");

        JsonNode again = check(request(DIGEST_1, T0, "e1"), EXECUTION_2, 0);
        JsonNode sameDigest = check(request(DIGEST_1, T0.plusSeconds(30), "e2"), EXECUTION_2, 0);

        assertThat(again.path("decision").asText()).isEqualTo("SKIP_DUPLICATE");
        assertThat(sameDigest.path("decision").asText()).isEqualTo("SKIP_DUPLICATE");
        assertThat(sameDigest.path("reason").asText()).contains("already holds " + DIGEST_1);
        assertThat(sameDigest.get("leaseExpiresAt").isNull()).isTrue();
        assertThat(codeBuild.endpoint.calls("StartBuild")).hasSize(1);
    }

    @Test
    void shouldSkipAsStaleWhenANewerEventWasAppliedFirst() {
        replicate(request(DIGEST_2, T0.plusSeconds(60), "newer"), EXECUTION_1, "token-1");

        JsonNode older = check(request(DIGEST_1, T0, "older"), EXECUTION_2, 0);

        assertThat(older.path("decision").asText()).isEqualTo("SKIP_STALE");
        assertThat(older.path("reason").asText()).contains("event newer");
        assertThat(state().replicatedDigest().toString()).isEqualTo(DIGEST_2);
    }

    @Test
    void shouldWaitForTheLeaseAndTimeOutWithLeaseTimeoutWhenItIsNeverReleased() {
        check(request(DIGEST_1, T0, "e1"), EXECUTION_1, 0);

        JsonNode waiting = check(request(DIGEST_2, T0.plusSeconds(1), "e2"), EXECUTION_2, 0);
        Throwable timedOut = catchThrowable(() -> check(request(DIGEST_2, T0.plusSeconds(1), "e2"), EXECUTION_2, 3));

        assertThat(waiting.path("decision").asText()).isEqualTo("WAIT");
        assertThat(waiting.path("reason").asText()).contains(EXECUTION_1);
        assertThat(timedOut.getClass().getName()).isEqualTo("LeaseTimeout");
        assertThat(timedOut).hasMessageContaining("MAX_LEASE_WAITS 3").hasMessageContaining("redrive");
        TagState state = state();
        assertThat(state.lease().owner()).isEqualTo(EXECUTION_1);
        assertThat(state.error()).isEqualTo("LeaseTimeout");
    }

    @Test
    void shouldTakeOverTheExpiredLeaseOfACrashedExecution() {
        check(request(DIGEST_1, T0, "e1"), EXECUTION_1, 0);
        clock.advance(Duration.ofSeconds(601));

        JsonNode takeover = check(request(DIGEST_2, T0.plusSeconds(1), "e2"), EXECUTION_2, 1);

        assertThat(takeover.path("decision").asText()).isEqualTo("PROCEED");
        assertThat(takeover.path("reason").asText()).contains("took over the expired lease of " + EXECUTION_1);
        assertThat(state().lease().owner()).isEqualTo(EXECUTION_2);
    }

    @Test
    void shouldStartOneBuildPerAttemptWhenTheInvocationIsRetried() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        check(request, EXECUTION_1, 0);

        String first = start(request, EXECUTION_1, "token-1").path("buildId").asText();
        String retried = start(request, EXECUTION_1, "token-1").path("buildId").asText();
        String nextAttempt =
                start(request, EXECUTION_1, "token-2").path("buildId").asText();

        assertThat(retried).isEqualTo(first);
        assertThat(nextAttempt).isNotEqualTo(first);
        assertThat(codeBuild.builds).hasSize(2);
        assertThat(state().buildId()).isEqualTo(nextAttempt);
    }

    @Test
    void shouldReuseTheIdempotencyTokenWhenTheLastTryDiedBeforeStoringTheBuild() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        check(request, EXECUTION_1, 0);
        String first = start(request, EXECUTION_1, "token-1").path("buildId").asText();
        // As if that invocation had died after CodeBuild started the build but before the item stored it.
        TagState stored = state();
        store.save(stored.next(clock.instant())
                .build(null, stored.taskTokenHash())
                .status(TagStatus.LEASED)
                .done());

        String retried = start(request, EXECUTION_1, "token-1").path("buildId").asText();

        assertThat(retried).isEqualTo(first);
        assertThat(codeBuild.builds).hasSize(1);
        List<AwsJsonEndpoint.Call> calls = codeBuild.endpoint.calls("StartBuild");
        assertThat(calls).hasSize(2);
        assertThat(calls.get(1).request().path("idempotencyToken").asText())
                .isEqualTo(calls.get(0).request().path("idempotencyToken").asText());
        assertThat(attemptIdOf(calls.get(1)))
                .as("the retried invocation of the same attempt reuses its attempt id")
                .isEqualTo(attemptIdOf(calls.get(0)))
                .isEqualTo(codeBuild.environment(first).get(BuildVariables.ATTEMPT_ID));
        assertThat(attempts.taskToken(attemptIdOf(calls.get(0)))).contains("token-1");
    }

    private static String attemptIdOf(AwsJsonEndpoint.Call startBuild) {
        for (JsonNode variable : startBuild.request().path("environmentVariablesOverride")) {
            if (variable.path("name").asText().equals(BuildVariables.ATTEMPT_ID)) {
                return variable.path("value").asText();
            }
        }
        throw new AssertionError("StartBuild passed no ATTEMPT_ID");
    }

    @Test
    void shouldGiveANewAttemptIdToANewTaskToken() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        check(request, EXECUTION_1, 0);

        start(request, EXECUTION_1, "token-1");
        start(request, EXECUTION_1, "token-2");

        List<AwsJsonEndpoint.Call> calls = codeBuild.endpoint.calls("StartBuild");
        assertThat(attemptIdOf(calls.get(1))).isNotEqualTo(attemptIdOf(calls.get(0)));
        assertThat(attempts.taskToken(attemptIdOf(calls.get(1)))).contains("token-2");
        Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(table)
                        .key(Map.of(
                                StateTable.KEY,
                                AttributeValue.fromS(StateTable.attemptKey(attemptIdOf(calls.get(1)))))))
                .item();
        assertThat(item.get(StateTable.TTL).n())
                .as("kept for the build task's timeout (the default 2 h) and the margin")
                .isEqualTo(Long.toString(clock.instant()
                        .plus(Duration.ofHours(2))
                        .plus(BuildStarter.ATTEMPT_MARGIN)
                        .getEpochSecond()));
    }

    /** Rewrites the ATTEMPT_ID CodeBuild keeps for {@code buildId}, as a forger's made-up build would carry. */
    private void forgeAttemptId(String buildId, String attemptId) {
        for (JsonNode variable :
                codeBuild.builds.get(buildId).path("environment").path("environmentVariables")) {
            if (variable.path("name").asText().equals(BuildVariables.ATTEMPT_ID)) {
                ((ObjectNode) variable).put("value", attemptId);
            }
        }
    }

    @Test
    void shouldChangeNothingWhenABuildEventCarriesAMadeUpAttemptId() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        String buildId = started(request, EXECUTION_1, "token-1");
        TagState before = state();
        forgeAttemptId(buildId, "fedcba9876543210fedcba9876543210");

        JsonNode failed = invoke(completion, buildEvent(buildId, "FAILED", null, true));
        JsonNode succeeded = invoke(completion, buildEvent(buildId, "SUCCEEDED", replicated(DIGEST_2), true));

        for (JsonNode forged : List.of(failed, succeeded)) {
            assertThat(forged.path("status").asText()).isEqualTo("IGNORED");
            assertThat(forged.path("reason").asText()).contains("ATTEMPT_ID names no attempt");
        }
        assertThat(stepFunctions.callbacks).isEmpty();
        assertThat(state()).isEqualTo(before);
        assertThat(logs).filteredOn(line -> line.contains("event ignored")).hasSize(2);
    }

    @Test
    void shouldIgnoreABuildWithoutAttemptIdAndAnIdNamingTheTokenHashItem() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        String buildId = started(request, EXECUTION_1, "token-1");
        TagState before = state();
        ArrayNode variables =
                (ArrayNode) codeBuild.builds.get(buildId).path("environment").path("environmentVariables");
        for (int i = variables.size() - 1; i >= 0; i--) {
            if (variables.get(i).path("name").asText().equals(BuildVariables.ATTEMPT_ID)) {
                variables.remove(i);
            }
        }

        JsonNode withoutId = invoke(completion, buildEvent(buildId, "FAILED", null, true));
        variables
                .addObject()
                .put("name", BuildVariables.ATTEMPT_ID)
                .put("type", "PLAINTEXT")
                .put("value", "token#" + org.ecrreplicator.domain.Sha256.hex("token-1"));
        JsonNode tokenHashKey = invoke(completion, buildEvent(buildId, "FAILED", null, true));

        assertThat(withoutId.path("status").asText()).isEqualTo("IGNORED");
        assertThat(withoutId.path("reason").asText()).contains("no ATTEMPT_ID");
        assertThat(tokenHashKey.path("status").asText()).isEqualTo("IGNORED");
        assertThat(stepFunctions.callbacks).isEmpty();
        assertThat(state()).isEqualTo(before);
    }

    @Test
    void shouldNotReportABuildWhoseAttemptIdNamesNoAttemptWhenSweeping() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        String buildId = started(request, EXECUTION_1, "token-1");
        TagState before = state();
        forgeAttemptId(buildId, "fedcba9876543210fedcba9876543210");
        codeBuild.finish(buildId, "FAILED", Map.of());
        clock.advance(config.sweepGrace().plusSeconds(1));

        JsonNode swept = sweep();

        assertThat(swept.path("checked").asInt()).isEqualTo(1);
        assertThat(swept.path("reported")).isEmpty();
        assertThat(stepFunctions.callbacks).isEmpty();
        assertThat(state()).isEqualTo(before);
        assertThat(String.join("\n", logs)).contains("build ignored").contains(buildId);
    }

    @Test
    void shouldReportTheSampleEventToTheTokenTheTableHoldsForItsAttemptId() {
        JsonNode sample = BuildStateChangeTest.event("codebuild-succeeded.json");
        JsonNode unknown = invoke(completion, sample);
        dynamo.putItem(put -> put.tableName(table)
                .item(Map.of(
                        StateTable.KEY,
                        AttributeValue.fromS(StateTable.attemptKey("0123456789abcdef0123456789abcdef")),
                        StateTable.TASK_TOKEN,
                        AttributeValue.fromS("token-sample"))));

        JsonNode known = invoke(completion, sample);

        assertThat(unknown.path("status").asText()).isEqualTo("IGNORED");
        assertThat(known.path("status").asText()).isEqualTo("TASK_SUCCEEDED");
        assertThat(stepFunctions.callbacks).singleElement().satisfies(callback -> {
            assertThat(callback.operation()).isEqualTo("SendTaskSuccess");
            assertThat(callback.taskToken()).isEqualTo("token-sample");
        });
    }

    @Test
    void shouldRetryWithBackoffWhenCodeBuildThrottles() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        check(request, EXECUTION_1, 0);
        codeBuild.throttleNext.set(2);
        codeBuild.throttleCode = "ThrottlingException";

        String buildId = start(request, EXECUTION_1, "token-1").path("buildId").asText();

        assertThat(codeBuild.endpoint.calls("StartBuild")).hasSize(3);
        assertThat(pauses).hasSize(2);
        assertThat(pauses.get(1)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
        assertThat(state().buildId()).isEqualTo(buildId);
    }

    @Test
    void shouldRetryAServerErrorOfCodeBuildItselfWithTheSameIdempotencyToken() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        check(request, EXECUTION_1, 0);
        codeBuild.throttleNext.set(1);
        codeBuild.throttleCode = "InternalFailure";
        codeBuild.throttleStatus = 500;

        String buildId = start(request, EXECUTION_1, "token-1").path("buildId").asText();

        List<AwsJsonEndpoint.Call> calls = codeBuild.endpoint.calls("StartBuild");
        assertThat(calls).as("one retry, by the handler").hasSize(2);
        assertThat(calls.get(1).request().path("idempotencyToken").asText())
                .isEqualTo(calls.get(0).request().path("idempotencyToken").asText());
        assertThat(pauses).hasSize(1);
        assertThat(state().buildId()).isEqualTo(buildId);
        assertThat(String.join("\n", logs)).contains("StartBuild failed; retrying");
    }

    @Test
    void shouldRecordFailedAndThrowBuildThrottledWhenThrottlingNeverStops() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        check(request, EXECUTION_1, 0);
        codeBuild.throttleNext.set(100);

        Throwable error = catchThrowable(() -> start(request, EXECUTION_1, "token-1"));

        assertThat(error.getClass().getName()).isEqualTo("BuildThrottled");
        assertThat(codeBuild.endpoint.calls("StartBuild")).hasSize(StartBuildHandler.MAX_START_ATTEMPTS);
        TagState state = state();
        assertThat(state.status()).isEqualTo(TagStatus.FAILED);
        assertThat(state.error()).isEqualTo("BuildThrottled");
        assertThat(state.cause()).contains("AccountLimitExceededException");
        assertThat(state.lease()).isNull();
    }

    @Test
    void shouldFailWithLeaseHeldWhenARedriveFindsAnotherExecutionHoldingTheTag() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        check(request(DIGEST_2, T0.plusSeconds(1), "e2"), EXECUTION_2, 0);

        Throwable error = catchThrowable(() -> start(request, EXECUTION_1, "token-1"));

        assertThat(error.getClass().getName()).isEqualTo("LeaseHeld");
        assertThat(codeBuild.endpoint.calls("StartBuild")).isEmpty();
        assertThat(state().lease().owner()).isEqualTo(EXECUTION_2);
    }

    @Test
    void shouldRecordTheFailureAndSendBuildFailedThenSucceedOnRedriveWhenTheBuildFails() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        check(request, EXECUTION_1, 0);
        String failedBuild =
                start(request, EXECUTION_1, "token-1").path("buildId").asText();

        JsonNode failed = invoke(completion, buildEvent(failedBuild, "FAILED", null, true));

        assertThat(failed.path("status").asText()).isEqualTo("TASK_FAILED");
        LocalAws.FakeStepFunctions.Callback callback = stepFunctions.callbacks.getFirst();
        assertThat(callback.operation()).isEqualTo("SendTaskFailure");
        assertThat(callback.body().path("error").asText()).isEqualTo("BuildFailed");
        assertThat(callback.body().path("cause").asText())
                .contains("build " + failedBuild + " FAILED in phase BUILD FAILED (COMMAND_EXECUTION_ERROR")
                .contains("log: https://console.aws.amazon.com/cloudwatch/");
        TagState afterFailure = state();
        assertThat(afterFailure.status()).isEqualTo(TagStatus.FAILED);
        assertThat(afterFailure.error()).isEqualTo("BuildFailed");
        assertThat(afterFailure.cause()).contains(failedBuild);

        // A redrive restarts StartBuild with a new task token: a new build, the lease taken again.
        String redriven =
                start(request, EXECUTION_1, "token-redrive").path("buildId").asText();
        assertThat(redriven).isNotEqualTo(failedBuild);
        JsonNode recorded = replicateFrom(request, redriven, "token-redrive");
        assertThat(recorded.path("outcome").asText()).isEqualTo("replicated");
        assertThat(state().status()).isEqualTo(TagStatus.REPLICATED);
        assertThat(state().error()).isNull();
    }

    private JsonNode replicateFrom(ObjectNode request, String buildId, String token) {
        invoke(completion, buildEvent(buildId, "SUCCEEDED", replicated(DIGEST_1), true));
        LocalAws.FakeStepFunctions.Callback callback = stepFunctions.callbacks.getLast();
        assertThat(callback.taskToken()).isEqualTo(token);
        return record(
                request, EXECUTION_1, Json.parse(callback.body().path("output").asText()));
    }

    @Test
    void shouldNotFailANewerAttemptWhenALateFailureEventArrives() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        check(request, EXECUTION_1, 0);
        String old = start(request, EXECUTION_1, "token-1").path("buildId").asText();
        start(request, EXECUTION_1, "token-2");
        stepFunctions.closedTokens.add("token-1");

        JsonNode late = invoke(completion, buildEvent(old, "FAILED", null, true));

        assertThat(late.path("status").asText()).isEqualTo("IGNORED");
        assertThat(state().status()).isEqualTo(TagStatus.BUILDING);
    }

    @Test
    void shouldIgnoreADuplicateEventForAClosedTaskWithoutError() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        check(request, EXECUTION_1, 0);
        String buildId = start(request, EXECUTION_1, "token-1").path("buildId").asText();
        JsonNode event = buildEvent(buildId, "SUCCEEDED", replicated(DIGEST_1), true);
        invoke(completion, event);

        for (String error : List.of("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")) {
            stepFunctions.closedTokenError = error;
            JsonNode duplicate = invoke(completion, event);
            assertThat(duplicate.path("status").asText()).isEqualTo("IGNORED");
            assertThat(duplicate.path("reason").asText()).contains(error);
        }
        assertThat(stepFunctions.callbacks).hasSize(1);
    }

    @Test
    void shouldReadTokenAndResultsFromBatchGetBuildsWhenTheEventLacksThem() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        check(request, EXECUTION_1, 0);
        String buildId = start(request, EXECUTION_1, "token-1").path("buildId").asText();
        codeBuild.finish(buildId, "SUCCEEDED", replicated(DIGEST_1));

        JsonNode completed = invoke(completion, buildEvent(buildId, "SUCCEEDED", null, false));

        assertThat(completed.path("status").asText()).isEqualTo("TASK_SUCCEEDED");
        assertThat(codeBuild.endpoint.calls("BatchGetBuilds")).hasSize(1);
        assertThat(stepFunctions.callbacks.getFirst().taskToken()).isEqualTo("token-1");
        assertThat(Json.parse(stepFunctions
                                .callbacks
                                .getFirst()
                                .body()
                                .path("output")
                                .asText())
                        .path("blobsCopied")
                        .asLong())
                .isEqualTo(3);
    }

    @Test
    void shouldIgnoreBuildsOfOtherProjects() {
        JsonNode ignored = invoke(completion, BuildStateChangeTest.event("codebuild-other-project.json"));

        assertThat(ignored.path("status").asText()).isEqualTo("IGNORED");
        assertThat(ignored.path("reason").asText()).contains("someone-elses-project");
        assertThat(stepFunctions.callbacks).isEmpty();
    }

    @Test
    void shouldRecordADeleteAndSkipTheNextDeleteAsDuplicate() {
        ObjectNode delete = request(DIGEST_1, T0, "d1").put("action", "DELETE");
        check(delete, EXECUTION_1, 0);
        String buildId = start(delete, EXECUTION_1, "token-1").path("buildId").asText();
        invoke(
                completion,
                buildEvent(
                        buildId,
                        "SUCCEEDED",
                        Map.of(BuildResults.OUTCOME, "DELETED", BuildResults.REPLICATED_DIGEST, ""),
                        true));
        JsonNode result = Json.parse(
                stepFunctions.callbacks.getFirst().body().path("output").asText());

        JsonNode recorded = record(delete, EXECUTION_1, result);
        JsonNode again = check(request(DIGEST_1, T0.plusSeconds(9), "d2").put("action", "DELETE"), EXECUTION_2, 0);

        assertThat(recorded.path("outcome").asText()).isEqualTo("deleted");
        assertThat(recorded.get("digest").isNull()).isTrue();
        assertThat(state().status()).isEqualTo(TagStatus.DELETED);
        assertThat(again.path("decision").asText()).isEqualTo("SKIP_DUPLICATE");
    }

    private static ObjectNode request(String tag, String digest, String action, Instant time, String eventId) {
        ObjectNode request = request(digest, time, eventId).put("action", action);
        if (tag == null) {
            request.remove("tag");
        } else {
            request.put("tag", tag);
        }
        return request;
    }

    /** CheckState (which must PROCEED) and StartBuild for one attempt; returns the build id. */
    private String started(ObjectNode request, String execution, String token) {
        assertThat(check(request, execution, 0).path("decision").asText()).isEqualTo("PROCEED");
        return start(request, execution, token).path("buildId").asText();
    }

    /** The build's event reaches Completion, and RecordResult gets the task result it sent. */
    private JsonNode completeAndRecord(
            ObjectNode request, String execution, String buildId, Map<String, String> exported) {
        invoke(completion, buildEvent(buildId, "SUCCEEDED", exported, true));
        return record(
                request,
                execution,
                Json.parse(
                        stepFunctions.callbacks.getLast().body().path("output").asText()));
    }

    private JsonNode sweep() {
        JsonNode out = sweep.sweep();
        outputs.add(Json.write(out));
        return out;
    }

    @Test
    void shouldWaitInsteadOfSkippingARepushAsDuplicateWhileTheDeleteBuildHoldsTheLease() {
        replicate(request(DIGEST_1, T0, "push"), EXECUTION_1, "token-1");
        ObjectNode delete = request("1.4.2", DIGEST_1, "DELETE", T0.plusSeconds(10), "delete");
        assertThat(check(delete, EXECUTION_2, 0).path("decision").asText()).isEqualTo("PROCEED");

        JsonNode repush = check(request(DIGEST_1, T0.plusSeconds(20), "repush"), EXECUTION_1, 0);

        assertThat(state().replicatedDigest().toString()).isEqualTo(DIGEST_1);
        assertThat(repush.path("decision").asText()).isEqualTo("WAIT");
        assertThat(repush.path("reason").asText()).contains(EXECUTION_2);
    }

    @Test
    void shouldStopTrustingClaimsOnADigestFromTheMomentItsDeleteBuildStarts() {
        replicate(request(DIGEST_1, T0, "push"), EXECUTION_1, "token-1");
        ObjectNode deleteDigest = request(null, DIGEST_1, "DELETE", T0.plusSeconds(10), "delete-digest");
        clock.advance(Duration.ofSeconds(30));
        String buildId = started(deleteDigest, EXECUTION_2, "token-2");

        assertThat(store.loadRemoval("team/app", org.ecrreplicator.domain.Digest.parse(DIGEST_1))
                        .orElseThrow()
                        .inProgress())
                .containsOnlyKeys(EXECUTION_2);
        // The tag's item still claims the digest, but a new push of it is not skipped on that claim.
        JsonNode repush = check(request(DIGEST_1, T0.plusSeconds(40), "repush"), EXECUTION_1, 0);
        assertThat(repush.path("decision").asText()).isEqualTo("PROCEED");

        clock.advance(Duration.ofSeconds(30));
        completeAndRecord(
                deleteDigest,
                EXECUTION_2,
                buildId,
                Map.of(
                        BuildResults.OUTCOME,
                        "DELETED",
                        BuildResults.REPLICATED_DIGEST,
                        DIGEST_1,
                        BuildResults.REMOVED_DIGEST,
                        DIGEST_1));

        var removal = store.loadRemoval("team/app", org.ecrreplicator.domain.Digest.parse(DIGEST_1))
                .orElseThrow();
        assertThat(removal.inProgress()).isEmpty();
        assertThat(removal.lastRemovedAt()).isEqualTo(clock.instant());
        Map<String, AttributeValue> item = dynamo.getItem(
                        get -> get.tableName(table).key(Map.of(StateTable.KEY, AttributeValue.fromS(removal.key()))))
                .item();
        assertThat(item.get(StateTable.TTL).n())
                .isEqualTo(
                        Long.toString(clock.instant().plus(Duration.ofDays(30)).getEpochSecond()));
    }

    @Test
    void shouldQueueARecheckWhenARemovalOfTheCopiedDigestOverlappedTheBuild() {
        ObjectNode push = request(DIGEST_1, T0, "push");
        String pushBuild = started(push, EXECUTION_1, "token-1");
        // Meanwhile a sibling's delete removes the digest at the destination (distribution cannot untag).
        ObjectNode siblingDelete = request("sibling", DIGEST_1, "DELETE", T0.plusSeconds(1), "sibling-delete");
        clock.advance(Duration.ofSeconds(5));
        String deleteBuild = started(siblingDelete, EXECUTION_2, "token-2");
        completeAndRecord(
                siblingDelete,
                EXECUTION_2,
                deleteBuild,
                Map.of(
                        BuildResults.OUTCOME,
                        "DELETED",
                        BuildResults.REPLICATED_DIGEST,
                        DIGEST_1,
                        BuildResults.REMOVED_DIGEST,
                        DIGEST_1));
        clock.advance(Duration.ofSeconds(5));

        completeAndRecord(push, EXECUTION_1, pushBuild, replicated(DIGEST_1));

        assertThat(rechecks).singleElement().satisfies(recheck -> {
            assertThat(recheck.imageKey()).isEqualTo("team/app:1.4.2");
            assertThat(recheck.digest().toString()).isEqualTo(DIGEST_1);
            assertThat(recheck.action()).isEqualTo(org.ecrreplicator.domain.ImageAction.PUSH);
            assertThat(recheck.eventId()).startsWith("recheck-1-");
            assertThat(recheck.eventTime()).isEqualTo(clock.instant());
        });
        assertThat(check(rechecks.getFirst().toJsonNode(), EXECUTION_2, 0)
                        .path("decision")
                        .asText())
                .as("the re-check builds: the claim is not trusted")
                .isEqualTo("PROCEED");
    }

    @Test
    void shouldStopRecheckingAfterThreeRechecksOfOneEvent() {
        assertThat(RecordResultHandler.recheckDepth("0f1e2d3c-aaaa")).isZero();
        assertThat(RecordResultHandler.recheckDepth("recheck-2-0123456789abcdef"))
                .isEqualTo(2);
        assertThat(RecordResultHandler.recheckDepth("recheck-x")).isEqualTo(RecordResultHandler.MAX_RECHECKS);
        ObjectNode third = request(DIGEST_1, T0, "recheck-3-0123456789abcdef0123456789abcdef");
        String build = started(third, EXECUTION_1, "token-1");
        // A removal is under way for the digest: the build's copy may be undone.
        ObjectNode deleteDigest = request(null, DIGEST_1, "DELETE", T0.plusSeconds(1), "delete-digest");
        started(deleteDigest, EXECUTION_2, "token-2");

        completeAndRecord(third, EXECUTION_1, build, replicated(DIGEST_1));

        assertThat(rechecks).isEmpty();
        assertThat(String.join("\n", logs)).contains("left to the next event or reconcile");
    }

    @Test
    void shouldEndTheRemovalOfABuildThatNeverStartedAndCountOneThatFailedAsDone() {
        ObjectNode deleteDigest = request(null, DIGEST_1, "DELETE", T0, "delete-digest");
        check(deleteDigest, EXECUTION_1, 0);
        codeBuild.throttleNext.set(100);
        catchThrowable(() -> start(deleteDigest, EXECUTION_1, "token-1"));

        var afterRefusal = store.loadRemoval("team/app", org.ecrreplicator.domain.Digest.parse(DIGEST_1))
                .orElseThrow();
        assertThat(afterRefusal.inProgress())
                .as("no build, no removal under way")
                .isEmpty();
        assertThat(afterRefusal.lastRemovedAt()).isNull();

        codeBuild.throttleNext.set(0);
        String build =
                start(deleteDigest, EXECUTION_1, "token-2").path("buildId").asText();
        clock.advance(Duration.ofSeconds(10));
        invoke(completion, buildEvent(build, "FAILED", null, true));

        var afterFailure = store.loadRemoval("team/app", org.ecrreplicator.domain.Digest.parse(DIGEST_1))
                .orElseThrow();
        assertThat(afterFailure.inProgress()).isEmpty();
        assertThat(afterFailure.lastRemovedAt())
                .as("it may have deleted before it failed")
                .isEqualTo(clock.instant());
    }

    @Test
    void shouldQueueNoRecheckWhenNoRemovalTouchedTheDigest() {
        replicate(request(DIGEST_1, T0, "push"), EXECUTION_1, "token-1");

        assertThat(rechecks).isEmpty();
    }

    @Test
    void shouldEndTheRemovalWithoutRecordingOneWhenTheDeleteWasOvertaken() {
        ObjectNode deleteDigest = request(null, DIGEST_2, "DELETE", T0, "delete-digest");
        String buildId = started(deleteDigest, EXECUTION_2, "token-2");

        completeAndRecord(
                deleteDigest,
                EXECUTION_2,
                buildId,
                Map.of(BuildResults.OUTCOME, "KEPT", BuildResults.REPLICATED_DIGEST, DIGEST_2));

        var removal = store.loadRemoval("team/app", org.ecrreplicator.domain.Digest.parse(DIGEST_2))
                .orElseThrow();
        assertThat(removal.inProgress()).isEmpty();
        assertThat(removal.lastRemovedAt()).isNull();
        assertThat(store.load("team/app@" + DIGEST_2).orElseThrow().status()).isEqualTo(TagStatus.REPLICATED);
    }

    @Test
    void shouldReportABuildWhoseCompletionWasLostOnceItHadItsGracePeriod() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        String buildId = started(request, EXECUTION_1, "token-1");
        codeBuild.finish(buildId, "SUCCEEDED", replicated(DIGEST_1));

        JsonNode tooSoon = sweep();
        clock.advance(config.sweepGrace().plusSeconds(1));
        JsonNode swept = sweep();

        assertThat(tooSoon.path("reported")).isEmpty();
        assertThat(swept.path("checked").asInt()).isEqualTo(1);
        assertThat(swept.path("reported")).singleElement().satisfies(report -> {
            assertThat(report.path("status").asText()).isEqualTo("TASK_SUCCEEDED");
            assertThat(report.path("buildId").asText()).isEqualTo(buildId);
        });
        LocalAws.FakeStepFunctions.Callback callback = stepFunctions.callbacks.getFirst();
        assertThat(callback.operation()).isEqualTo("SendTaskSuccess");
        assertThat(callback.taskToken()).isEqualTo("token-1");

        record(request, EXECUTION_1, Json.parse(callback.body().path("output").asText()));
        assertThat(sweep().path("reported")).as("the item has its result now").isEmpty();
        assertThat(stepFunctions.callbacks).hasSize(1);
    }

    @Test
    void shouldReportALostFailureOnceAndLeaveTheRecordedFailureAsItIs() {
        ObjectNode request = request(DIGEST_1, T0, "e1");
        String buildId = started(request, EXECUTION_1, "token-1");
        codeBuild.finish(buildId, "FAILED", Map.of());
        clock.advance(config.sweepGrace().plusSeconds(1));

        JsonNode first = sweep();
        TagState failed = state();
        JsonNode second = sweep();

        assertThat(first.path("reported").get(0).path("status").asText()).isEqualTo("TASK_FAILED");
        assertThat(failed.status()).isEqualTo(TagStatus.FAILED);
        assertThat(failed.error()).isEqualTo("BuildFailed");
        assertThat(second.path("reported").get(0).path("status").asText()).isEqualTo("IGNORED");
        assertThat(state().version()).isEqualTo(failed.version());
        assertThat(stepFunctions.callbacks).hasSize(1);
    }

    @Test
    void shouldLeaveRunningBuildsAndBuildsOlderThanTheLookbackAlone() {
        String oldBuild = started(request(DIGEST_1, T0, "old"), EXECUTION_1, "token-old");
        codeBuild.finish(oldBuild, "SUCCEEDED", replicated(DIGEST_1));
        clock.advance(Duration.ofSeconds(3601));
        started(request("other", DIGEST_2, "PUSH", T0.plusSeconds(1), "running"), EXECUTION_2, "token-running");
        clock.advance(config.sweepGrace().plusSeconds(1));
        codeBuild.pageSize = 1;

        JsonNode swept = sweep();

        assertThat(swept.path("reported")).isEmpty();
        assertThat(swept.path("checked").asInt()).isEqualTo(1);
        assertThat(codeBuild.endpoint.calls("ListBuildsForProject"))
                .as("stops paging at the first build older than the lookback")
                .hasSize(2);
        assertThat(stepFunctions.callbacks).isEmpty();
    }

    @Test
    void shouldRejectAPayloadWithoutRequestNamingTheFix() {
        assertThatThrownBy(
                        () -> invoke(checkState, Json.MAPPER.createObjectNode().put("executionArn", EXECUTION_1)))
                .hasMessageContaining("payload field 'request' is missing");
    }

    @Test
    void shouldBuildItsClientsFromTheStandardSettingsWhenConstructedFromConfig() {
        Map<String, String> properties = Map.of(
                "aws.endpointUrlDynamoDb", dynamoEngine.endpoint().toString(),
                "aws.region", "us-east-1",
                "aws.accessKeyId", "AKIDLOCALTESTONLY000",
                "aws.secretAccessKey", "local-test-only-not-a-key");
        properties.forEach(System::setProperty);
        try {
            CheckStateHandler fromConfig = new CheckStateHandler(config);

            JsonNode result = invoke(fromConfig, payload(request(DIGEST_1, T0, "e1")));

            assertThat(result.path("decision").asText()).isEqualTo("PROCEED");
            assertThat(state().lease().owner()).isEqualTo(EXECUTION_1);
        } finally {
            properties.keySet().forEach(System::clearProperty);
        }
    }

    private static ObjectNode payload(ObjectNode request) {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.set("request", request);
        payload.put("executionArn", EXECUTION_1).put("waits", 0);
        return payload;
    }
}
