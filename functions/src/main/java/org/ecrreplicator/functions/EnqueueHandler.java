package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.function.Consumer;
import org.ecrreplicator.domain.EcrImageActionEvents;
import org.ecrreplicator.domain.EcrImageActionEvents.Accepted;
import org.ecrreplicator.domain.EcrImageActionEvents.Rejected;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.Sha256;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * EventBridge target for "ECR Image Action" events: validates and normalises each into a replication
 * request and sends it to the FIFO queue (group = image key, deduplication id = event id). A rejected event
 * is logged once, with an embedded-metric-format count, and the invocation succeeds: EventBridge would
 * otherwise retry an event that can never become valid.
 *
 * <p>In: the EventBridge event. Out: {@code {"status":"ENQUEUED","imageKey","messageGroupId","messageId"}} or
 * {@code {"status":"REJECTED","reason","detail"}}.
 */
public final class EnqueueHandler implements RequestStreamHandler {
    static final String METRIC_NAMESPACE = "EcrReplicator";
    static final String REJECTED_METRIC = "RejectedEvents";

    private final String queueUrl;
    private final SqsClient sqs;
    private final Log log;
    private final Clock clock;

    public EnqueueHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public EnqueueHandler(FunctionsConfig config) {
        this(config, Clients.sqs(), Log.stdout(), Clock.systemUTC());
    }

    EnqueueHandler(FunctionsConfig config, SqsClient sqs, Consumer<String> logSink, Clock clock) {
        this.queueUrl = config.queueUrl();
        this.sqs = sqs;
        this.clock = clock;
        this.log = new Log("enqueue", logSink, clock);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
        log.begin(context);
        String event = new String(input.readAllBytes(), StandardCharsets.UTF_8);
        JsonIo.write(output, handle(event));
    }

    JsonNode handle(String event) {
        ObjectNode result = JsonIo.object();
        switch (EcrImageActionEvents.map(event)) {
            case Accepted accepted -> {
                ReplicationRequest request = accepted.request();
                String groupId = request.messageGroupId();
                String messageId = sqs.sendMessage(message -> message.queueUrl(queueUrl)
                                .messageBody(request.toJson())
                                .messageGroupId(groupId)
                                .messageDeduplicationId(deduplicationId(request.eventId())))
                        .messageId();
                log.info(
                        "event enqueued",
                        "eventId",
                        request.eventId(),
                        "imageKey",
                        request.imageKey(),
                        "action",
                        request.action(),
                        "messageId",
                        messageId);
                result.put("status", "ENQUEUED");
                result.put("imageKey", request.imageKey());
                result.put("messageGroupId", groupId);
                result.put("messageId", messageId);
            }
            case Rejected rejected -> {
                logRejection(rejected);
                result.put("status", "REJECTED");
                result.put("reason", rejected.reason().name());
                result.put("detail", rejected.detail());
            }
        }
        return result;
    }

    /**
     * One line that is both the log record and, in CloudWatch embedded metric format, a count of rejected
     * events by reason: no PutMetricData call, no extra latency or permission.
     */
    private void logRejection(Rejected rejected) {
        ObjectNode line = log.line("WARN", "event rejected: it will not be replicated");
        line.put("reason", rejected.reason().name());
        line.put("detail", Log.truncate(rejected.detail(), 500));
        line.put("eventId", rejected.eventId());
        line.put(REJECTED_METRIC, 1);
        ObjectNode aws = line.putObject("_aws");
        aws.put("Timestamp", clock.millis());
        ObjectNode metrics = aws.putArray("CloudWatchMetrics").addObject();
        metrics.put("Namespace", METRIC_NAMESPACE);
        metrics.putArray("Dimensions").addArray().add("function").add("reason");
        metrics.putArray("Metrics").addObject().put("Name", REJECTED_METRIC).put("Unit", "Count");
        log.write(line);
    }

    /**
     * SQS accepts 1-128 characters of alphanumerics and punctuation; event ids are UUIDs, but anything else
     * is mapped onto that set deterministically (replaced characters plus a hash, so ids never merge).
     */
    static String deduplicationId(String eventId) {
        boolean valid =
                !eventId.isEmpty() && eventId.length() <= 128 && eventId.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
        if (valid) {
            return eventId;
        }
        StringBuilder cleaned = new StringBuilder();
        eventId.chars().forEach(c -> cleaned.append(c >= 0x21 && c <= 0x7e ? (char) c : '_'));
        String hash = Sha256.hex(eventId);
        String prefix = cleaned.length() > 63 ? cleaned.substring(0, 63) : cleaned.toString();
        return prefix + "-" + hash;
    }
}
