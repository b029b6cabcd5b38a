package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.ecrreplicator.engines.ElasticMqEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Enqueue and Dispatch against ElasticMQ (a real SQS FIFO engine with a dead-letter queue), with Step
 * Functions' StartExecution/DescribeExecution as a loopback stand-in. The test plays Lambda's event source
 * mapping: receive, invoke, delete what succeeded.
 */
class QueueHandlersIT {
    private static final String STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:ecr-replicator-dev";
    private static final int MAX_RECEIVE_COUNT = 2;

    private static ElasticMqEngine sqsEngine;

    private final List<String> logs = new CopyOnWriteArrayList<>();
    private final Clock clock = Clock.systemUTC();
    private SqsClient sqs;
    private ElasticMqEngine.FifoQueue queue;
    private LocalAws.FakeStepFunctions stepFunctions;
    private EnqueueHandler enqueue;
    private DispatchHandler dispatch;

    @BeforeAll
    static void startSqs() {
        sqsEngine = ElasticMqEngine.start();
    }

    @AfterAll
    static void stopSqs() {
        sqsEngine.close();
    }

    @BeforeEach
    void setUp() {
        queue = sqsEngine.createFifoQueueWithDeadLetterQueue(
                "replication-" + System.nanoTime(), MAX_RECEIVE_COUNT, Duration.ofSeconds(1));
        sqs = LocalAws.sqs(sqsEngine.endpoint());
        stepFunctions = new LocalAws.FakeStepFunctions();
        FunctionsConfig config = FunctionsConfig.from(Map.of(
                FunctionEnvironment.QUEUE_URL, queue.url(), FunctionEnvironment.STATE_MACHINE_ARN, STATE_MACHINE));
        enqueue = new EnqueueHandler(config, sqs, logs::add, clock);
        dispatch = new DispatchHandler(config, LocalAws.sfn(stepFunctions.endpoint.endpoint()), logs::add, clock);
    }

    @AfterEach
    void tearDown() {
        stepFunctions.close();
        sqs.close();
    }

    private static String sample(String name) {
        try (InputStream in = QueueHandlersIT.class.getResourceAsStream("/events/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private JsonNode enqueue(String event) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        enqueue.handleRequest(new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), out, null);
        return Json.parse(out.toString(StandardCharsets.UTF_8));
    }

    private List<Message> receive(String url, Duration deadline) {
        Instant end = Instant.now().plus(deadline);
        List<Message> messages = new ArrayList<>();
        while (messages.isEmpty() && Instant.now().isBefore(end)) {
            messages.addAll(sqs.receiveMessage(receive -> receive.queueUrl(url)
                            .maxNumberOfMessages(10)
                            .waitTimeSeconds(1)
                            .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                    .messages());
        }
        return messages;
    }

    /** What Lambda's SQS event source does: one batch in, delete all but the reported failures. */
    private SQSBatchResponse deliver(List<Message> messages) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message message : messages) {
            SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
            record.setMessageId(message.messageId());
            record.setReceiptHandle(message.receiptHandle());
            record.setBody(message.body());
            record.setAttributes(Map.of(
                    "ApproximateReceiveCount",
                    message.attributes().getOrDefault(MessageSystemAttributeName.APPROXIMATE_RECEIVE_COUNT, "1"),
                    "MessageGroupId",
                    message.attributes().getOrDefault(MessageSystemAttributeName.MESSAGE_GROUP_ID, "")));
            record.setEventSourceArn(queue.arn());
            records.add(record);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        SQSBatchResponse response = dispatch.handleRequest(event, null);
        List<String> failed = response.getBatchItemFailures().stream()
                .map(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .toList();
        for (Message message : messages) {
            if (!failed.contains(message.messageId())) {
                sqs.deleteMessage(delete -> delete.queueUrl(queue.url()).receiptHandle(message.receiptHandle()));
            }
        }
        return response;
    }

    @Test
    void shouldEnqueueAValidEventWithTheImageKeyAsGroupAndTheEventIdForDeduplication() throws IOException {
        JsonNode result = enqueue(sample("ecr-push-tag.json"));

        assertThat(result.path("status").asText()).isEqualTo("ENQUEUED");
        List<Message> messages = receive(queue.url(), Duration.ofSeconds(10));
        assertThat(messages).hasSize(1);
        Message message = messages.getFirst();
        assertThat(message.attributes())
                .containsEntry(MessageSystemAttributeName.MESSAGE_GROUP_ID, "team/app:1.4.2")
                .containsEntry(
                        MessageSystemAttributeName.MESSAGE_DEDUPLICATION_ID, "13cde686-328b-6117-af20-0e5566167482");
        ReplicationRequest request = ReplicationRequest.fromJson(message.body());
        assertThat(request.imageKey()).isEqualTo("team/app:1.4.2");
        assertThat(request.eventId()).isEqualTo("13cde686-328b-6117-af20-0e5566167482");
    }

    @Test
    void shouldDeduplicateWhenEventBridgeDeliversTheSameEventTwice() throws IOException {
        enqueue(sample("ecr-push-tag.json"));
        enqueue(sample("ecr-push-tag.json"));

        List<Message> messages = receive(queue.url(), Duration.ofSeconds(10));
        sqs.deleteMessage(delete ->
                delete.queueUrl(queue.url()).receiptHandle(messages.getFirst().receiptHandle()));

        assertThat(messages).hasSize(1);
        assertThat(sqs.receiveMessage(receive -> receive.queueUrl(queue.url()).waitTimeSeconds(1))
                        .messages())
                .isEmpty();
    }

    @Test
    void shouldLogOneStructuredLineWithAMetricAndReturnWhenTheEventIsRejected() throws IOException {
        JsonNode result = enqueue(sample("ecr-push-tag.json").replace("\"SUCCESS\"", "\"FAILURE\""));

        assertThat(result.path("status").asText()).isEqualTo("REJECTED");
        assertThat(result.path("reason").asText()).isEqualTo("NOT_SUCCESSFUL");
        assertThat(logs).hasSize(1);
        JsonNode line = Json.parse(logs.getFirst());
        assertThat(line.path("reason").asText()).isEqualTo("NOT_SUCCESSFUL");
        assertThat(line.path("eventId").asText()).isEqualTo("13cde686-328b-6117-af20-0e5566167482");
        assertThat(line.path("RejectedEvents").asInt()).isEqualTo(1);
        JsonNode metric = line.path("_aws").path("CloudWatchMetrics").get(0);
        assertThat(metric.path("Namespace").asText()).isEqualTo("EcrReplicator");
        assertThat(metric.path("Metrics").get(0).path("Name").asText()).isEqualTo("RejectedEvents");
        assertThat(metric.path("Dimensions").get(0)).hasSize(2);
        assertThat(line.path("_aws").path("Timestamp").isIntegralNumber()).isTrue();
        assertThat(sqs.receiveMessage(receive -> receive.queueUrl(queue.url()).waitTimeSeconds(1))
                        .messages())
                .isEmpty();
    }

    @Test
    void shouldRejectMalformedJsonWithoutThrowing() throws IOException {
        JsonNode result = enqueue("{not json");

        assertThat(result.path("reason").asText()).isEqualTo("MALFORMED_JSON");
    }

    @Test
    void shouldStartOneNamedExecutionPerMessageAndTreatARedeliveryAsSuccess() throws IOException {
        enqueue(sample("ecr-push-tag.json"));
        List<Message> messages = receive(queue.url(), Duration.ofSeconds(10));

        SQSBatchResponse first = deliver(messages);
        // The same message again, as after a lost delete; by then the execution may have finished.
        stepFunctions.executions.values().forEach(execution -> execution.put("status", "SUCCEEDED"));
        SQSBatchResponse redelivered = dispatch.handleRequest(eventOf(messages.getFirst()), null);

        assertThat(first.getBatchItemFailures()).isEmpty();
        assertThat(redelivered.getBatchItemFailures()).isEmpty();
        assertThat(stepFunctions.executions).hasSize(1);
        JsonNode execution = stepFunctions.executions.values().iterator().next();
        assertThat(execution.path("name").asText()).matches("team-app_1\\.4\\.2_push_[0-9a-f]{12}");
        assertThat(Json.parse(execution.path("input").asText()))
                .isEqualTo(Json.parse(messages.getFirst().body()));
        assertThat(stepFunctions.endpoint.calls("StartExecution")).hasSize(2);
        assertThat(stepFunctions.endpoint.calls("DescribeExecution")).hasSize(1);
    }

    private SQSEvent eventOf(Message message) {
        SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
        record.setMessageId(message.messageId());
        record.setBody(message.body());
        record.setAttributes(Map.of());
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(record));
        return event;
    }

    @Test
    void shouldMoveAnUnbindableBodyToTheDeadLetterQueueAfterMaxReceives() {
        String body = "{\"repository\":\"team/app\",\"unexpected\":\"" + "x".repeat(5000) + "\"}";
        sqs.sendMessage(send -> send.queueUrl(queue.url())
                .messageBody(body)
                .messageGroupId("team/app:1.4.2")
                .messageDeduplicationId("bad-1"));

        for (int receive = 1; receive <= MAX_RECEIVE_COUNT; receive++) {
            List<Message> messages = receive(queue.url(), Duration.ofSeconds(15));
            assertThat(messages).hasSize(1);
            SQSBatchResponse response = deliver(messages);
            assertThat(response.getBatchItemFailures())
                    .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                    .containsExactly(messages.getFirst().messageId());
        }
        // SQS moves the message when a receive would exceed maxReceiveCount: the main queue then looks empty.
        assertThat(receive(queue.url(), Duration.ofSeconds(3))).isEmpty();
        List<Message> dead = receive(queue.deadLetterUrl(), Duration.ofSeconds(15));

        assertThat(dead).hasSize(1);
        assertThat(dead.getFirst().body()).isEqualTo(body);
        assertThat(stepFunctions.executions).isEmpty();
        assertThat(logs).allSatisfy(line -> assertThat(line.length()).isLessThan(1500));
        assertThat(logs).anySatisfy(line -> assertThat(line).contains("'unexpected' is not a field"));
    }

    @Test
    void shouldFailTheRestOfTheBatchAfterTheFirstFailureToKeepFifoOrder() {
        ReplicationRequest good = ReplicationRequest.fromJson(
                "{\"repository\":\"team/app\",\"tag\":\"2\",\"digest\":\"sha256:" + "a".repeat(64)
                        + "\",\"action\":\"PUSH\",\"eventTime\":\"2026-11-22T10:00:00Z\",\"eventId\":\"g1\","
                        + "\"sourceRegistry\":\"123456789012\"}");
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(record("m1", "{}"), record("m2", good.toJson())));

        SQSBatchResponse response = dispatch.handleRequest(event, null);

        assertThat(response.getBatchItemFailures())
                .extracting(SQSBatchResponse.BatchItemFailure::getItemIdentifier)
                .containsExactly("m1", "m2");
        assertThat(stepFunctions.executions).isEmpty();
    }

    @Test
    void shouldReportAFailureWhenAnExecutionOfThatNameHasADifferentInput() {
        String first = "{\"repository\":\"team/app\",\"tag\":\"2\",\"digest\":\"sha256:" + "a".repeat(64)
                + "\",\"action\":\"PUSH\",\"eventTime\":\"2026-11-22T10:00:00Z\",\"eventId\":\"g1\","
                + "\"sourceRegistry\":\"123456789012\"}";
        SQSEvent event = new SQSEvent();
        event.setRecords(List.of(record("m1", first)));
        dispatch.handleRequest(event, null);
        stepFunctions.executions.values().forEach(execution -> execution.put("status", "SUCCEEDED"));
        event.setRecords(List.of(record("m2", first.replace("10:00:00Z", "10:00:01Z"))));

        SQSBatchResponse response = dispatch.handleRequest(event, null);

        assertThat(response.getBatchItemFailures()).hasSize(1);
        assertThat(logs).anySatisfy(line -> assertThat(line).contains("different input"));
    }

    private static SQSEvent.SQSMessage record(String id, String body) {
        SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
        record.setMessageId(id);
        record.setBody(body);
        return record;
    }
}
