package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.contract.Artifacts;
import org.ecrreplicator.domain.state.Lease;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagStatus;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.engines.SystemProperties;
import org.ecrreplicator.state.DynamoReconcileStore;
import org.ecrreplicator.state.DynamoTagStateStore;
import org.ecrreplicator.state.StateUpdates;
import org.ecrreplicator.worker.cli.InProcessReplicator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The reconcile workflow end to end (decision 0068): the real {@code reconcile.asl.json} under the interpreter,
 * the real handlers, the CodeBuild stand-in running the real buildspec and worker jar, real registries and
 * DynamoDB Local. The tests run in order on one pipeline: a drifted destination converges, a tag an event
 * execution holds is deferred, an event racing a reconcile converges with one copy, and a shard that mounts a
 * base layer an earlier run copied counts it as bytes mounted, not copied.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReconcileIT {
    private static final Duration SETTLE = Duration.ofMinutes(4);

    private static LocalPipeline pipeline;
    private static SampleImages.Target source;
    private static SampleImages.Target destination;
    private static DynamoDbClient dynamo;
    private static final String CLOUDFORMATION_ENDPOINT = "aws.endpointUrlCloudFormation";
    private static final SystemProperties properties = new SystemProperties();
    /** Source digests by repository:tag. */
    private static final Map<String, String> images = new LinkedHashMap<>();

    @BeforeAll
    static void start() {
        Path repoRoot = RepoRoot.find();
        pipeline = LocalPipeline.start(new LocalPipeline.Settings(
                null,
                null,
                repoRoot,
                repoRoot.resolve(Artifacts.WORKER_JAR),
                4,
                Duration.ofSeconds(1),
                Duration.ofMillis(100),
                line -> {}));
        // backfill's CloudFormation client; its other clients already point at the pipeline (LocalPipeline sets them).
        properties.set(CLOUDFORMATION_ENDPOINT, pipeline.operatorEnvironment().get("AWS_ENDPOINT_URL_CLOUDFORMATION"));
        source = SampleImages.Target.anonymous(URI.create("http://" + pipeline.sourceAuthority()));
        destination = SampleImages.Target.anonymous(URI.create("http://" + pipeline.destinationAuthority()));
        dynamo = DynamoDbClient.builder()
                .endpointOverride(URI.create(pipeline.operatorEnvironment().get("AWS_ENDPOINT_URL_DYNAMODB")))
                .region(Region.of(LocalPipeline.REGION))
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "not-checked")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @AfterAll
    static void stop() {
        properties.restore();
        if (dynamo != null) {
            dynamo.close();
        }
        if (pipeline != null) {
            pipeline.close();
        }
    }

    private static void push(String repository, String tag, long seed) {
        images.put(
                repository + ":" + tag,
                SampleImages.seed(seed)
                        .layers(1, 256)
                        .pushOciImage(source, repository, tag)
                        .digest());
    }

    private static String atDestination(String repository, String tag) {
        return new RegistryProbe().digest(pipeline.destinationAuthority(), repository, tag);
    }

    private static LocalStepFunctions.ExecutionView reconcile(String name, String input) {
        String arn = pipeline.reconcile().startExecution(name, input);
        return pipeline.reconcile().awaitCompletion(arn, SETTLE);
    }

    @Test
    @Order(1)
    void shouldConvergeADriftedDestinationWithOneBuildPerShardWhenReconciled() {
        push("rec/a", "1", 1);
        push("rec/a", "2", 2);
        push("rec/a", "3", 3);
        push("rec/b", "1", 4);
        push("rec/b", "2", 5);
        push("rec/c", "1", 6);
        // In sync, stale, and extra at the destination; the rest is missing.
        SampleImages.seed(1).layers(1, 256).pushOciImage(destination, "rec/a", "1");
        SampleImages.seed(99).layers(1, 256).pushOciImage(destination, "rec/a", "2");
        SampleImages.seed(98).layers(1, 256).pushOciImage(destination, "rec/b", "old");
        int buildsBefore = pipeline.codeBuild().buildsStarted();

        LocalStepFunctions.ExecutionView run = reconcile("run-1", "{}");

        assertThat(run.status()).as(run.error() + ": " + run.cause()).isEqualTo(LocalStepFunctions.Status.SUCCEEDED);
        JsonNode output = run.outputJson();
        assertThat(output.get("status").asText()).isEqualTo("IN_SYNC");
        // rec/a (3 tags) fills a shard of 4; rec/b and rec/c share the next: one plan build and two shard builds.
        assertThat(output.get("shards").asInt()).isEqualTo(2);
        assertThat(pipeline.codeBuild().buildsStarted() - buildsBefore).isEqualTo(3);
        JsonNode counts = output.get("counts");
        assertThat(counts.get("inSync").asLong()).isEqualTo(1);
        assertThat(counts.get("missing").asLong()).isEqualTo(4);
        assertThat(counts.get("stale").asLong()).isEqualTo(1);
        assertThat(counts.get("extra").asLong()).isEqualTo(1);
        assertThat(counts.get("repaired").asLong()).isEqualTo(6);
        assertThat(counts.get("deferred").asLong()).isZero();
        assertThat(counts.get("failed").asLong()).isZero();
        images.forEach((key, digest) -> {
            String[] parts = key.split(":");
            assertThat(atDestination(parts[0], parts[1])).as(key).isEqualTo(digest);
        });
        assertThat(atDestination("rec/b", "old")).isNull();
        // The repair is recorded like an event build's, and the run is the latest.
        TagState stale = new DynamoTagStateStore(dynamo, LocalPipeline.TABLE)
                .load("rec/a:2")
                .orElseThrow();
        assertThat(stale.status()).isEqualTo(TagStatus.REPLICATED);
        assertThat(stale.replicatedDigest()).isEqualTo(Digest.parse(images.get("rec/a:2")));
        assertThat(stale.lease()).isNull();
        assertThat(stale.syncedAt()).isNotNull();
        ReconcileRun latest =
                new DynamoReconcileStore(dynamo, LocalPipeline.TABLE).latest().orElseThrow();
        assertThat(latest.runId()).isEqualTo("run-1");
        assertThat(latest.status()).isEqualTo(ReconcileRun.Status.IN_SYNC);
        assertThat(latest.counts().repaired()).isEqualTo(6);
        // The shards recorded where the blobs they copied are, for later builds to mount (decision 0072).
        List<Map<String, AttributeValue>> index = dynamo.scan(scan -> scan.tableName(LocalPipeline.TABLE)
                        .filterExpression("begins_with(#k, :prefix)")
                        .expressionAttributeNames(Map.of("#k", StateTable.KEY))
                        .expressionAttributeValues(Map.of(
                                ":prefix",
                                AttributeValue.fromS(StateTable.BLOB_PREFIX + pipeline.destinationAuthority() + "#"))))
                .items();
        assertThat(index)
                .flatExtracting(item -> item.get(StateTable.BLOB_REPOSITORIES).ss())
                .contains("rec/a", "rec/b", "rec/c");
    }

    @Test
    @Order(2)
    void shouldDeferATagAnEventExecutionHoldsAndEndWithDriftLeftWhenReconciled() {
        push("rec/c", "2", 7);
        String holder = "arn:aws:states:us-east-1:123456789012:execution:replicate:holding-the-lease";
        StateUpdates.apply(new DynamoTagStateStore(dynamo, LocalPipeline.TABLE), "rec/c:2", current -> TagState.initial(
                        "rec/c:2", Instant.now())
                .next(Instant.now())
                .lease(new Lease(holder, Instant.now().plus(Duration.ofMinutes(20))))
                .status(TagStatus.BUILDING)
                .done());

        LocalStepFunctions.ExecutionView run = reconcile("run-2", "{\"prefix\": \"rec/c\"}");

        assertThat(run.status()).isEqualTo(LocalStepFunctions.Status.FAILED);
        assertThat(run.error()).isEqualTo("ReconcileIncomplete");
        ReconcileRun recorded = new DynamoReconcileStore(dynamo, LocalPipeline.TABLE)
                .loadRun("run-2")
                .orElseThrow();
        assertThat(recorded.status()).isEqualTo(ReconcileRun.Status.DRIFT_LEFT);
        assertThat(recorded.prefix()).isEqualTo("rec/c");
        assertThat(recorded.shards()).isEqualTo(1);
        assertThat(recorded.counts().deferred()).isEqualTo(1);
        assertThat(recorded.counts().missing()).isEqualTo(1);
        assertThat(recorded.counts().repaired()).isZero();
        assertThat(atDestination("rec/c", "2")).isNull();
        TagState held = new DynamoTagStateStore(dynamo, LocalPipeline.TABLE)
                .load("rec/c:2")
                .orElseThrow();
        assertThat(held.lease().owner()).isEqualTo(holder);

        // Once the lease is gone, the next run repairs it.
        StateUpdates.apply(
                new DynamoTagStateStore(dynamo, LocalPipeline.TABLE), "rec/c:2", current -> current.orElseThrow()
                        .next(Instant.now())
                        .lease(null)
                        .status(TagStatus.FAILED)
                        .done());
        LocalStepFunctions.ExecutionView again = reconcile("run-3", "{\"prefix\": \"rec/c\"}");
        assertThat(again.status()).isEqualTo(LocalStepFunctions.Status.SUCCEEDED);
        assertThat(atDestination("rec/c", "2")).isEqualTo(images.get("rec/c:2"));
    }

    @Test
    @Order(3)
    void shouldCopyATagOnceWhenAnEventRacesTheReconcile() {
        push("rec/race", "1", 8);
        String event = EcrEvents.push("rec/race", "1", images.get("rec/race:1"), Instant.now());

        String runArn = pipeline.reconcile().startExecution("run-race", "{\"prefix\": \"rec/race\"}");
        pipeline.deliverEvent(event);
        LocalStepFunctions.ExecutionView run = pipeline.reconcile().awaitCompletion(runArn, SETTLE);
        assertThat(pipeline.awaitQuiet(SETTLE)).isTrue();

        assertThat(atDestination("rec/race", "1")).isEqualTo(images.get("rec/race:1"));
        List<LocalStepFunctions.ExecutionView> events = pipeline.stepFunctions().executions().stream()
                .filter(execution -> execution.input().contains("rec/race"))
                .toList();
        assertThat(events).hasSize(1);
        LocalStepFunctions.ExecutionView eventRun = events.get(0);
        assertThat(eventRun.status()).isEqualTo(LocalStepFunctions.Status.SUCCEEDED);
        boolean eventCopied = eventRun.outputJson().path("outcome").asText().equals("replicated");
        long reconcileRepaired = run.status() == LocalStepFunctions.Status.SUCCEEDED
                ? run.outputJson().path("counts").path("repaired").asLong()
                : new DynamoReconcileStore(dynamo, LocalPipeline.TABLE)
                        .loadRun("run-race")
                        .orElseThrow()
                        .counts()
                        .repaired();
        // Whichever got the tag's lease first copied it; the other found it there, was deferred, or was skipped.
        assertThat((eventCopied ? 1 : 0) + reconcileRepaired)
                .as("event " + eventRun.outputJson() + ", reconcile " + run.outputJson())
                .isEqualTo(1);
    }

    @Test
    @Order(4)
    void shouldBringOverWhatExistedBeforeAndExitZeroWhenBackfilled() {
        push("rec/before", "1", 9);
        push("rec/before", "2", 10);

        InProcessReplicator.Run run = InProcessReplicator.run(
                "backfill", "--stack", LocalPipeline.STACK, "--prefix", "rec/before", "--poll", "PT0.2S", "--json");

        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode report = org.ecrreplicator.domain.Json.parse(run.out());
        assertThat(report.get("inSync").asBoolean()).isTrue();
        assertThat(report.get("shards").asInt()).isEqualTo(1);
        assertThat(report.get("counts").get("missing").asLong()).isEqualTo(2);
        assertThat(report.get("counts").get("repaired").asLong()).isEqualTo(2);
        assertThat(run.err()).contains("1/1 shards done, 2 tags repaired");
        assertThat(atDestination("rec/before", "1")).isEqualTo(images.get("rec/before:1"));
        assertThat(atDestination("rec/before", "2")).isEqualTo(images.get("rec/before:2"));

        InProcessReplicator.Run table = InProcessReplicator.run(
                "backfill", "--stack", LocalPipeline.STACK, "--prefix", "rec/before", "--poll", "PT0.2S");
        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.out())
                .contains("2 in sync before")
                .contains("0 repaired")
                .contains("; in sync");
    }

    @Test
    @Order(5)
    void shouldCountTheBaseLayerAShardMountedAsBytesMountedNotCopiedWhenAnEarlierRunCopiedIt() {
        // Same seed and first layer size: the same base layer; the second layer and the config differ.
        long baseSize = 256L * 1024;
        SampleImages.Image one =
                SampleImages.seed(7401).layerSizes(baseSize, 1024).pushOciImage(source, "rec/mnt/one", "1");
        SampleImages.Image two =
                SampleImages.seed(7401).layerSizes(baseSize, 2048).pushOciImage(source, "rec/mnt/two", "1");
        long sharedBytes = two.blobs().stream()
                .filter(one.blobs()::contains)
                .mapToLong(SampleImages.Blob::size)
                .sum();
        assertThat(sharedBytes).isEqualTo(baseSize);

        // One run after the other: each shard build is a fresh process, so what the first copied reaches the
        // second only through the blob index in the state table.
        LocalStepFunctions.ExecutionView first = reconcile("run-mount-1", "{\"prefix\": \"rec/mnt/one\"}");
        LocalStepFunctions.ExecutionView second = reconcile("run-mount-2", "{\"prefix\": \"rec/mnt/two\"}");

        assertThat(first.status())
                .as(first.error() + ": " + first.cause())
                .isEqualTo(LocalStepFunctions.Status.SUCCEEDED);
        assertThat(first.outputJson().get("counts").get("bytesCopied").asLong()).isEqualTo(one.blobBytes());
        assertThat(first.outputJson().get("counts").get("bytesMounted").asLong())
                .isZero();
        assertThat(second.status())
                .as(second.error() + ": " + second.cause())
                .isEqualTo(LocalStepFunctions.Status.SUCCEEDED);
        JsonNode counts = second.outputJson().get("counts");
        assertThat(counts.get("repaired").asLong()).isEqualTo(1);
        assertThat(counts.get("bytesMounted").asLong()).isEqualTo(sharedBytes);
        assertThat(counts.get("bytesCopied").asLong()).isEqualTo(two.blobBytes() - sharedBytes);
        ReconcileRun recorded = new DynamoReconcileStore(dynamo, LocalPipeline.TABLE)
                .loadRun("run-mount-2")
                .orElseThrow();
        assertThat(recorded.counts().bytesMounted()).isEqualTo(sharedBytes);
        assertThat(recorded.counts().bytesCopied()).isEqualTo(two.blobBytes() - sharedBytes);
        assertThat(atDestination("rec/mnt/two", "1")).isEqualTo(two.digest());
    }
}
