package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestHandler;
import com.amazonaws.services.lambda.runtime.events.SQSBatchResponse;
import com.amazonaws.services.lambda.runtime.events.SQSEvent;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.ReplicationRequest;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.ExecutionAlreadyExistsException;

/**
 * SQS FIFO event source ({@code ReportBatchItemFailures}): one Standard execution per message, named by
 * {@link ExecutionNames} so a redelivered message finds its execution instead of starting a second one.
 *
 * <p>In: an SQS event. Out: {@code {"batchItemFailures":[{"itemIdentifier":"<messageId>"}]}}. On a FIFO queue
 * the first failure also fails every later message of the batch, so no message overtakes an earlier one of
 * its group; a body that does not bind keeps failing until SQS moves it to the dead-letter queue.
 */
public final class DispatchHandler implements RequestHandler<SQSEvent, SQSBatchResponse> {
    private static final int MAX_LOGGED_BODY = 300;

    private final String stateMachineArn;
    private final SfnClient sfn;
    private final Log log;

    public DispatchHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public DispatchHandler(FunctionsConfig config) {
        this(config, Clients.sfn(), Log.stdout(), Clock.systemUTC());
    }

    DispatchHandler(FunctionsConfig config, SfnClient sfn, Consumer<String> logSink, Clock clock) {
        this.stateMachineArn = config.stateMachineArn();
        this.sfn = sfn;
        this.log = new Log("dispatch", logSink, clock);
    }

    @Override
    public SQSBatchResponse handleRequest(SQSEvent event, Context context) {
        log.begin(context);
        List<SQSBatchResponse.BatchItemFailure> failures = new ArrayList<>();
        List<SQSEvent.SQSMessage> records = event.getRecords() == null ? List.of() : event.getRecords();
        boolean failed = false;
        for (SQSEvent.SQSMessage message : records) {
            if (failed) {
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
                continue;
            }
            if (!dispatch(message)) {
                failed = true;
                failures.add(new SQSBatchResponse.BatchItemFailure(message.getMessageId()));
            }
        }
        return new SQSBatchResponse(failures);
    }

    private boolean dispatch(SQSEvent.SQSMessage message) {
        ReplicationRequest request;
        try {
            request = ReplicationRequest.fromJson(message.getBody());
        } catch (IllegalArgumentException e) {
            log.error(
                    "message body is not a replication request; it stays on the queue until it moves to the"
                            + " dead-letter queue",
                    "messageId",
                    message.getMessageId(),
                    "receiveCount",
                    message.getAttributes() == null
                            ? null
                            : message.getAttributes().get("ApproximateReceiveCount"),
                    "reason",
                    e.getMessage(),
                    "body",
                    Log.truncate(message.getBody(), MAX_LOGGED_BODY));
            return false;
        }
        String name = ExecutionNames.of(request);
        String input = request.toJson();
        try {
            String arn = sfn.startExecution(start ->
                            start.stateMachineArn(stateMachineArn).name(name).input(input))
                    .executionArn();
            log.info("execution started", "messageId", message.getMessageId(), "executionArn", arn);
            return true;
        } catch (ExecutionAlreadyExistsException e) {
            return alreadyStarted(message, request, name);
        } catch (RuntimeException e) {
            log.error(
                    "StartExecution failed; the message will be retried",
                    "messageId",
                    message.getMessageId(),
                    "executionName",
                    name,
                    "error",
                    e.getClass().getName(),
                    "reason",
                    e.getMessage());
            return false;
        }
    }

    /** The same name with the same input is this message redelivered: its execution exists, so success. */
    private boolean alreadyStarted(SQSEvent.SQSMessage message, ReplicationRequest request, String name) {
        String executionArn = executionArn(name);
        try {
            String existing = sfn.describeExecution(describe -> describe.executionArn(executionArn))
                    .input();
            JsonNode existingInput = existing == null ? null : Json.parse(existing);
            if (request.toJsonNode().equals(existingInput)) {
                log.info(
                        "execution already exists for this message: redelivery ignored",
                        "messageId",
                        message.getMessageId(),
                        "executionArn",
                        executionArn);
                return true;
            }
            log.error(
                    "an execution with this name exists for a different input; the message will go to the"
                            + " dead-letter queue",
                    "messageId",
                    message.getMessageId(),
                    "executionArn",
                    executionArn);
            return false;
        } catch (RuntimeException e) {
            log.error(
                    "execution exists but could not be compared (states:DescribeExecution)",
                    "messageId",
                    message.getMessageId(),
                    "executionArn",
                    executionArn,
                    "error",
                    e.getClass().getName(),
                    "reason",
                    e.getMessage());
            return false;
        }
    }

    /** arn:<partition>:states:<region>:<account>:stateMachine:<name> -> ...:execution:<name>:<executionName> */
    String executionArn(String executionName) {
        return stateMachineArn.replaceFirst(":stateMachine:", ":execution:") + ":" + executionName;
    }
}
