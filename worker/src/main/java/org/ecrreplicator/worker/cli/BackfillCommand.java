package org.ecrreplicator.worker.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.Durations;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.state.DynamoReconcileStore;
import org.ecrreplicator.worker.reconcile.Backfill;
import org.ecrreplicator.worker.status.Deployment;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sfn.SfnClient;

/** {@code replicator backfill [--prefix P] [--timeout D] [--json]} with the deployment options. */
final class BackfillCommand implements Callable<Integer> {
    private static final String PREFIX = "--prefix";
    private static final String TIMEOUT = "--timeout";
    private static final String POLL = "--poll";
    private static final String JSON = "--json";
    private static final Pattern REPOSITORY_PATH = Pattern.compile("[a-z0-9._/-]*");

    private final CommandSpec spec;

    BackfillCommand() {
        spec = CommandSpecs.command(
                this,
                "backfill",
                "Runs a reconcile now and follows it to the end.",
                "Starts the deployment's reconcile workflow (the one its schedule runs) and follows it: the plan,"
                        + " the shards as they end, the tags repaired, deferred and failed. Every tag the stack's"
                        + " filter matches is compared; missing and stale tags are copied, and extra tags removed"
                        + " where deletes replicate. The first step after deploying: it brings over what existed"
                        + " before.",
                "A tag an event execution is replicating at that moment is deferred to it; run backfill again"
                        + " (or wait for the schedule) to see it counted in sync.");
        spec.addMixin("deployment", DeploymentOptions.mixin());
        spec.addOption(CommandSpecs.option(PREFIX, "PREFIX", String.class, "Only repositories under this path.")
                .defaultValue("")
                .build());
        spec.addOption(
                CommandSpecs.option(TIMEOUT, "DURATION", String.class, "Stop following after this long (default: 6h).")
                        .defaultValue("6h")
                        .build());
        spec.addOption(OptionSpec.builder(POLL)
                .paramLabel("DURATION")
                .type(String.class)
                .defaultValue("5s")
                .hidden(true)
                .description("How often to look at the run.")
                .build());
        spec.addOption(CommandSpecs.flag(JSON, "One JSON object at the end instead of the lines."));
        CommandSpecs.exitCodes(
                spec,
                "0:the run ended with every compared tag in sync",
                "1:the run ended with drift left (failed or deferred tags, a failed shard), or failed",
                "2:usage",
                "4:the deployment could not be read, or the run was still going at --timeout");
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        String prefix = CommandSpecs.value(spec, PREFIX);
        if (!REPOSITORY_PATH.matcher(prefix).matches()) {
            throw new UsageException(PREFIX + " '" + prefix + "' is not a repository path: use lowercase letters,"
                    + " digits, '.', '_', '-' and '/', e.g. --prefix team-a/");
        }
        Duration timeout;
        Duration poll;
        try {
            timeout = Durations.parse(CommandSpecs.value(spec, TIMEOUT), TIMEOUT);
            poll = Durations.parse(CommandSpecs.value(spec, POLL), POLL);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        boolean json = CommandSpecs.flag(spec, JSON);
        DeploymentOptions.stackName(spec);
        AwsClients clients = DeploymentOptions.clients(spec);
        Deployment deployment = DeploymentOptions.locate(spec, clients);
        String stateMachine = deployment.output(StackOutputs.RECONCILE_STATE_MACHINE_ARN);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Backfill.Result result;
        try (SfnClient sfn = clients.sfn();
                DynamoDbClient dynamo = clients.dynamoDb()) {
            Backfill backfill = new Backfill(
                    sfn,
                    new DynamoReconcileStore(dynamo, deployment.tableName()),
                    Clock.systemUTC(),
                    duration -> Thread.sleep(duration.toMillis()),
                    poll);
            String executionArn = backfill.start(stateMachine, prefix);
            err.println("backfill: started " + executionArn);
            err.flush();
            result = backfill.follow(executionArn, timeout, progress -> {
                err.println(
                        progress.shards() == 0
                                ? "backfill: planning"
                                : "backfill: " + progress.shardsDone() + "/" + progress.shards() + " shards done, "
                                        + progress.soFar().repaired() + " tags repaired, "
                                        + progress.soFar().deferred()
                                        + " deferred, " + progress.soFar().failed() + " failed");
                err.flush();
            });
        }
        if (json) {
            out.println(json(result));
        } else {
            out.println(summary(result));
        }
        out.flush();
        return switch (result.status()) {
            case SUCCEEDED -> 0;
            case RUNNING -> ReplicatorCommand.ERRORS;
            default -> ReplicatorCommand.FAILED;
        };
    }

    static String summary(Backfill.Result result) {
        ReconcileCounts counts = result.run()
                .filter(run -> run.endedAt() != null)
                .map(run -> run.counts())
                .orElse(result.soFar());
        String tags = counts.inSync() + " in sync before, " + counts.missing() + " missing, " + counts.stale()
                + " stale, " + counts.extra() + " extra; " + counts.repaired() + " repaired, " + counts.deferred()
                + " deferred, " + counts.failed() + " failed"
                + (counts.extraKept() > 0 ? ", " + counts.extraKept() + " extra kept (deletes do not replicate)" : "");
        int shards = result.run().map(run -> run.shards()).orElse(0);
        int failedShards = result.run().map(run -> run.failedShards()).orElse(0);
        String head = "backfill " + result.status().toString().toLowerCase(java.util.Locale.ROOT) + ": " + shards
                + " shards" + (failedShards > 0 ? " (" + failedShards + " failed)" : "") + ", " + tags;
        return switch (result.status()) {
            case SUCCEEDED -> head + "; in sync";
            case RUNNING ->
                head + "; still running at --timeout: follow it in the Step Functions console (" + result.executionArn()
                        + ")";
            default ->
                head + "; NOT in sync (" + result.error() + "): replicator status shows the tags, and the"
                        + " build logs say why; run backfill again once the cause is fixed";
        };
    }

    static String json(Backfill.Result result) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("executionArn", result.executionArn());
        node.put("status", result.status().toString());
        node.put("inSync", result.inSync());
        result.run().ifPresent(run -> {
            node.put("runId", run.runId());
            node.put("shards", run.shards());
            node.put("failedShards", run.failedShards());
        });
        node.put("shardsDone", result.shardsDone());
        ReconcileCounts counts = result.run()
                .filter(run -> run.endedAt() != null)
                .map(run -> run.counts())
                .orElse(result.soFar());
        ObjectNode countsNode = node.putObject("counts");
        counts.asMap().forEach(countsNode::put);
        if (result.error() != null) {
            node.put("error", result.error());
            node.put("cause", result.cause());
        }
        return Json.write(node);
    }
}
