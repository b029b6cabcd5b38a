package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.ecrreplicator.engines.AwsJsonEndpoint;
import org.ecrreplicator.engines.AwsJsonEndpoint.AwsError;
import org.ecrreplicator.local.LocalStepFunctions.ExecutionView;
import org.ecrreplicator.local.LocalStepFunctions.Status;

/**
 * The Step Functions API of a {@link LocalStepFunctions} on loopback: AWS JSON 1.0, target prefix {@code
 * AWSStepFunctions}, the operations of decision 0054 with the real shapes and error codes, timestamps as epoch
 * seconds. It only translates: every operation is the stand-in's Java method of the same name.
 */
final class StepFunctionsApi implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalStepFunctions stepFunctions;
    private final AwsJsonEndpoint endpoint;

    StepFunctionsApi(LocalStepFunctions stepFunctions) {
        this.stepFunctions = stepFunctions;
        this.endpoint = new AwsJsonEndpoint("AWSStepFunctions", "1.0")
                .on("StartExecution", this::startExecution)
                .on("DescribeExecution", this::describeExecution)
                .on("ListExecutions", this::listExecutions)
                .on("GetExecutionHistory", this::getExecutionHistory)
                .on("RedriveExecution", this::redriveExecution)
                .on("SendTaskSuccess", this::sendTaskSuccess)
                .on("SendTaskFailure", this::sendTaskFailure)
                .on("SendTaskHeartbeat", this::sendTaskHeartbeat)
                .on("StopExecution", this::stopExecution);
    }

    URI endpoint() {
        return endpoint.endpoint();
    }

    private JsonNode startExecution(JsonNode request) {
        LocalStepFunctions stepFunctions =
                this.stepFunctions.machine(request.path("stateMachineArn").asText());
        String name = request.hasNonNull("name")
                ? request.get("name").asText()
                : UUID.randomUUID().toString();
        String executionArn =
                stepFunctions.startExecution(name, request.path("input").asText("{}"));
        return timestamped("startDate", stepFunctions.describe(executionArn).startDate())
                .put("executionArn", executionArn);
    }

    private JsonNode describeExecution(JsonNode request) {
        LocalStepFunctions stepFunctions =
                this.stepFunctions.forExecution(request.path("executionArn").asText(null));
        ExecutionView execution =
                stepFunctions.describe(request.path("executionArn").asText(null));
        boolean running = execution.status() == Status.RUNNING;
        ObjectNode response = JSON.createObjectNode();
        response.put("executionArn", execution.executionArn());
        response.put("stateMachineArn", stepFunctions.stateMachineArn());
        response.put("name", execution.name());
        response.put("status", execution.status().name());
        response.put("startDate", LocalStepFunctions.epochSeconds(execution.startDate()));
        // A redriven execution keeps its last stopDate while it runs again; the API shows none then.
        if (execution.stopDate() != null && !running) {
            response.put("stopDate", LocalStepFunctions.epochSeconds(execution.stopDate()));
        }
        response.put("input", execution.input());
        if (execution.output() != null) {
            response.put("output", execution.output());
        }
        if (execution.error() != null) {
            response.put("error", execution.error());
            response.put("cause", execution.cause());
        }
        response.put("redriveCount", execution.redriveCount());
        if (execution.redriveDate() != null) {
            response.put("redriveDate", LocalStepFunctions.epochSeconds(execution.redriveDate()));
        }
        response.put(
                "redriveStatus", running || execution.status() == Status.SUCCEEDED ? "NOT_REDRIVABLE" : "REDRIVABLE");
        return response;
    }

    /**
     * ListExecutions of the one state machine: newest first, as Step Functions sorts them; {@code statusFilter}
     * one status; pages of {@code maxResults} (default 100, at most 1000) with an opaque {@code nextToken}.
     */
    private JsonNode listExecutions(JsonNode request) {
        LocalStepFunctions stepFunctions =
                this.stepFunctions.machine(request.path("stateMachineArn").asText(null));
        Status filter = null;
        if (request.hasNonNull("statusFilter")) {
            String value = request.get("statusFilter").asText();
            try {
                filter = Status.valueOf(value);
            } catch (IllegalArgumentException e) {
                throw new AwsError(
                        "ValidationException",
                        "Value '" + value + "' at 'statusFilter' failed to"
                                + " satisfy constraint: Member must satisfy enum value set: [RUNNING, SUCCEEDED, FAILED,"
                                + " TIMED_OUT, ABORTED, PENDING_REDRIVE]");
            }
        }
        int max = request.path("maxResults").asInt(0);
        if (max < 0 || max > 1000) {
            throw new AwsError("ValidationException", "maxResults must be between 0 and 1000");
        }
        int pageSize = max == 0 ? 100 : max;
        List<ExecutionView> matching = new ArrayList<>();
        for (ExecutionView execution : stepFunctions.executions()) {
            if (filter == null || execution.status() == filter) {
                matching.add(execution);
            }
        }
        Collections.reverse(matching);
        int from = 0;
        if (request.hasNonNull("nextToken")) {
            try {
                from = Integer.parseInt(request.get("nextToken").asText());
            } catch (NumberFormatException e) {
                throw new AwsError(
                        "InvalidToken",
                        "Invalid Token: '" + request.get("nextToken").asText() + "'");
            }
        }
        int to = Math.min(matching.size(), from + pageSize);
        ObjectNode response = JSON.createObjectNode();
        ArrayNode page = response.putArray("executions");
        for (ExecutionView execution : matching.subList(Math.min(from, matching.size()), to)) {
            ObjectNode item = page.addObject();
            item.put("executionArn", execution.executionArn());
            item.put("stateMachineArn", stepFunctions.stateMachineArn());
            item.put("name", execution.name());
            item.put("status", execution.status().name());
            item.put("startDate", LocalStepFunctions.epochSeconds(execution.startDate()));
            if (execution.stopDate() != null && execution.status() != Status.RUNNING) {
                item.put("stopDate", LocalStepFunctions.epochSeconds(execution.stopDate()));
            }
            item.put("redriveCount", execution.redriveCount());
            if (execution.redriveDate() != null) {
                item.put("redriveDate", LocalStepFunctions.epochSeconds(execution.redriveDate()));
            }
        }
        if (to < matching.size()) {
            response.put("nextToken", Integer.toString(to));
        }
        return response;
    }

    private JsonNode getExecutionHistory(JsonNode request) {
        List<JsonNode> events = new ArrayList<>(stepFunctions
                .forExecution(request.path("executionArn").asText(null))
                .history(request.path("executionArn").asText(null)));
        if (request.path("reverseOrder").asBoolean(false)) {
            Collections.reverse(events);
        }
        boolean includeData = request.path("includeExecutionData").asBoolean(true);
        int from = request.hasNonNull("nextToken")
                ? Integer.parseInt(request.get("nextToken").asText())
                : 0;
        int max = request.path("maxResults").asInt(0);
        int to = max <= 0 ? events.size() : Math.min(events.size(), from + max);
        ObjectNode response = JSON.createObjectNode();
        ArrayNode page = response.putArray("events");
        for (JsonNode event : events.subList(Math.min(from, events.size()), to)) {
            ObjectNode copy = (ObjectNode) event.deepCopy();
            if (!includeData) {
                copy.properties().forEach(field -> {
                    if (field.getValue() instanceof ObjectNode details) {
                        details.remove(List.of("input", "output"));
                    }
                });
            }
            page.add(copy);
        }
        if (to < events.size()) {
            response.put("nextToken", Integer.toString(to));
        }
        return response;
    }

    private JsonNode redriveExecution(JsonNode request) {
        String arn = request.path("executionArn").asText(null);
        LocalStepFunctions stepFunctions = this.stepFunctions.forExecution(arn);
        stepFunctions.redrive(arn);
        return timestamped("redriveDate", stepFunctions.describe(arn).redriveDate());
    }

    private JsonNode stopExecution(JsonNode request) {
        String arn = request.path("executionArn").asText(null);
        LocalStepFunctions stepFunctions = this.stepFunctions.forExecution(arn);
        stepFunctions.stop(
                arn, request.path("error").asText(null), request.path("cause").asText(null));
        return timestamped("stopDate", stepFunctions.describe(arn).stopDate());
    }

    private JsonNode sendTaskSuccess(JsonNode request) {
        stepFunctions.sendTaskSuccess(
                request.path("taskToken").asText(null), request.path("output").asText(""));
        return JSON.createObjectNode();
    }

    private JsonNode sendTaskFailure(JsonNode request) {
        stepFunctions.sendTaskFailure(
                request.path("taskToken").asText(null),
                request.path("error").asText(""),
                request.path("cause").asText(""));
        return JSON.createObjectNode();
    }

    private JsonNode sendTaskHeartbeat(JsonNode request) {
        stepFunctions.sendTaskHeartbeat(request.path("taskToken").asText(null));
        return JSON.createObjectNode();
    }

    /** A response with one timestamp, in the API's epoch seconds. */
    private static ObjectNode timestamped(String field, Instant at) {
        ObjectNode response = JSON.createObjectNode();
        response.put(field, LocalStepFunctions.epochSeconds(at));
        return response;
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
