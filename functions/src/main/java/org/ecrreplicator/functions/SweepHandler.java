package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagStatus;
import org.ecrreplicator.state.AttemptStore;
import org.ecrreplicator.state.TagStateStore;
import software.amazon.awssdk.services.codebuild.CodeBuildClient;
import software.amazon.awssdk.services.codebuild.model.Build;
import software.amazon.awssdk.services.codebuild.model.ListBuildsForProjectResponse;
import software.amazon.awssdk.services.codebuild.model.SortOrderType;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * Every few minutes (an EventBridge schedule), finds the builds whose end no execution has heard of, and
 * reports them as Completion would have: the build's "Build State Change" event can be lost, or Completion can
 * fail after Lambda's retries, and the execution would otherwise wait out the task timeout for a build that
 * ended long ago.
 *
 * <p>A build is reported when it ended more than {@code SWEEP_GRACE_SECONDS} ago (60 s by default: Completion
 * has had its chance), started
 * within {@code SWEEP_LOOKBACK_SECONDS} (an older build has no waiting task), was started by the workflow
 * (its ATTEMPT_ID names a stored attempt, decision 0071) and its tag's item still belongs to that attempt
 * without a result: the item's task
 * token hash is the build's and its status is BUILDING (the result never arrived) or FAILED (Completion
 * recorded a failure; whether SendTaskFailure went through is unknown). Reporting twice is harmless.
 *
 * <p>In: the scheduled event (ignored). Out: {@code {"checked": N, "reported": [{"buildId","status","reason"}]}}.
 */
public final class SweepHandler implements RequestStreamHandler {
    private static final int PAGE = 100;

    private final String projectName;
    private final Duration lookback;
    private final Duration grace;
    private final TagStateStore store;
    private final AttemptStore attempts;
    private final CodeBuildClient codeBuild;
    private final BuildReporter reporter;
    private final Clock clock;
    private final Log log;

    public SweepHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public SweepHandler(FunctionsConfig config) {
        this(
                config,
                Clients.stateStore(config.tableName()),
                Clients.attemptStore(config.tableName()),
                Clients.sfn(),
                Clients.codeBuild(),
                Log.stdout(),
                Clock.systemUTC());
    }

    SweepHandler(
            FunctionsConfig config,
            TagStateStore store,
            AttemptStore attempts,
            SfnClient sfn,
            CodeBuildClient codeBuild,
            Consumer<String> logSink,
            Clock clock) {
        this.projectName = config.buildProjectName();
        this.lookback = config.sweepLookback();
        this.grace = config.sweepGrace();
        this.store = store;
        this.attempts = attempts;
        this.codeBuild = codeBuild;
        this.clock = clock;
        this.log = new Log("sweep", logSink, clock);
        this.reporter = new BuildReporter(
                store, attempts, sfn, codeBuild, config.lease(), Duration.ofDays(config.historyTtlDays()), clock, log);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        log.begin(context);
        JsonIo.write(output, sweep());
    }

    JsonNode sweep() {
        Instant now = clock.instant();
        Instant oldest = now.minus(lookback);
        int checked = 0;
        ObjectNode out = JsonIo.object();
        ArrayNode reported = out.putArray("reported");
        List<String> failed = new ArrayList<>();
        String nextToken = null;
        boolean older = false;
        do {
            String token = nextToken;
            ListBuildsForProjectResponse page = codeBuild.listBuildsForProject(list -> list.projectName(projectName)
                    .sortOrder(SortOrderType.DESCENDING)
                    .nextToken(token));
            List<String> ids = page.ids();
            for (int from = 0; from < ids.size(); from += PAGE) {
                List<String> chunk = ids.subList(from, Math.min(ids.size(), from + PAGE));
                List<Build> builds = new ArrayList<>(
                        codeBuild.batchGetBuilds(get -> get.ids(chunk)).builds());
                for (Build build : builds) {
                    if (build.startTime() != null && build.startTime().isBefore(oldest)) {
                        // Newest first: everything after this is older still.
                        older = true;
                        continue;
                    }
                    checked++;
                    try {
                        waitingTask(build, now).ifPresent(state -> {
                            ObjectNode result = reporter.report(BuildStateChange.of(build));
                            log.warn(
                                    "reported a build whose completion was lost",
                                    "buildId",
                                    build.id(),
                                    "imageKey",
                                    state.imageKey(),
                                    "status",
                                    result.path("status").asText());
                            reported.add(result);
                        });
                    } catch (RuntimeException e) {
                        // One build's trouble (an outage, a bad item) must not keep the others waiting.
                        failed.add(build.id());
                        log.error("could not report build", "buildId", build.id(), "error", e.toString());
                    }
                }
            }
            nextToken = page.nextToken();
        } while (nextToken != null && !older);
        out.put("checked", checked);
        log.info("sweep done", "checked", checked, "reported", reported.size(), "failed", failed.size());
        if (!failed.isEmpty()) {
            // A failed invocation counts in the function's Errors metric, which has an alarm; the next run retries.
            throw new IllegalStateException("the sweep could not report " + failed.size() + " build(s): " + failed
                    + "; the next run tries again");
        }
        return out;
    }

    /** The item of the tag whose execution still waits on {@code build}, when there is one. */
    private Optional<TagState> waitingTask(Build build, Instant now) {
        if (!Boolean.TRUE.equals(build.buildComplete())
                || build.endTime() == null
                || build.endTime().plus(grace).isAfter(now)) {
            return Optional.empty();
        }
        var environment = BuildReporter.environment(build);
        String attemptId = environment.get(BuildVariables.ATTEMPT_ID);
        String requestJson = environment.get(BuildVariables.REPLICATION_REQUEST);
        if (attemptId == null || attemptId.isBlank() || requestJson == null) {
            return Optional.empty();
        }
        Optional<String> taskToken = attempts.taskToken(attemptId.trim());
        if (taskToken.isEmpty()) {
            log.info(
                    "build ignored",
                    "buildId",
                    build.id(),
                    "reason",
                    "its ATTEMPT_ID names no attempt of the workflow (unknown or expired)");
            return Optional.empty();
        }
        ReplicationRequest request;
        try {
            request = ReplicationRequest.fromJson(requestJson);
        } catch (IllegalArgumentException e) {
            log.warn("build has an unreadable REPLICATION_REQUEST", "buildId", build.id(), "reason", e.getMessage());
            return Optional.empty();
        }
        String tokenHash = Sha256.hex(taskToken.get());
        return store.load(request.imageKey())
                .filter(state -> tokenHash.equals(state.taskTokenHash()))
                .filter(state -> state.status() == TagStatus.BUILDING || state.status() == TagStatus.FAILED);
    }
}
