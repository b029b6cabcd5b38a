package org.ecrreplicator.local;

import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/**
 * Lambda's SQS event source mapping for one queue and one function, with partial batch responses: batches of up
 * to 10 messages go to the handler as an {@link SQSEvent}; the messages it does not report as failed are deleted,
 * and the failed ones become visible again, so that the queue's redrive policy sees each receive.
 */
final class SqsEventSource implements AutoCloseable {
    /** After a failed receive or delete: an outage should not turn the poller into a busy loop. */
    private static final Duration RETRY_PAUSE = Duration.ofMillis(200);

    private final SqsClient sqs;
    private final String queueUrl;
    private final String queueArn;
    private final String region;
    private final String functionName;
    private final RequestHandler<SQSEvent, SQSBatchResponse> handler;
    private final Consumer<String> problems;
    private final AtomicBoolean polling = new AtomicBoolean(true);
    private final Thread poller;

    /** Starts polling; {@code problems} hears of receives or deletes that failed (an outage, say). */
    SqsEventSource(
            SqsClient sqs,
            String queueUrl,
            String queueArn,
            String region,
            String functionName,
            RequestHandler<SQSEvent, SQSBatchResponse> handler,
            Consumer<String> problems) {
        this.sqs = sqs;
        this.queueUrl = queueUrl;
        this.queueArn = queueArn;
        this.region = region;
        this.functionName = functionName;
        this.handler = handler;
        this.problems = problems;
        this.poller = new Thread(this::poll, "sqs-event-source");
        poller.setDaemon(true);
        poller.start();
    }

    private void poll() {
        while (polling.get()) {
            try {
                List<Message> messages = sqs.receiveMessage(request -> request.queueUrl(queueUrl)
                                .maxNumberOfMessages(10)
                                .waitTimeSeconds(1)
                                .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                        .messages();
                if (!messages.isEmpty()) {
                    deliver(messages);
                }
            } catch (RuntimeException e) {
                if (polling.get()) {
                    problems.accept("sqs event source: " + e.getMessage());
                    LockSupport.parkNanos(RETRY_PAUSE.toNanos());
                }
            }
        }
    }

    private void deliver(List<Message> messages) {
        SQSBatchResponse response = handler.handleRequest(event(messages), new LocalLambdaContext(functionName));
        Set<String> failed = new HashSet<>();
        if (response != null && response.getBatchItemFailures() != null) {
            response.getBatchItemFailures().forEach(failure -> failed.add(failure.getItemIdentifier()));
        }
        for (Message message : messages) {
            if (failed.contains(message.messageId())) {
                // Visible again soon, so the redrive policy moves a poison message to the DLQ quickly.
                sqs.changeMessageVisibility(request -> request.queueUrl(queueUrl)
                        .receiptHandle(message.receiptHandle())
                        .visibilityTimeout(1));
            } else {
                sqs.deleteMessage(request -> request.queueUrl(queueUrl).receiptHandle(message.receiptHandle()));
            }
        }
    }

    private SQSEvent event(List<Message> messages) {
        List<SQSEvent.SQSMessage> records = new ArrayList<>();
        for (Message message : messages) {
            SQSEvent.SQSMessage record = new SQSEvent.SQSMessage();
            record.setMessageId(message.messageId());
            record.setReceiptHandle(message.receiptHandle());
            record.setBody(message.body());
            record.setMd5OfBody(message.md5OfBody());
            record.setEventSource("aws:sqs");
            record.setEventSourceArn(queueArn);
            record.setAwsRegion(region);
            Map<String, String> attributes = new LinkedHashMap<>();
            message.attributes().forEach((name, value) -> attributes.put(name.toString(), value));
            record.setAttributes(attributes);
            records.add(record);
        }
        SQSEvent event = new SQSEvent();
        event.setRecords(records);
        return event;
    }

    /** Stops polling; a batch being handled is finished first (for at most three seconds). */
    @Override
    public void close() {
        polling.set(false);
        try {
            poller.join(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
