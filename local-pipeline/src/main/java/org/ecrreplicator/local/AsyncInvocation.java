package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Lambda's asynchronous invocation of one function, as EventBridge uses it: the event is tried up to three
 * times (the first try and Lambda's two retries), and when every try fails, Lambda's on-failure destination
 * record (version 1.0: {@code requestContext} with {@code condition: RetriesExhausted}, the {@code
 * requestPayload}, the {@code responseContext} and the error as {@code responsePayload}) goes to the
 * destination. The pauses between tries are Lambda's minute and two minutes, shortened for local runs.
 */
final class AsyncInvocation {
    static final int ATTEMPTS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String functionArn;
    private final LocalFunction function;
    private final Duration pause;
    private final Consumer<String> onFailure;

    /** @param onFailure receives each destination record as JSON (the pipeline sends it to an SQS queue) */
    AsyncInvocation(String functionArn, LocalFunction function, Duration pause, Consumer<String> onFailure) {
        this.functionArn = functionArn;
        this.function = function;
        this.pause = pause;
        this.onFailure = onFailure;
    }

    /** @return true when a try succeeded, false when the event went to the on-failure destination */
    boolean invoke(JsonNode event) {
        Exception last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                function.invoke(event);
                return true;
            } catch (Exception e) {
                last = e;
                if (attempt < ATTEMPTS) {
                    sleep(pause.multipliedBy(attempt));
                }
            }
        }
        onFailure.accept(record(event, last));
        return false;
    }

    private String record(JsonNode event, Exception error) {
        ObjectNode record = JSON.createObjectNode();
        record.put("version", "1.0");
        record.put("timestamp", Instant.now().toString());
        ObjectNode request = record.putObject("requestContext");
        request.put("requestId", UUID.randomUUID().toString());
        request.put("functionArn", functionArn);
        request.put("condition", "RetriesExhausted");
        request.put("approximateInvokeCount", ATTEMPTS);
        record.set("requestPayload", event);
        ObjectNode response = record.putObject("responseContext");
        response.put("statusCode", 200);
        response.put("executedVersion", "$LATEST");
        response.put("functionError", "Unhandled");
        ObjectNode payload = record.putObject("responsePayload");
        payload.put("errorMessage", String.valueOf(error.getMessage()));
        payload.put("errorType", error.getClass().getName());
        payload.putArray("stackTrace");
        try {
            return JSON.writeValueAsString(record);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
