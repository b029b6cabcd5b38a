package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.EcrImageActionEvents;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.contract.Artifacts;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.engines.SystemProperties;
import org.ecrreplicator.worker.cli.InProcessReplicator;
import org.ecrreplicator.worker.cli.InProcessReplicator.Run;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code replicator redrive} in this JVM against the local pipeline, found through its stack outputs as on AWS.
 * Executions fail for real (the destination registry is down during their builds); then the destination comes
 * back, one tag converges through a later push, and the command decides what to redrive. The tests run in order
 * on the one pipeline: the dry run first, then the redrive, then the dead-letter queue.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RedriveIT {
    private static final Duration SETTLE = Duration.ofMinutes(3);
    private static final String A = "redrive/a";
    private static final String B = "redrive/b";
    private static final String CONVERGED = "redrive/converged";
    private static final String TWICE = "redrive/twice";
    private static final String DEAD_LETTER = "redrive/dead-letter";

    private static LocalPipeline pipeline;
    private static SampleImages.Target source;
    private static final Map<String, String> images = new HashMap<>();
    private static final SystemProperties properties = new SystemProperties();
    /** The failed executions, by repository (TWICE has two: older first). */
    private static final Map<String, List<LocalStepFunctions.ExecutionView>> failed = new HashMap<>();

    @BeforeAll
    static void failSomeExecutions() {
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
        // The command's CloudFormation client; the others already point at the pipeline (LocalPipeline sets them).
        properties.set(
                "aws.endpointUrlCloudFormation", pipeline.operatorEnvironment().get("AWS_ENDPOINT_URL_CLOUDFORMATION"));
        source = SampleImages.Target.anonymous(URI.create("http://" + pipeline.sourceAuthority()));
        long seed = 100;
        for (String repository : List.of(A, B, CONVERGED, TWICE, DEAD_LETTER)) {
            images.put(
                    repository,
                    SampleImages.seed(seed++)
                            .layers(1, 512)
                            .pushOciImage(source, repository, "1")
                            .digest());
        }
        Instant t0 = Instant.now();
        pipeline.ownDestination().stopProcess();
        try {
            for (String repository : List.of(A, B, CONVERGED, TWICE)) {
                deliver(repository, t0);
            }
            assertThat(pipeline.awaitQuiet(SETTLE)).isTrue();
            // A second failure of the same tag, for a later event: the first one is superseded by it.
            deliver(TWICE, t0.plusSeconds(1));
            assertThat(pipeline.awaitQuiet(SETTLE)).isTrue();
        } finally {
            pipeline.ownDestination().startProcess();
        }
        for (LocalStepFunctions.ExecutionView execution :
                pipeline.stepFunctions().executions()) {
            failed.computeIfAbsent(repositoryOf(execution), key -> new ArrayList<>())
                    .add(execution);
        }
        assertThat(failed.values().stream().flatMap(List::stream))
                .hasSize(5)
                .allSatisfy(execution -> assertThat(execution.status()).isEqualTo(LocalStepFunctions.Status.FAILED));
        // The tag converges through a later event, whose build now succeeds.
        deliver(CONVERGED, t0.plusSeconds(2));
        assertThat(pipeline.awaitQuiet(SETTLE)).isTrue();
        assertThat(destinationDigest(CONVERGED)).isEqualTo(images.get(CONVERGED));
        assertThat(destinationDigest(A)).isNull();
    }

    @AfterAll
    static void stop() {
        if (pipeline != null) {
            pipeline.close();
        }
        properties.restore();
    }

    private static ReplicationRequest deliver(String repository, Instant time) {
        String event = EcrEvents.push(repository, "1", images.get(repository), time);
        pipeline.deliverEvent(event);
        return ((EcrImageActionEvents.Accepted) EcrImageActionEvents.map(event)).request();
    }

    private static String repositoryOf(LocalStepFunctions.ExecutionView execution) {
        return ReplicationRequest.fromJson(execution.input()).repository();
    }

    private static String destinationDigest(String repository) {
        return new RegistryProbe().digest(pipeline.destinationAuthority(), repository, "1");
    }

    private static Run redrive(String... options) {
        List<String> args = new ArrayList<>(List.of("redrive", "--stack", LocalPipeline.STACK, "--json"));
        args.addAll(List.of(options));
        return InProcessReplicator.run(args.toArray(String[]::new));
    }

    /** The report's row of each execution, by ARN. */
    private static Map<String, JsonNode> rows(JsonNode report) {
        Map<String, JsonNode> rows = new HashMap<>();
        report.get("executions").forEach(row -> rows.put(row.get("executionArn").asText(), row));
        return rows;
    }

    private static String arn(String repository, int index) {
        return failed.get(repository).get(index).executionArn();
    }

    private static void assertSkips(Map<String, JsonNode> rows) {
        assertThat(rows.get(arn(CONVERGED, 0)).get("action").asText()).isEqualTo("skipped");
        assertThat(rows.get(arn(CONVERGED, 0)).get("reason").asText()).startsWith("converged since");
        assertThat(rows.get(arn(TWICE, 0)).get("action").asText()).isEqualTo("skipped");
        assertThat(rows.get(arn(TWICE, 0)).get("reason").asText())
                .startsWith("superseded by a newer execution")
                .contains(failed.get(TWICE).get(1).name());
    }

    @Test
    @Order(1)
    void shouldRedriveNothingAndSayWhatItWouldWhenDryRun() {
        Run run = redrive("--dry-run");

        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode report = Json.parse(run.out());
        assertThat(report.get("dryRun").asBoolean()).isTrue();
        Map<String, JsonNode> rows = rows(report);
        assertThat(rows).hasSize(5);
        for (String wouldRedrive : List.of(arn(A, 0), arn(B, 0), arn(TWICE, 1))) {
            assertThat(rows.get(wouldRedrive).get("action").asText()).isEqualTo("would redrive");
            assertThat(rows.get(wouldRedrive).get("status").asText()).isEqualTo("FAILED");
        }
        assertSkips(rows);
        assertThat(report.get("summary").get("wouldRedrive").asInt()).isEqualTo(3);
        assertThat(report.get("queues")).isEmpty();
        assertThat(pipeline.stepFunctions().executions())
                .allSatisfy(execution -> assertThat(execution.redriveCount()).isZero());
        assertThat(pipeline.stepFunctions().describe(arn(A, 0)).status()).isEqualTo(LocalStepFunctions.Status.FAILED);
    }

    @Test
    @Order(2)
    void shouldRedriveTheNewestFailureOfEachUnconvergedTagInBulkAndSkipTheRestWhenRun() {
        Run table = redrive("--since", "1h", "--dry-run");
        assertThat(table.exit()).isZero();

        Run run = redrive("--since", "1h");

        assertThat(run.exit()).as(run.err()).isZero();
        Map<String, JsonNode> rows = rows(Json.parse(run.out()));
        List<String> redriven = List.of(arn(A, 0), arn(B, 0), arn(TWICE, 1));
        for (String executionArn : redriven) {
            assertThat(rows.get(executionArn).get("action").asText()).isEqualTo("redriven");
        }
        assertSkips(rows);
        for (String executionArn : redriven) {
            LocalStepFunctions.ExecutionView done = pipeline.stepFunctions().awaitCompletion(executionArn, SETTLE);
            assertThat(done.status()).isEqualTo(LocalStepFunctions.Status.SUCCEEDED);
            assertThat(done.redriveCount()).isEqualTo(1);
        }
        for (String repository : List.of(A, B, TWICE)) {
            assertThat(destinationDigest(repository)).as(repository).isEqualTo(images.get(repository));
        }
        assertThat(pipeline.stepFunctions().describe(arn(TWICE, 0)).redriveCount())
                .isZero();
        assertThat(pipeline.stepFunctions().describe(arn(CONVERGED, 0)).redriveCount())
                .isZero();

        // Run again: every tag has converged since, so nothing is left to redrive.
        Run again = redrive("--since", "1h");
        assertThat(again.exit()).isZero();
        assertThat(Json.parse(again.out()).get("summary").get("redriven").asInt())
                .isZero();
    }

    @Test
    @Order(3)
    void shouldSkipAnOlderFailureAsConvergedOnceTheNewerOneSucceededWhenRunAgain() {
        Run run = InProcessReplicator.run("redrive", "--stack", LocalPipeline.STACK, "--dry-run", "--dlq");

        assertThat(run.exit()).as(run.err()).isZero();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.get(0)).startsWith("execution").contains("tag", "status", "stopped", "action", "reason");
        // The newer failure of the tag was redriven and succeeded: the older one is the tag's newest failure now.
        assertThat(lines)
                .filteredOn(line -> line.startsWith(failed.get(TWICE).get(0).name()))
                .singleElement()
                .satisfies(line -> assertThat(line).contains("redrive/twice:1", "skipped", "converged since"));
        assertThat(run.out())
                .contains("0 would be redriven, 2 skipped, 0 failed")
                .contains(StackOutputs.DEAD_LETTER_QUEUE_URL, StackOutputs.INVOCATION_FAILURE_QUEUE_URL);
    }

    @Test
    @Order(4)
    void shouldStartMovingTheDeadLetterQueueBackWhenDlqAndOnlyReportItsDepthWhenDryRun() {
        ReplicationRequest request = ((EcrImageActionEvents.Accepted) EcrImageActionEvents.map(
                        EcrEvents.push(DEAD_LETTER, "1", images.get(DEAD_LETTER), Instant.now())))
                .request();
        // What Dispatch could not hand to the workflow ends here after the queue's receives.
        try (SqsClient sqs = SqsClient.create()) {
            sqs.sendMessage(message -> message.queueUrl(pipeline.deadLetterQueueUrl())
                    .messageBody(request.toJson())
                    .messageGroupId(request.messageGroupId())
                    .messageDeduplicationId(request.eventId()));
        }
        assertThat(pipeline.deadLetterQueueDepth()).isEqualTo(1);

        Run dryRun = redrive("--dlq", "--dry-run");

        assertThat(dryRun.exit()).as(dryRun.err()).isZero();
        JsonNode queues = Json.parse(dryRun.out()).get("queues");
        assertThat(queues).hasSize(3);
        assertThat(queues.get(0).get("output").asText()).isEqualTo(StackOutputs.DEAD_LETTER_QUEUE_URL);
        assertThat(queues.get(0).get("depth").asInt()).isEqualTo(1);
        assertThat(queues.get(0).get("action").asText()).isEqualTo("would move");
        assertThat(queues.get(2).get("output").asText()).isEqualTo(StackOutputs.INVOCATION_FAILURE_QUEUE_URL);
        assertThat(queues.get(2).get("depth").asInt()).isZero();
        assertThat(queues.get(2).get("action").asText()).isEqualTo("not moved");
        assertThat(pipeline.deadLetterQueueDepth()).isEqualTo(1);

        Run run = redrive("--dlq");

        // The move task starts. ElasticMQ 1.6.14 accepts StartMessageMoveTask on a FIFO dead-letter queue but
        // completes it with nothing moved (ListMessageMoveTasks: COMPLETED, 0 moved), so that the message then
        // reaches the workflow is not checked here; SQS moves FIFO messages since 2023.
        assertThat(run.exit()).as(run.err() + run.out()).isZero();
        JsonNode moved = Json.parse(run.out()).get("queues").get(0);
        assertThat(moved.get("action").asText()).as(moved.toString()).isEqualTo("move started");
        assertThat(moved.get("detail").asText()).contains("handle ", "list-message-move-tasks");
    }
}
