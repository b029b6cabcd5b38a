package org.ecrreplicator.functions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.state.Outcome;
import org.ecrreplicator.domain.state.TagTransitions;
import org.ecrreplicator.state.AttemptStore;
import org.ecrreplicator.state.StateUpdates;
import org.ecrreplicator.state.TagStateStore;
import software.amazon.awssdk.services.codebuild.CodeBuildClient;
import software.amazon.awssdk.services.codebuild.model.Build;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.InvalidTokenException;
import software.amazon.awssdk.services.sfn.model.SfnException;
import software.amazon.awssdk.services.sfn.model.TaskDoesNotExistException;
import software.amazon.awssdk.services.sfn.model.TaskTimedOutException;

/**
 * Tells the execution waiting on a finished build how it ended: SUCCEEDED sends the build's exported results
 * with SendTaskSuccess; FAILED, FAULT, TIMED_OUT and STOPPED record FAILED on the item, then SendTaskFailure with
 * error {@code BuildFailed}. Reporting the same build twice is harmless: a task that is already closed answers
 * with an error that is ignored, so Completion (on the build's event) and the sweep (which finds builds whose
 * event was lost) can both report it.
 *
 * <p>Task result: {@code {"buildId","outcome","digest","bytesCopied","blobsCopied","blobsSkipped",
 * "blobsMounted","bytesMounted","referrersCopied","referrersSkipped","removedDigest"}}. Result of a report: {@code
 * {"status":"TASK_SUCCEEDED|TASK_FAILED|IGNORED","buildId","reason"}}.
 */
final class BuildReporter {
    private static final int MAX_CAUSE = 32_768;

    private final TagStateStore store;
    private final AttemptStore attempts;
    private final SfnClient sfn;
    private final CodeBuildClient codeBuild;
    private final Duration lease;
    private final Duration historyTtl;
    private final Clock clock;
    private final Log log;

    /**
     * @param lease and {@code historyTtl}: the stack's settings (their defaults when the function is not given
     *     them), for the removal record of a failed build's digest
     */
    BuildReporter(
            TagStateStore store,
            AttemptStore attempts,
            SfnClient sfn,
            CodeBuildClient codeBuild,
            Duration lease,
            Duration historyTtl,
            Clock clock,
            Log log) {
        this.store = store;
        this.attempts = attempts;
        this.lease = lease;
        this.historyTtl = historyTtl;
        this.sfn = sfn;
        this.codeBuild = codeBuild;
        this.clock = clock;
        this.log = log;
    }

    /**
     * Reports a build that reached a final status to the task token stored under the build's {@code ATTEMPT_ID}
     * (decision 0071); a build whose id names no stored attempt is ignored and changes nothing. When the event
     * lacks the build's environment or, for a success, its exported results, they are read with BatchGetBuilds.
     */
    ObjectNode report(BuildStateChange change) {
        Map<String, String> environment = change.environment();
        Map<String, String> exported = change.exported();
        if (!environment.containsKey(BuildVariables.ATTEMPT_ID) || (change.succeeded() && exported == null)) {
            BuildStateChange fetched = BuildStateChange.of(batchGetBuild(change.buildId()));
            environment = fetched.environment();
            exported = fetched.exported();
        }
        String attemptId = environment.get(BuildVariables.ATTEMPT_ID);
        if (attemptId == null || attemptId.isBlank()) {
            return ignored(change.buildId(), "the build has no ATTEMPT_ID: it was not started by the workflow");
        }
        Optional<String> token = attempts.taskToken(attemptId.trim());
        if (token.isEmpty()) {
            // A made-up id, or one whose item expired with its task: nobody is waiting that this build may answer.
            return ignored(
                    change.buildId(), "the build's ATTEMPT_ID names no attempt of the workflow (unknown or expired)");
        }
        String taskToken = token.get();
        if (change.succeeded()) {
            ObjectNode result;
            try {
                result = environment.containsKey(BuildVariables.RECONCILE_RUN)
                        ? reconcileResult(change.buildId(), environment, exported)
                        : taskResult(change.buildId(), exported);
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
                    environment.get(BuildVariables.EXECUTION_ARN),
                    "outcome",
                    result.path("outcome").asText());
            ObjectNode out = status("TASK_SUCCEEDED", change.buildId(), "build " + change.buildStatus());
            out.set("result", result);
            return out;
        }
        return fail(change, environment, taskToken, failureCause(change, exported));
    }

    /**
     * A failed build's cause: the worker's own one-line reason when the build exported one (the buildspec's
     * post_build does), then where the build ended and its log, so the console and {@code replicator status}
     * say what went wrong without opening the log.
     */
    static String failureCause(BuildStateChange change, Map<String, String> exported) {
        String where = "build " + change.buildId() + " " + change.buildStatus() + " in phase "
                + (change.failedPhase() == null ? "unknown" : change.failedPhase()) + "; log: "
                + (change.logLocation() == null ? "unknown" : change.logLocation());
        String reason = exported == null ? null : exported.get(BuildResults.FAILURE_REASON);
        return reason == null || reason.isBlank() ? where : reason.strip() + " (" + where + ")";
    }

    /** The task result from the worker's exported variables ({@link BuildResults}). */
    static ObjectNode taskResult(String buildId, Map<String, String> exported) {
        if (exported == null
                || exported.get(BuildResults.OUTCOME) == null
                || exported.get(BuildResults.OUTCOME).isBlank()) {
            throw new IllegalArgumentException("build " + buildId + " succeeded but exported no OUTCOME: check that"
                    + " buildspec.yml exports " + String.join(", ", BuildResults.EXPORTED));
        }
        Outcome outcome = Outcome.parse(exported.get(BuildResults.OUTCOME));
        String digest = digest(exported, BuildResults.REPLICATED_DIGEST);
        if (outcome.holdsSourceImage() && digest == null) {
            throw new IllegalArgumentException(
                    "build " + buildId + " reports " + outcome + " but exported no REPLICATED_DIGEST");
        }
        ObjectNode result = JsonIo.object();
        result.put("buildId", buildId);
        result.put("outcome", outcome.name());
        putDigest(result, "digest", digest);
        result.put("bytesCopied", count(exported, BuildResults.BYTES_COPIED));
        result.put("blobsCopied", count(exported, BuildResults.BLOBS_COPIED));
        result.put("blobsSkipped", count(exported, BuildResults.BLOBS_SKIPPED));
        result.put("blobsMounted", count(exported, BuildResults.BLOBS_MOUNTED));
        result.put("bytesMounted", count(exported, BuildResults.BYTES_MOUNTED));
        result.put("referrersCopied", count(exported, BuildResults.REFERRERS_COPIED));
        result.put("referrersSkipped", count(exported, BuildResults.REFERRERS_SKIPPED));
        putDigest(result, "removedDigest", digest(exported, BuildResults.REMOVED_DIGEST));
        return result;
    }

    /**
     * A reconcile build's task result (decision 0068): the plan's {@code {"buildId","shards":[0..n-1]}}, or a
     * shard's {@code {"buildId","shard","counts":{...}}}.
     */
    static ObjectNode reconcileResult(String buildId, Map<String, String> environment, Map<String, String> exported) {
        ObjectNode result = JsonIo.object();
        result.put("buildId", buildId);
        String shard = environment.get(BuildVariables.RECONCILE_SHARD);
        if (shard == null || shard.isBlank()) {
            long shards = count(exported == null ? Map.of() : exported, BuildResults.RECONCILE_SHARDS);
            if (exported == null
                    || exported.getOrDefault(BuildResults.RECONCILE_SHARDS, "").isBlank()) {
                throw new IllegalArgumentException("reconcile plan build " + buildId + " succeeded but exported no "
                        + BuildResults.RECONCILE_SHARDS + ": check that buildspec.yml exports it");
            }
            var numbers = result.putArray("shards");
            for (int i = 0; i < shards; i++) {
                numbers.add(i);
            }
            return result;
        }
        String text = exported == null ? null : exported.get(BuildResults.RECONCILE_COUNTS);
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("reconcile shard build " + buildId + " succeeded but exported no "
                    + BuildResults.RECONCILE_COUNTS + ": check that buildspec.yml exports it");
        }
        result.put("shard", Integer.parseInt(shard.trim()));
        ObjectNode counts = result.putObject("counts");
        for (String pair : text.split(",")) {
            int equals = pair.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("exported variable " + BuildResults.RECONCILE_COUNTS + " is '" + text
                        + "', not name=count pairs");
            }
            String name = pair.substring(0, equals).trim();
            counts.put(name, count(Map.of(name, pair.substring(equals + 1)), name));
        }
        return result;
    }

    private static String digest(Map<String, String> exported, String name) {
        String value = exported.get(name);
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Digest.parse(value.trim()).toString();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("exported variable " + name + " is '" + value + "', not a digest");
        }
    }

    private static void putDigest(ObjectNode node, String field, String digest) {
        if (digest == null) {
            node.putNull(field);
        } else {
            node.put(field, digest);
        }
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

    private ObjectNode fail(BuildStateChange change, Map<String, String> environment, String taskToken, String cause) {
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
                environment.get(BuildVariables.EXECUTION_ARN),
                "cause",
                cause);
        return status("TASK_FAILED", change.buildId(), cause);
    }

    /** Only while the item still belongs to this attempt: a late event must not fail a newer attempt. */
    private void recordFailure(Map<String, String> environment, String taskToken, String cause) {
        String requestJson = environment.get(BuildVariables.REPLICATION_REQUEST);
        String executionArn = environment.get(BuildVariables.EXECUTION_ARN);
        if (requestJson == null || executionArn == null) {
            return;
        }
        ReplicationRequest request = ReplicationRequest.fromJson(requestJson);
        // The failed build may have deleted the digest before it failed: its removal counts as done.
        StateUpdates.applyRemoval(
                store,
                request.repository(),
                request.digest(),
                clock.instant().plus(historyTtl),
                current -> org.ecrreplicator.domain.state.DigestRemoval.abandoned(
                        current, executionArn, true, clock.instant(), lease));
        String tokenHash = Sha256.hex(taskToken);
        StateUpdates.apply(store, request.imageKey(), current -> {
            if (current.isEmpty() || !tokenHash.equals(current.get().taskTokenHash())) {
                return null;
            }
            if (current.get().status() == org.ecrreplicator.domain.state.TagStatus.FAILED
                    && executionArn.equals(current.get().failedExecution())
                    && WorkflowErrors.BUILD_FAILED.equals(current.get().error())) {
                // Reported before (Completion, then the sweep): the record stands.
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

    private ObjectNode closedTask(String buildId, SfnException e) {
        String code = e.awsErrorDetails() == null
                ? e.getClass().getSimpleName()
                : e.awsErrorDetails().errorCode();
        return ignored(buildId, "the task is already closed (" + code + ")");
    }

    ObjectNode ignored(String buildId, String reason) {
        log.info("event ignored", "buildId", buildId, "reason", reason);
        return status("IGNORED", buildId, reason);
    }

    static ObjectNode status(String status, String buildId, String reason) {
        ObjectNode out = JsonIo.object();
        out.put("status", status);
        out.put("buildId", buildId);
        out.put("reason", reason);
        return out;
    }

    /** The environment of a build as BatchGetBuilds reports it, by name. */
    static Map<String, String> environment(Build build) {
        Map<String, String> environment = new LinkedHashMap<>();
        if (build.environment() != null) {
            build.environment()
                    .environmentVariables()
                    .forEach(variable -> environment.put(variable.name(), variable.value()));
        }
        return environment;
    }
}
