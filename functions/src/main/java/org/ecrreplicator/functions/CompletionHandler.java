package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.state.Outcome;
import org.ecrreplicator.domain.state.TagTransitions;
import software.amazon.awssdk.services.codebuild.CodeBuildClient;
import software.amazon.awssdk.services.codebuild.model.Build;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.InvalidTokenException;
import software.amazon.awssdk.services.sfn.model.SfnException;
import software.amazon.awssdk.services.sfn.model.TaskDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.TaskTimedOutException;

/**
 * Reports a finished build to the execution waiting on it ("CodeBuild Build State Change" from EventBridge,
 * our project only). SUCCEEDED sends the build's exported results with SendTaskSuccess; FAILED, FAULT,
 * TIMED_OUT and STOPPED record FAILED on the item, then SendTaskFailure with error {@code BuildFailed}. A late
 * or duplicate event for a closed task is ignored without error.
 *
 * <p>In: the EventBridge event. Out: {@code {"status":"TASK_SUCCEEDED|TASK_FAILED|IGNORED","buildId","reason"}}.
 * Task result: {@code {"buildId","outcome","digest","bytesCopied","blobsCopied","blobsSkipped"}}.
 */
public final class CompletionHandler implements RequestStreamHandler {
    private static final int MAX_CAUSE = 32_768;

    private final String projectName;
    private final TagStateStore store;
    private final SfnClient sfn;
    private final CodeBuildClient codeBuild;
    private final Clock clock;
    private final Log log;

    public CompletionHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public CompletionHandler(FunctionsConfig config) {
        this(
                config,
                DynamoTagStateStore.forTable(config.tableName()),
                Clients.sfn(),
                Clients.codeBuild(),
                Log.stdout(),
                Clock.systemUTC());
    }

    CompletionHandler(
            FunctionsConfig config,
            TagStateStore store,
            SfnClient sfn,
            CodeBuildClient codeBuild,
            Consumer<String> logSink,
            Clock clock) {
        this.projectName = config.buildProjectName();
        this.store = store;
        this.sfn = sfn;
        this.codeBuild = codeBuild;
        this.clock = clock;
        this.log = new Log("completion", logSink, clock);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        JsonIo.write(output, handle(JsonIo.read(input)));
    }

    JsonNode handle(JsonNode event) {
        BuildStateChange change = BuildStateChange.parse(event);
        if (change == null) {
            return ignored(null, "not a CodeBuild Build State Change event");
        }
        if (!projectName.equals(change.projectName())) {
            return ignored(change.buildId(), "build of project " + change.projectName() + ", not " + projectName);
        }
        if (!change.succeeded() && !change.failed()) {
            return ignored(change.buildId(), "build status " + change.buildStatus() + " is not final");
        }
        Map<String, String> environment = change.environment();
        Map<String, String> exported = change.exported();
        Build build = null;
        if (!environment.containsKey("TASK_TOKEN") || (change.succeeded() && exported == null)) {
            build = batchGetBuild(change.buildId());
            environment = new LinkedHashMap<>();
            for (var variable : build.environment().environmentVariables()) {
                environment.put(variable.name(), variable.value());
            }
            exported = new LinkedHashMap<>();
            for (var variable : build.exportedEnvironmentVariables()) {
                exported.put(variable.name(), variable.value());
            }
        }
        String taskToken = environment.get("TASK_TOKEN");
        if (taskToken == null || taskToken.isBlank()) {
            return ignored(change.buildId(), "the build has no TASK_TOKEN: it was not started by the workflow");
        }
        if (change.succeeded()) {
            ObjectNode result;
            try {
                result = taskResult(change.buildId(), exported);
            } catch (IllegalArgumentException e) {
                return fail(change, environment, taskToken, e.getMessage());
            }
            try {
                sfn.sendTaskSuccess(send -> send.taskToken(taskToken).output(Json.write(result)));
            } catch (TaskTimedOutException | InvalidTokenException | TaskDoesNotExistException e) {
                return closedTask(change.buildId(), e);
            }
            log.info(
                    "task succeeded",
                    "buildId",
                    change.buildId(),
                    "executionArn",
                    environment.get("EXECUTION_ARN"),
                    "outcome",
                    result.path("outcome").asText());
            ObjectNode out = status("TASK_SUCCEEDED", change.buildId(), "build " + change.buildStatus());
            out.set("result", result);
            return out;
        }
        String cause = "build " + change.buildId() + " " + change.buildStatus() + " in phase "
                + (change.failedPhase() == null ? "unknown" : change.failedPhase()) + "; log: "
                + (change.logLocation() == null ? "unknown" : change.logLocation());
        return fail(change, environment, taskToken, cause);
    }

    /** The contract's task result from the worker's exported variables. */
    static ObjectNode taskResult(String buildId, Map<String, String> exported) {
        if (exported == null
                || exported.get("OUTCOME") == null
                || exported.get("OUTCOME").isBlank()) {
            throw new IllegalArgumentException("build " + buildId + " succeeded but exported no OUTCOME: check that"
                    + " buildspec.yml exports OUTCOME, REPLICATED_DIGEST, BYTES_COPIED, BLOBS_COPIED, BLOBS_SKIPPED");
        }
        Outcome outcome = Outcome.parse(exported.get("OUTCOME"));
        String digest = exported.get("REPLICATED_DIGEST");
        if (digest != null && !digest.isBlank()) {
            Digest.parse(digest);
        } else {
            digest = null;
        }
        if (outcome == Outcome.REPLICATED && digest == null) {
            throw new IllegalArgumentException(
                    "build " + buildId + " reports REPLICATED but exported no REPLICATED_DIGEST");
        }
        ObjectNode result = JsonIo.object();
        result.put("buildId", buildId);
        result.put("outcome", outcome.name());
        if (digest == null) {
            result.putNull("digest");
        } else {
            result.put("digest", digest);
        }
        result.put("bytesCopied", count(exported, "BYTES_COPIED"));
        result.put("blobsCopied", count(exported, "BLOBS_COPIED"));
        result.put("blobsSkipped", count(exported, "BLOBS_SKIPPED"));
        return result;
    }

    private static long count(Map<String, String> exported, String name) {
        String value = exported.get(name);
        if (value == null || value.isBlank()) {
            return 0;
        }
        try {
            long number = Long.parseLong(value.trim());
            if (number >= 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("exported variable " + name + " is '" + value + "', not a count");
    }

    private JsonNode fail(BuildStateChange change, Map<String, String> environment, String taskToken, String cause) {
        recordFailure(environment, taskToken, cause);
        try {
            sfn.sendTaskFailure(send -> send.taskToken(taskToken)
                    .error(WorkflowErrors.BUILD_FAILED)
                    .cause(Log.truncate(cause, MAX_CAUSE - 64)));
        } catch (TaskTimedOutException | InvalidTokenException | TaskDoesNotExistException e) {
            return closedTask(change.buildId(), e);
        }
        log.warn(
                "task failed",
                "buildId",
                change.buildId(),
                "executionArn",
                environment.get("EXECUTION_ARN"),
                "cause",
                cause);
        return status("TASK_FAILED", change.buildId(), cause);
    }

    /** Only while the item still belongs to this attempt: a late event must not fail a newer attempt. */
    private void recordFailure(Map<String, String> environment, String taskToken, String cause) {
        String requestJson = environment.get("REPLICATION_REQUEST");
        String executionArn = environment.get("EXECUTION_ARN");
        if (requestJson == null || executionArn == null) {
            return;
        }
        ReplicationRequest request = ReplicationRequest.fromJson(requestJson);
        String tokenHash = Sha256.hex(taskToken);
        StateUpdates.apply(store, request.imageKey(), current -> {
            if (current.isEmpty() || !tokenHash.equals(current.get().taskTokenHash())) {
                return null;
            }
            return TagTransitions.failed(
                    current.get(),
                    request.imageKey(),
                    executionArn,
                    WorkflowErrors.BUILD_FAILED,
                    Log.truncate(cause, 2000),
                    clock.instant());
        });
    }

    private Build batchGetBuild(String buildId) {
        var builds = codeBuild.batchGetBuilds(get -> get.ids(buildId)).builds();
        if (builds.isEmpty()) {
            throw new IllegalStateException("CodeBuild does not know build " + buildId);
        }
        return builds.get(0);
    }

    private JsonNode closedTask(String buildId, SfnException e) {
        String code = e.awsErrorDetails() == null
                ? e.getClass().getSimpleName()
                : e.awsErrorDetails().errorCode();
        return ignored(buildId, "the task is already closed (" + code + ")");
    }

    private JsonNode ignored(String buildId, String reason) {
        log.info("event ignored", "buildId", buildId, "reason", reason);
        return status("IGNORED", buildId, reason);
    }

    private static ObjectNode status(String status, String buildId, String reason) {
        ObjectNode out = JsonIo.object();
        out.put("status", status);
        out.put("buildId", buildId);
        out.put("reason", reason);
        return out;
    }
}
