package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.ecrreplicator.domain.ImageAction;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.ecrreplicator.domain.state.Outcome;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.engines.DynamoDbLocalEngine;
import org.ecrreplicator.engines.LocalCodeBuild;
import org.ecrreplicator.engines.LocalCodeBuild.HoldPoint;
import org.ecrreplicator.engines.LocalCodeBuild.ScriptedEnd;
import org.ecrreplicator.engines.LocalSecretsManager;
import org.ecrreplicator.engines.LocalStateTable;
import org.ecrreplicator.engines.SystemProperties;
import org.ecrreplicator.functions.CompletionHandler;
import org.ecrreplicator.functions.FunctionsConfig;
import org.ecrreplicator.local.LocalStepFunctions.ExecutionView;
import org.ecrreplicator.local.LocalStepFunctions.Status;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The real workflow: statemachine/replicate.asl.json in the aws-local-stepfunctions interpreter, every Task
 * calling the real Java handlers in this JVM, DynamoDB Local for the per-tag state, the Secrets Manager
 * stand-in for the destination secret, and the CodeBuild stand-in with scripted builds whose events go to the
 * real Completion handler, which calls back into the Step Functions stand-in with SendTaskSuccess/SendTaskFailure.
 * The real buildspec runs in {@link EndToEndIT}; these tests are about the workflow around it.
 */
class ReplicationWorkflowIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String REGION = LocalPipeline.REGION;
    private static final String ACCOUNT = LocalPipeline.ACCOUNT;
    private static final String TABLE = LocalPipeline.TABLE;
    private static final String SECRET_NAME = LocalPipeline.SECRET_NAME;
    private static final String PROJECT = LocalPipeline.PROJECT;
    private static final String ACCESS_KEY = LocalPipeline.FAKE_ACCESS_KEY;
    private static final String SECRET_KEY = LocalPipeline.FAKE_SECRET_KEY;
    private static final String VALID_SECRET =
            "{\"user\":\"replicator-example\",\"accesskey\":\"" + ACCESS_KEY + "\",\"secretaccesskey\":\"" + SECRET_KEY
                    + "\",\"partition\":\"aws-us-gov\",\"accountid\":\"444455556666\"}";
    private static final int LEASE_SECONDS = 8;
    private static final Duration DEADLINE = Duration.ofSeconds(90);

    private static DynamoDbLocalEngine dynamo;
    private static DynamoDbClient dynamoClient;
    private static LocalSecretsManager secrets;
    private static LocalCodeBuild codeBuild;
    private static LocalLambda lambda;
    private static LocalStepFunctions sfn;
    private static LocalFunction completion;
    private static final List<Throwable> completionErrors = new CopyOnWriteArrayList<>();
    private static final List<String> buildEvents = new CopyOnWriteArrayList<>();
    private static final SystemProperties properties = new SystemProperties();
    /** How many of the next builds fail; later ones succeed. */
    private static final AtomicInteger failingBuilds = new AtomicInteger();
    /** What the source registry holds now, by repository:tag, where that is not what the event announced. */
    private static final Map<String, String> sourceDigests = new ConcurrentHashMap<>();

    @BeforeAll
    static void startEngines() {
        dynamo = DynamoDbLocalEngine.start();
        secrets = new LocalSecretsManager(REGION, ACCOUNT);
        secrets.put(SECRET_NAME, VALID_SECRET);
        codeBuild = LocalCodeBuild.scripted(
                new LocalCodeBuild.Project(PROJECT, null, Map.of(), 20, Duration.ofMinutes(10)),
                ReplicationWorkflowIT::end,
                // EventBridge invokes Completion asynchronously for each "CodeBuild Build State Change" event.
                event -> {
                    try {
                        completion.invoke(JSON.readTree(event));
                    } catch (Exception e) {
                        completionErrors.add(e);
                    }
                    buildEvents.add(event);
                },
                REGION,
                ACCOUNT);
        lambda = new LocalLambda(REGION, ACCOUNT);
        sfn = LocalStepFunctions.builder()
                .lambda(lambda)
                .stateMachineArn("arn:aws:states:" + REGION + ":" + ACCOUNT + ":stateMachine:replicate")
                .substitutions(WorkflowFunctions.substitutions(lambda, Duration.ofSeconds(30), Duration.ofSeconds(60)))
                // Lease waits are short real pauses so that the lease loop is exercised without hitting
                // MAX_LEASE_WAITS; Retry pauses are short too.
                .waitOverride(Duration.ofMillis(300))
                .retryOverride(Duration.ofMillis(100))
                .build();

        // The handlers build their SDK clients with the standard providers, which read these properties.
        properties.set("aws.region", REGION);
        properties.set("aws.accessKeyId", ACCESS_KEY);
        properties.set("aws.secretAccessKey", "local-test-credentials-not-a-secret");
        properties.set("aws.endpointUrlDynamoDb", dynamo.endpoint().toString());
        properties.set("aws.endpointUrlSecretsManager", secrets.endpoint().toString());
        properties.set("aws.endpointUrlCodeBuild", codeBuild.endpoint().toString());
        properties.set("aws.endpointUrlSfn", sfn.endpoint().toString());

        dynamoClient = DynamoDbClient.builder()
                .endpointOverride(dynamo.endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, "local")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        LocalStateTable.create(dynamoClient, TABLE, StateTable.KEY);

        FunctionsConfig config = FunctionsConfig.from(Map.of(
                FunctionEnvironment.TABLE_NAME,
                TABLE,
                FunctionEnvironment.SECRET_ID,
                SECRET_NAME,
                FunctionEnvironment.DESTINATION_REGION,
                "us-gov-west-1",
                FunctionEnvironment.BUILD_PROJECT_NAME,
                PROJECT,
                FunctionEnvironment.LEASE_SECONDS,
                Integer.toString(LEASE_SECONDS),
                FunctionEnvironment.MAX_LEASE_WAITS,
                "60",
                FunctionEnvironment.AWS_REGION,
                REGION,
                FunctionEnvironment.STATE_MACHINE_ARN,
                sfn.stateMachineArn(),
                // The reconcile's functions are registered too; their metrics name the stack.
                FunctionEnvironment.STACK_NAME,
                "ecr-replicator-test-replication"));
        WorkflowFunctions.register(lambda, config);
        completion = LambdaHandlers.adapt(new CompletionHandler(config));
    }

    /**
     * How a scripted build ends: as the copy engine would report it, without copying. The engine resolves the
     * source tag when it copies, so a build reports what the source holds then ({@link #sourceDigests}), not its
     * event's digest.
     */
    private static ScriptedEnd end(LocalCodeBuild.Build build) {
        if (failingBuilds.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            return ScriptedEnd.failed(
                    "BUILD",
                    "COMMAND_EXECUTION_ERROR",
                    "Error while executing command: java -jar replicator.jar replicate. Reason: exit status 1");
        }
        ReplicationRequest request =
                ReplicationRequest.fromJson(build.plaintextVariable(BuildVariables.REPLICATION_REQUEST));
        boolean delete = request.action() == ImageAction.DELETE;
        Map<String, String> exported = new LinkedHashMap<>();
        exported.put(BuildResults.OUTCOME, (delete ? Outcome.DELETED : Outcome.REPLICATED).name());
        exported.put(
                BuildResults.REPLICATED_DIGEST,
                sourceDigests.getOrDefault(request.imageKey(), request.digest().toString()));
        exported.put(BuildResults.BYTES_COPIED, delete ? "0" : "1234");
        exported.put(BuildResults.BLOBS_COPIED, delete ? "0" : "2");
        exported.put(BuildResults.BLOBS_SKIPPED, "0");
        return ScriptedEnd.succeeded(exported);
    }

    @AfterAll
    static void stopEngines() {
        properties.restore();
        if (sfn != null) {
            sfn.close();
        }
        if (lambda != null) {
            lambda.close();
        }
        if (codeBuild != null) {
            codeBuild.close();
        }
        if (secrets != null) {
            secrets.close();
        }
        if (dynamoClient != null) {
            dynamoClient.close();
        }
        if (dynamo != null) {
            dynamo.close();
        }
    }

    @BeforeEach
    void resetScripts() {
        failingBuilds.set(0);
        sourceDigests.clear();
        completionErrors.clear();
        secrets.put(SECRET_NAME, VALID_SECRET);
    }

    @AfterEach
    void completionNeverFailed() {
        assertThat(completionErrors).as("Completion handler errors").isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------

    private static String digest(char c) {
        return "sha256:" + String.valueOf(c).repeat(64);
    }

    private static String request(String repository, String tag, String digest, String eventTime, String eventId) {
        return "{\"repository\":\"" + repository + "\",\"tag\":\"" + tag + "\",\"digest\":\"" + digest
                + "\",\"action\":\"PUSH\",\"eventTime\":\"" + eventTime + "\",\"eventId\":\"" + eventId
                + "\",\"sourceRegistry\":\"111122223333\"}";
    }

    private static ExecutionView run(String name, String input) {
        return sfn.awaitCompletion(sfn.startExecution(name, input), DEADLINE);
    }

    private static boolean isFor(LocalCodeBuild.Build build, String repository) {
        return build.plaintextVariable(BuildVariables.REPLICATION_REQUEST).contains("\"" + repository + "\"");
    }

    private static List<LocalCodeBuild.Build> buildsFor(String repository) {
        return codeBuild.builds().stream()
                .filter(build -> isFor(build, repository))
                .toList();
    }

    /** Holds {@code repository}'s builds before they run, until the hold is closed. */
    private static LocalCodeBuild.Hold holdBuildsOf(String repository) {
        return codeBuild.hold(HoldPoint.BEFORE_COMMANDS, build -> isFor(build, repository));
    }

    private static Map<String, AttributeValue> item(String imageKey) {
        return dynamoClient
                .getItem(get -> get.tableName(TABLE)
                        .key(Map.of(StateTable.KEY, AttributeValue.fromS(imageKey)))
                        .consistentRead(true))
                .item();
    }

    private static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** Everything Step Functions would keep or show: history (inputs, outputs, errors, causes), output, cause. */
    private static String everythingVisible(ExecutionView execution) {
        return sfn.history(execution.executionArn()) + "\n" + execution.output() + "\n" + execution.cause() + "\n"
                + lambda.invocations();
    }

    // ---------------------------------------------------------------------------------------------------------

    @Test
    void shouldReplicateInAtMostEightStateTransitionsWhenTheBuildSucceeds() throws Exception {
        String digest = digest('1');
        ExecutionView done = run("happy", request("team/happy", "1.0", digest, "2026-11-22T10:00:00Z", "ev-happy"));

        assertThat(done.status()).as("%s", done).isEqualTo(Status.SUCCEEDED);
        JsonNode output = done.outputJson();
        assertThat(output.path("outcome").asText()).isEqualTo("replicated");
        assertThat(output.path("imageKey").asText()).isEqualTo("team/happy:1.0");
        assertThat(output.path("digest").asText()).isEqualTo(digest);
        List<LocalCodeBuild.Build> builds = buildsFor("team/happy");
        assertThat(builds).hasSize(1);
        assertThat(output.path("buildId").asText()).isEqualTo(builds.get(0).id());
        LocalCodeBuild.Build build = builds.get(0);
        LocalCodeBuild.EnvironmentVariable accessKey =
                build.environmentVariable(BuildVariables.DESTINATION_ACCESS_KEY_ID);
        assertThat(accessKey.type()).isEqualTo("SECRETS_MANAGER");
        // The version ReadSecret validated, pinned (decision 0071).
        assertThat(accessKey.value()).matches(".*:accesskey::[0-9a-f-]{36}");
        assertThat(build.environmentVariable(BuildVariables.DESTINATION_SECRET_ACCESS_KEY)
                        .type())
                .isEqualTo("SECRETS_MANAGER");
        // The build carries an opaque attempt id, never the task token (decision 0071).
        assertThat(build.plaintextVariable(BuildVariables.ATTEMPT_ID)).matches("[0-9a-f]{32}");
        assertThat(build.environmentVariables().toString()).doesNotContain("TASK_TOKEN");
        assertThat(build.plaintextVariable(BuildVariables.EXECUTION_ARN)).isEqualTo(done.executionArn());
        assertThat(item("team/happy:1.0").get(StateTable.REPLICATED_DIGEST).s()).isEqualTo(digest);
        assertThat(everythingVisible(done)).doesNotContain(ACCESS_KEY, SECRET_KEY);
        assertThat(build.environmentVariables().toString()).doesNotContain(ACCESS_KEY, SECRET_KEY);

        int transitions = sfn.stateTransitions(done.executionArn());
        System.out.println("State transitions of a successful replication: " + transitions + " "
                + sfn.statesEntered(done.executionArn()));
        assertThat(transitions).isLessThanOrEqualTo(8);
    }

    @Test
    void shouldTakeTheSameStateTransitionsHoweverLongTheBuildRuns() throws Exception {
        String arn;
        try (LocalCodeBuild.Hold hold = holdBuildsOf("team/long")) {
            arn = sfn.startExecution(
                    "long-build", request("team/long", "1.0", digest('d'), "2026-11-22T10:00:00Z", "ev-long"));
            hold.awaitHeld(DEADLINE);
            int whileBuilding = sfn.history(arn).size();
            Thread.sleep(2_000); // the build runs on; a polling workflow would add transitions meanwhile
            assertThat(sfn.history(arn)).hasSize(whileBuilding);
        }

        ExecutionView done = sfn.awaitCompletion(arn, DEADLINE);
        assertThat(done.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(sfn.statesEntered(arn))
                .containsExactly("Prepare", "ReadSecret", "CheckState", "Decide", "StartBuild", "RecordResult", "Done");
    }

    @Test
    void shouldStartOneBuildWhenTheSameEventArrivesTwice() {
        String input = request("team/dup", "2.0", digest('2'), "2026-11-22T10:00:00Z", "ev-dup");
        ExecutionView first = run("dup-first", input);
        // A redelivered message gets the same execution name: Step Functions refuses it once the first ended.
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> sfn.startExecution("dup-first", input))
                .hasMessageContaining("Execution Already Exists");
        // The same event through another execution (e.g. a replay) is skipped by CheckState.
        ExecutionView second = run("dup-second", input);

        assertThat(first.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(second.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(second.outputJson().path("outcome").asText()).isEqualTo("skipped as duplicate");
        assertThat(second.outputJson().path("reason").asText()).isNotBlank();
        assertThat(buildsFor("team/dup")).hasSize(1);
        assertThat(sfn.statesEntered(second.executionArn())).doesNotContain("StartBuild");
    }

    @Test
    void shouldSkipAStaleEventAfterANewerOneWithoutABuild() {
        String newer = digest('4');
        ExecutionView applied =
                run("stale-newer", request("team/stale", "3.0", newer, "2026-11-22T11:00:00Z", "ev-stale-2"));
        ExecutionView late =
                run("stale-older", request("team/stale", "3.0", digest('3'), "2026-11-22T10:00:00Z", "ev-stale-1"));

        assertThat(applied.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(late.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(late.outputJson().path("outcome").asText()).isEqualTo("skipped as stale");
        assertThat(buildsFor("team/stale")).hasSize(1);
        assertThat(item("team/stale:3.0").get(StateTable.REPLICATED_DIGEST).s()).isEqualTo(newer);
    }

    @Test
    void shouldSerialiseTwoExecutionsForOneTagWithTheLease() throws Exception {
        // Both pushes happened before either build copies: the source's tag holds the second one's digest.
        sourceDigests.put("team/race:4.0", digest('6'));
        String a;
        String b;
        try (LocalCodeBuild.Hold hold = holdBuildsOf("team/race")) {
            a = sfn.startExecution(
                    "race-a", request("team/race", "4.0", digest('5'), "2026-11-22T10:00:00Z", "ev-race-a"));
            b = sfn.startExecution(
                    "race-b", request("team/race", "4.0", digest('6'), "2026-11-22T10:00:01Z", "ev-race-b"));

            hold.awaitHeld(DEADLINE);
            String first = a;
            String second = b;
            awaitTrue(
                    "three lease checks by the other execution",
                    () -> leaseWaits(first) >= 3 || leaseWaits(second) >= 3);
            assertThat(buildsFor("team/race"))
                    .as("builds while the first holds the lease")
                    .hasSize(1);
        }

        ExecutionView doneA = sfn.awaitCompletion(a, DEADLINE);
        ExecutionView doneB = sfn.awaitCompletion(b, DEADLINE);
        assertThat(doneA.status()).isEqualTo(Status.SUCCEEDED);
        assertThat(doneB.status()).isEqualTo(Status.SUCCEEDED);
        // Whichever ran second either copied the tag again or skipped as covered by the first copy, which
        // resolved the tag when it ran: the destination converges on what the source holds either way.
        assertThat(item("team/race:4.0").get(StateTable.REPLICATED_DIGEST).s()).isEqualTo(digest('6'));
    }

    private static long leaseWaits(String executionArn) {
        return sfn.statesEntered(executionArn).stream()
                .filter("WaitForLease"::equals)
                .count();
    }

    @Test
    void shouldStartANewBuildWhenAFailedExecutionIsRedrivenFromStartBuild() throws Exception {
        failingBuilds.set(3);
        String arn = sfn.startExecution(
                "redrive", request("team/redrive", "5.0", digest('7'), "2026-11-22T10:00:00Z", "ev-redrive"));
        ExecutionView failed = sfn.awaitCompletion(arn, DEADLINE);

        assertThat(failed.status()).isEqualTo(Status.FAILED);
        assertThat(failed.error()).isEqualTo("BuildFailed");
        List<LocalCodeBuild.Build> failedBuilds = buildsFor("team/redrive");
        assertThat(failedBuilds).as("the first build and two retries").hasSize(3);
        assertThat(failed.cause()).contains(failedBuilds.get(2).id().substring(PROJECT.length() + 1));
        List<String> entered = sfn.statesEntered(arn);
        assertThat(entered.get(entered.size() - 1)).isEqualTo("StartBuild");
        Map<String, AttributeValue> failedItem = item("team/redrive:5.0");
        assertThat(failedItem.get(StateTable.STATUS).s()).isEqualTo("FAILED");
        assertThat(failedItem.get(StateTable.ERROR).s()).isEqualTo("BuildFailed");

        sfn.redrive(arn);
        ExecutionView done = sfn.awaitCompletion(arn, DEADLINE);
        assertThat(done.status()).as("%s", done).isEqualTo(Status.SUCCEEDED);
        assertThat(done.redriveCount()).isEqualTo(1);
        assertThat(done.outputJson().path("outcome").asText()).isEqualTo("replicated");
        List<LocalCodeBuild.Build> builds = buildsFor("team/redrive");
        assertThat(builds).hasSize(4);
        assertThat(done.outputJson().path("buildId").asText())
                .isEqualTo(builds.get(3).id());
        List<String> afterRedrive = sfn.statesEntered(arn)
                .subList(entered.size(), sfn.statesEntered(arn).size());
        assertThat(afterRedrive).containsExactly("StartBuild", "RecordResult", "Done");
        assertThat(item("team/redrive:5.0").get(StateTable.REPLICATED_DIGEST).s())
                .isEqualTo(digest('7'));
        assertThat(item("team/redrive:5.0").get(StateTable.STATUS).s()).isEqualTo("REPLICATED");
    }

    @Test
    void shouldFailAtReadSecretWhenTheSecretIsMissing() {
        secrets.delete(SECRET_NAME);
        ExecutionView failed =
                run("no-secret", request("team/nosecret", "1", digest('8'), "2026-11-22T10:00:00Z", "ev-nosecret"));

        assertThat(failed.status()).isEqualTo(Status.FAILED);
        assertThat(failed.error()).isEqualTo("SecretNotFound");
        assertThat(failed.cause()).contains(SECRET_NAME);
        List<String> entered = sfn.statesEntered(failed.executionArn());
        assertThat(entered.get(entered.size() - 1)).isEqualTo("ReadSecret");
        assertThat(buildsFor("team/nosecret")).isEmpty();
        assertThat(entered).containsOnlyOnce("ReadSecret");
    }

    @Test
    void shouldNameTheMissingFieldButNoValueWhenTheSecretIsIncomplete() {
        secrets.put(
                SECRET_NAME,
                "{\"user\":\"replicator-example\",\"accesskey\":\"" + ACCESS_KEY
                        + "\",\"partition\":\"aws-us-gov\",\"accountid\":\"444455556666\"}");
        ExecutionView failed =
                run("bad-secret", request("team/badsecret", "1", digest('9'), "2026-11-22T10:00:00Z", "ev-bad"));

        assertThat(failed.status()).isEqualTo(Status.FAILED);
        assertThat(failed.error()).isEqualTo("SecretInvalid");
        assertThat(failed.cause()).contains("secretaccesskey");
        List<String> entered = sfn.statesEntered(failed.executionArn());
        assertThat(entered.get(entered.size() - 1)).isEqualTo("ReadSecret");
        assertThat(entered).containsOnlyOnce("ReadSecret");
        assertThat(everythingVisible(failed)).doesNotContain(ACCESS_KEY, "replicator-example");
        assertThat(buildsFor("team/badsecret")).isEmpty();
    }

    @Test
    void shouldRetryAThrottledStartBuildAndStartOneBuild() {
        int callsBefore = codeBuild.startBuildCalls();
        codeBuild.throttleNextStartBuilds(3);
        ExecutionView done =
                run("throttled", request("team/throttled", "1", digest('a'), "2026-11-22T10:00:00Z", "ev-throttle"));

        assertThat(done.status()).as("%s", done).isEqualTo(Status.SUCCEEDED);
        assertThat(buildsFor("team/throttled")).hasSize(1);
        assertThat(codeBuild.startBuildCalls() - callsBefore).isEqualTo(4);
        assertThat(done.outputJson().path("outcome").asText()).isEqualTo("replicated");
    }

    @Test
    void shouldTakeOverTheExpiredLeaseOfACrashedExecution() throws Exception {
        AtomicBoolean caught = new AtomicBoolean();
        int eventsBeforeRelease;
        try (LocalCodeBuild.Hold crashedBuild = codeBuild.hold(
                HoldPoint.BEFORE_COMMANDS, build -> isFor(build, "team/crash") && caught.compareAndSet(false, true))) {
            String crashed = sfn.startExecution(
                    "crashed", request("team/crash", "1", digest('b'), "2026-11-22T10:00:00Z", "ev-crash-1"));
            crashedBuild.awaitHeld(DEADLINE);
            Instant crashedAt = Instant.now();
            sfn.stop(crashed, "Crashed", "emulated crash while holding the lease");

            ExecutionView next =
                    run("after-crash", request("team/crash", "1", digest('c'), "2026-11-22T10:05:00Z", "ev-crash-2"));

            assertThat(next.status()).as("%s", next).isEqualTo(Status.SUCCEEDED);
            assertThat(next.outputJson().path("outcome").asText()).isEqualTo("replicated");
            assertThat(sfn.statesEntered(next.executionArn())).contains("WaitForLease");
            assertThat(Duration.between(crashedAt, Instant.now())).isGreaterThan(Duration.ofSeconds(LEASE_SECONDS - 2));
            assertThat(buildsFor("team/crash")).hasSize(2);
            assertThat(item("team/crash:1").get(StateTable.REPLICATED_DIGEST).s())
                    .isEqualTo(digest('c'));
            eventsBeforeRelease = buildEvents.size();
        }

        // The crashed execution's build ends late: Completion finds its task closed and ignores the event.
        awaitTrue("the late event delivered", () -> buildEvents.size() > eventsBeforeRelease);
        assertThat(item("team/crash:1").get(StateTable.REPLICATED_DIGEST).s()).isEqualTo(digest('c'));
    }
}
