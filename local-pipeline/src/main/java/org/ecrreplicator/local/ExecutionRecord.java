package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.ecrreplicator.engines.AwsJsonEndpoint.AwsError;
import org.ecrreplicator.local.LocalStepFunctions.ExecutionView;
import org.ecrreplicator.local.LocalStepFunctions.Status;

/**
 * One execution as Step Functions keeps it: its status and result, its redrives, and its history events in
 * GetExecutionHistory's shape. The history survives redrives (decision 0051): a redrive continues it.
 */
final class ExecutionRecord {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Where a redrive starts: the state that failed, with the input it had (decision 0051). */
    record RedriveStart(String state, JsonNode input, int redriveCount) {}

    private final String arn;
    private final String name;
    private final String input;
    private final long sequence;
    private final Instant startDate = Instant.now();
    private final List<ObjectNode> history = new ArrayList<>();
    private Status status = Status.RUNNING;
    private String output;
    private String error;
    private String cause;
    private Instant stopDate;
    private Instant redriveDate;
    private int redriveCount;
    private String lastEnteredState;
    private JsonNode lastEnteredInput;

    /** @param input canonical JSON text */
    ExecutionRecord(String arn, String name, String input, long sequence) {
        this.arn = arn;
        this.name = name;
        this.input = input;
        this.sequence = sequence;
    }

    String arn() {
        return arn;
    }

    String name() {
        return name;
    }

    long sequence() {
        return sequence;
    }

    JsonNode inputJson() {
        try {
            return JSON.readTree(input);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    synchronized boolean isRunning() {
        return status == Status.RUNNING;
    }

    /** StartExecution with this name is idempotent while the execution runs with the same input. */
    synchronized boolean isRunningWith(String canonicalInput) {
        return status == Status.RUNNING && input.equals(canonicalInput);
    }

    synchronized ExecutionView view() {
        return new ExecutionView(
                arn, name, status, input, output, error, cause, redriveCount, startDate, stopDate, redriveDate);
    }

    /** The history events, oldest first. */
    synchronized List<JsonNode> history() {
        return history.stream().map(event -> (JsonNode) event.deepCopy()).toList();
    }

    synchronized void addEvent(String type, String detailsField, Consumer<ObjectNode> details) {
        ObjectNode event = JSON.createObjectNode();
        event.put("timestamp", LocalStepFunctions.epochSeconds(Instant.now()));
        event.put("type", type);
        event.put("id", history.size() + 1);
        event.put("previousEventId", history.size());
        details.accept(event.putObject(detailsField));
        history.add(event);
    }

    /**
     * Adds an event of the interpreter's event log to the history, as Step Functions names it.
     *
     * @param resourceOf a Task state's name to its Resource, for TaskFailed events
     */
    void record(JsonNode event, UnaryOperator<String> resourceOf) {
        JsonNode state = event.path("state");
        String stateName = state.path("name").asText();
        String stateType = state.path("type").asText();
        switch (event.path("type").asText()) {
            case "StateEntered" -> {
                synchronized (this) {
                    lastEnteredState = stateName;
                    lastEnteredInput = state.path("input");
                }
                addEvent(stateType + "StateEntered", "stateEnteredEventDetails", details -> {
                    details.put("name", stateName);
                    details.put("input", state.path("input").toString());
                });
            }
            case "StateExited" ->
                addEvent(stateType + "StateExited", "stateExitedEventDetails", details -> {
                    details.put("name", stateName);
                    details.put("output", state.path("output").toString());
                });
            case "StateFailed" ->
                addEvent(
                        "Task".equals(stateType) ? "TaskFailed" : stateType + "StateFailed",
                        "taskFailedEventDetails",
                        details -> {
                            details.put("resourceType", "lambda");
                            details.put("resource", resourceOf.apply(stateName));
                            details.put("error", event.path("Error").asText(""));
                            details.put("cause", causeText(event.path("Cause")));
                        });
            case "StateRetried" ->
                addEvent("StateRetried", "stateRetriedEventDetails", details -> {
                    details.put("name", stateName);
                    details.put("attempt", event.path("retry").path("attempt").asInt());
                });
            default -> {
                // ExecutionStarted/Succeeded/Failed are this record's own (they survive redrives).
            }
        }
    }

    private static String causeText(JsonNode cause) {
        return cause.isTextual() ? cause.asText() : cause.toString();
    }

    /**
     * Ends a running execution with {@code status}, recording ExecutionSucceeded, ExecutionFailed or
     * ExecutionAborted.
     *
     * @return false when it had already ended (the first end wins, as with a stop racing the interpreter)
     */
    synchronized boolean finish(Status status, String output, String error, String cause) {
        if (this.status != Status.RUNNING) {
            return false;
        }
        this.status = status;
        this.output = output;
        this.error = error;
        this.cause = cause;
        this.stopDate = Instant.now();
        switch (status) {
            case SUCCEEDED ->
                addEvent(
                        "ExecutionSucceeded",
                        "executionSucceededEventDetails",
                        details -> details.put("output", output));
            case ABORTED -> addEvent("ExecutionAborted", "executionAbortedEventDetails", errorAndCause(error, cause));
            default -> addEvent("ExecutionFailed", "executionFailedEventDetails", errorAndCause(error, cause));
        }
        notifyAll();
        return true;
    }

    private static Consumer<ObjectNode> errorAndCause(String error, String cause) {
        return details -> {
            details.put("error", error);
            details.put("cause", cause);
        };
    }

    /**
     * Opens the execution again for a redrive from the state that failed, recording ExecutionRedriven.
     *
     * @throws AwsError ExecutionNotRedrivable when it runs, succeeded, or never entered a state
     */
    synchronized RedriveStart redrive() {
        if (status == Status.RUNNING || status == Status.SUCCEEDED) {
            throw new AwsError(
                    "ExecutionNotRedrivable",
                    "Execution " + arn + " is " + status + "; only failed, aborted or timed-out"
                            + " executions can be redriven");
        }
        if (lastEnteredState == null) {
            throw new AwsError("ExecutionNotRedrivable", "Execution " + arn + " never entered a state");
        }
        redriveCount++;
        redriveDate = Instant.now();
        status = Status.RUNNING;
        output = null;
        error = null;
        cause = null;
        int count = redriveCount;
        addEvent("ExecutionRedriven", "executionRedrivenEventDetails", details -> details.put("redriveCount", count));
        return new RedriveStart(lastEnteredState, lastEnteredInput, redriveCount);
    }

    /** Waits until the execution is no longer RUNNING and returns it; fails after {@code timeout}. */
    synchronized ExecutionView awaitEnd(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (status == Status.RUNNING) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (left <= 0) {
                throw new IllegalStateException(
                        "execution " + arn + " still RUNNING after " + timeout + "; history: " + history);
            }
            try {
                wait(Math.min(left, 200));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
        return view();
    }
}
