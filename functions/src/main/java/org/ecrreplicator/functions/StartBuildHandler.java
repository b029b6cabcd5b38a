package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.ecrreplicator.domain.EcrRegistry;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.retry.EqualJitterBackoff;
import org.ecrreplicator.domain.state.DigestRemoval;
import org.ecrreplicator.domain.state.LeaseHeldException;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagTransitions;
import org.ecrreplicator.state.AttemptStore;
import org.ecrreplicator.state.StateUpdates;
import org.ecrreplicator.state.TagStateStore;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.codebuild.CodeBuildClient;
import software.amazon.awssdk.services.codebuild.model.EnvironmentVariable;

/**
 * Starts the replication build for the waiting task ({@code lambda:invoke.waitForTaskToken}). The lease is
 * re-taken or confirmed first, since a redrive restarts here without passing CheckState. One build per
 * attempt: the attempt is identified by its task token, whose hash is stored on the item with the build id
 * and sent as CodeBuild's idempotency token, so a retried invocation returns the build already started. The
 * build carries the attempt's id, not the token (decision 0071).
 *
 * <p>In: {@code {"request":{...},"destination":{ReadSecret output},"executionArn","taskToken","redriveCount"}}.
 * Out: {@code {"buildId":"<project>:<uuid>"}}. Before any failure is thrown, the item records status FAILED,
 * the error and its cause.
 */
public final class StartBuildHandler implements RequestStreamHandler {
    static final Set<String> THROTTLING = Set.of("AccountLimitExceededException", "ThrottlingException");
    static final int MAX_START_ATTEMPTS = 6;
    /** 1 s .. 8 s over 6 attempts, about 20 s at worst: bursts pass, longer throttling goes to the workflow. */
    static final EqualJitterBackoff BACKOFF = new EqualJitterBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8));

    /** Pauses between throttled attempts; tests pass one that does not sleep. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final FunctionsConfig config;
    private final TagStateStore store;
    private final BuildStarter starter;
    private final Clock clock;
    private final Log log;

    public StartBuildHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public StartBuildHandler(FunctionsConfig config) {
        this(
                config,
                Clients.stateStore(config.tableName()),
                Clients.attemptStore(config.tableName()),
                Clients.codeBuildForStartBuild(),
                duration -> Thread.sleep(duration.toMillis()),
                Log.stdout(),
                Clock.systemUTC());
    }

    StartBuildHandler(
            FunctionsConfig config,
            TagStateStore store,
            AttemptStore attempts,
            CodeBuildClient codeBuild,
            Sleeper sleeper,
            Consumer<String> logSink,
            Clock clock) {
        config.buildProjectName();
        config.destinationRegion();
        this.config = config;
        this.store = store;
        this.clock = clock;
        this.log = new Log("start-build", logSink, clock);
        this.starter = new BuildStarter(config, codeBuild, attempts, sleeper, clock, log);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        log.begin(context);
        JsonIo.write(output, handle(JsonIo.read(input)));
    }

    JsonNode handle(JsonNode payload) {
        ReplicationRequest request = JsonIo.request(payload);
        String executionArn = JsonIo.text(payload, "executionArn");
        String taskToken = JsonIo.text(payload, "taskToken");
        log.about("imageKey", request.imageKey(), "executionArn", executionArn);
        JsonNode destination = payload.get("destination");
        String tokenHash = Sha256.hex(taskToken);
        try {
            TagState leased = StateUpdates.apply(
                    store,
                    request.imageKey(),
                    current -> TagTransitions.leaseForBuild(
                            current.orElse(null), request, executionArn, tokenHash, clock.instant(), config.lease()));
            if (leased.buildId() != null && tokenHash.equals(leased.taskTokenHash())) {
                log.info("build already started for this attempt", "buildId", leased.buildId());
                return result(leased.buildId());
            }
            if (mayRemoveDigest(request)) {
                // Before the build can look at the source: claims on this digest stop being trusted from now
                // until the build reports back (decision 0061).
                StateUpdates.applyRemoval(
                        store,
                        request.repository(),
                        request.digest(),
                        clock.instant().plus(Duration.ofDays(config.historyTtlDays())),
                        current -> DigestRemoval.started(current, executionArn, leased.attemptStartedAt()));
            }
            String buildId;
            try {
                buildId = startBuild(request, destination, executionArn, taskToken, tokenHash);
            } catch (RuntimeException notStarted) {
                // No build runs for this attempt, so nothing is being removed: claims need not wait for it.
                abandonRemoval(request, executionArn, notStarted);
                throw notStarted;
            }
            try {
                StateUpdates.apply(
                        store,
                        request.imageKey(),
                        current -> TagTransitions.buildStarted(
                                current.orElseThrow(), executionArn, tokenHash, buildId, clock.instant()));
            } catch (IllegalStateException e) {
                // The build reports to this attempt's token regardless; the item belongs to a newer attempt.
                log.warn("build started but the item moved on", "buildId", buildId, "reason", e.getMessage());
            }
            log.info("build started", "buildId", buildId, "redriveCount", JsonIo.integer(payload, "redriveCount", 0));
            return result(buildId);
        } catch (LeaseHeldException e) {
            throw recordFailure(request, executionArn, WorkflowErrors.leaseHeld(e.getMessage()));
        } catch (RuntimeException e) {
            throw recordFailure(request, executionArn, e);
        }
    }

    private void abandonRemoval(ReplicationRequest request, String executionArn, RuntimeException error) {
        if (!mayRemoveDigest(request)) {
            return;
        }
        try {
            StateUpdates.applyRemoval(
                    store,
                    request.repository(),
                    request.digest(),
                    clock.instant().plus(Duration.ofDays(config.historyTtlDays())),
                    current -> DigestRemoval.abandoned(current, executionArn, false, clock.instant(), config.lease()));
        } catch (RuntimeException recordError) {
            error.addSuppressed(recordError);
        }
    }

    /**
     * A failure a later attempt can get past: the network, or CodeBuild's own errors (5xx). The idempotency token
     * makes a repeated StartBuild return the build an earlier attempt may have started.
     */
    static boolean isTransient(SdkException e) {
        return e instanceof SdkClientException
                || e instanceof AwsServiceException service && service.statusCode() >= 500;
    }

    /**
     * Whether the build may delete the request's digest at the destination: a request by digest, or a tag
     * delete (on a registry that cannot untag, the build deletes the digest and puts the sibling tags back).
     */
    boolean mayRemoveDigest(ReplicationRequest request) {
        return config.replicateDeletes()
                && (request.tag() == null || request.action() == org.ecrreplicator.domain.ImageAction.DELETE);
    }

    private String startBuild(
            ReplicationRequest request, JsonNode destination, String executionArn, String taskToken, String tokenHash) {
        String attemptId = starter.attemptFor(taskToken);
        return starter.start(environment(request, destination, executionArn, attemptId), tokenHash);
    }

    /** The build's environment (docs/contracts.md): plain facts as PLAINTEXT, the destination keys only as SECRETS_MANAGER. */
    List<EnvironmentVariable> environment(
            ReplicationRequest request, JsonNode destination, String executionArn, String attemptId) {
        String sourceRegistry = config.sourceRegistry() != null
                ? config.sourceRegistry()
                : EcrRegistry.of(request.sourceRegistry(), config.awsRegion()).host();
        List<EnvironmentVariable> variables = new ArrayList<>();
        BuildStarter.plain(variables, BuildVariables.REPLICATION_REQUEST, request.toJson());
        variables.addAll(BuildStarter.common(config, destination, executionArn, attemptId, sourceRegistry));
        return variables;
    }

    private RuntimeException recordFailure(ReplicationRequest request, String executionArn, RuntimeException error) {
        String name = WorkflowErrors.nameOf(error);
        String cause = Log.truncate(String.valueOf(error.getMessage()), 2000);
        try {
            StateUpdates.apply(
                    store,
                    request.imageKey(),
                    current -> TagTransitions.failed(
                            current.orElse(null), request.imageKey(), executionArn, name, cause, clock.instant()));
        } catch (RuntimeException recordError) {
            error.addSuppressed(recordError);
        }
        log.error("StartBuild failed", "error", name, "cause", cause);
        return error;
    }

    private static ObjectNode result(String buildId) {
        ObjectNode out = JsonIo.object();
        out.put("buildId", buildId);
        return out;
    }
}
