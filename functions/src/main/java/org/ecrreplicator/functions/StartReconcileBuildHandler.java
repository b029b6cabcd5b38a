package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.EcrRegistry;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.state.AttemptStore;
import software.amazon.awssdk.services.codebuild.CodeBuildClient;
import software.amazon.awssdk.services.codebuild.model.EnvironmentVariable;

/**
 * Starts a reconcile build for the waiting task (decision 0068): the plan build when the payload has no {@code
 * shard}, else the build that repairs that shard. The task token's hash is CodeBuild's idempotency token, so a
 * retried invocation returns the build already started, carrying the same attempt id (decision 0071); no lease is
 * taken here (the shard build leases each tag).
 *
 * <p>In: {@code {"runId","request":{"prefix"?},"shard"?,"destination":{ReadSecret output},"executionArn",
 * "taskToken"}}. Out: {@code {"buildId"}}.
 */
public final class StartReconcileBuildHandler implements RequestStreamHandler {
    /** Repository-name characters: a prefix is a path a repository name can start with. */
    private static final Pattern PREFIX = Pattern.compile("[a-z0-9._/-]*");

    private final FunctionsConfig config;
    private final BuildStarter starter;
    private final Log log;

    public StartReconcileBuildHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public StartReconcileBuildHandler(FunctionsConfig config) {
        this(
                config,
                Clients.attemptStore(config.tableName()),
                Clients.codeBuildForStartBuild(),
                duration -> Thread.sleep(duration.toMillis()),
                Log.stdout(),
                Clock.systemUTC());
    }

    StartReconcileBuildHandler(
            FunctionsConfig config,
            AttemptStore attempts,
            CodeBuildClient codeBuild,
            StartBuildHandler.Sleeper sleeper,
            Consumer<String> logSink,
            Clock clock) {
        config.tableName();
        config.destinationRegion();
        this.config = config;
        this.log = new Log("start-reconcile-build", logSink, clock);
        this.starter = new BuildStarter(config, codeBuild, attempts, sleeper, clock, log);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        log.begin(context);
        JsonIo.write(output, handle(JsonIo.read(input)));
    }

    JsonNode handle(JsonNode payload) {
        String runId = JsonIo.text(payload, "runId");
        String executionArn = JsonIo.text(payload, "executionArn");
        String taskToken = JsonIo.text(payload, "taskToken");
        JsonNode shard = payload.get("shard");
        log.about("runId", runId, "shard", shard == null ? "plan" : shard.asText());
        List<EnvironmentVariable> environment =
                environment(payload, runId, executionArn, starter.attemptFor(taskToken), shard);
        String buildId = starter.start(environment, Sha256.hex(taskToken));
        log.info("build started", "buildId", buildId);
        ObjectNode out = JsonIo.object();
        out.put("buildId", buildId);
        return out;
    }

    List<EnvironmentVariable> environment(
            JsonNode payload, String runId, String executionArn, String attemptId, JsonNode shard) {
        String sourceRegistry = config.sourceRegistry() != null
                ? config.sourceRegistry()
                : EcrRegistry.of(accountOf(executionArn), config.awsRegion()).host();
        List<EnvironmentVariable> variables =
                BuildStarter.common(config, payload.get("destination"), executionArn, attemptId, sourceRegistry);
        BuildStarter.plain(variables, BuildVariables.RECONCILE_RUN, runId);
        BuildStarter.plain(variables, BuildVariables.TABLE_NAME, config.tableName());
        BuildStarter.plain(
                variables,
                BuildVariables.LEASE_SECONDS,
                Long.toString(config.lease().toSeconds()));
        if (shard != null && !shard.isNull()) {
            if (!shard.isIntegralNumber() || !shard.canConvertToInt() || shard.asInt() < 0) {
                throw new IllegalArgumentException("payload field 'shard' is " + shard + ", not a shard number");
            }
            BuildStarter.plain(variables, BuildVariables.RECONCILE_SHARD, Integer.toString(shard.asInt()));
        } else {
            String prefix = JsonIo.optionalText(payload.path("request"), "prefix");
            if (prefix != null && !PREFIX.matcher(prefix).matches()) {
                throw new IllegalArgumentException(
                        "the reconcile input's prefix '" + prefix + "' is not a repository"
                                + " path: use lowercase letters, digits, '.', '_', '-' and '/', e.g. {\"prefix\": \"team-a/\"}");
            }
            BuildStarter.plain(variables, BuildVariables.RECONCILE_PREFIX, prefix == null ? "" : prefix);
            BuildStarter.plain(variables, BuildVariables.REPOSITORY_FILTER, config.repositoryFilter());
            BuildStarter.plain(
                    variables, BuildVariables.RECONCILE_SHARD_SIZE, Integer.toString(config.reconcileShardSize()));
        }
        return variables;
    }

    /** The account in an execution ARN ({@code arn:<partition>:states:<region>:<account>:execution:...}). */
    static String accountOf(String executionArn) {
        String[] parts = executionArn.split(":");
        if (parts.length < 5 || !parts[4].matches("\\d{12}")) {
            throw new IllegalArgumentException("executionArn '" + executionArn + "' names no account: pass"
                    + " $$.Execution.Id from the state machine");
        }
        return parts[4];
    }
}
