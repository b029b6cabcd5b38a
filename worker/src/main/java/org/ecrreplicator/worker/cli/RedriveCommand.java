package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import org.ecrreplicator.domain.Durations;
import org.ecrreplicator.state.DynamoTagStateStore;
import org.ecrreplicator.worker.redrive.Redrive;
import org.ecrreplicator.worker.redrive.RedriveReport;
import org.ecrreplicator.worker.status.Deployment;
import picocli.CommandLine.Model.CommandSpec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** {@code replicator redrive [--since DURATION] [--dry-run] [--dlq] [--json]} with the deployment options. */
final class RedriveCommand implements Callable<Integer> {
    private static final String SINCE = "--since";
    private static final String DRY_RUN = "--dry-run";
    private static final String DLQ = "--dlq";
    private static final String JSON = "--json";

    private final CommandSpec spec;

    RedriveCommand() {
        spec = CommandSpecs.command(
                this,
                "redrive",
                "Redrives failed executions of tags that have not converged since.",
                "Redrives the replication workflow's failed, timed-out and aborted executions that stopped within"
                        + " --since: for each tag only the newest, and only when the tag has not converged since"
                        + " (its state record settled by a build recorded after the execution stopped). Prints each"
                        + " execution with what was done and why, then a summary.",
                "Skip reasons: 'converged since', 'superseded by a newer execution' (an older failure of the same"
                        + " tag), 'not redrivable' (Step Functions refused: redrive window passed, or not"
                        + " redrivable). --dlq also moves the replication dead-letter queue's messages back to the"
                        + " replication queue (SQS StartMessageMoveTask), and reports the depths of the"
                        + " event-delivery DLQ and the invocation-failure queue, which hold events and Lambda"
                        + " records that are replayed, not moved (docs/deploy.md).");
        spec.addMixin("deployment", DeploymentOptions.mixin());
        spec.addOption(CommandSpecs.option(
                        SINCE,
                        "DURATION",
                        String.class,
                        "Executions that stopped within this long (default: 24h): " + Durations.FORMS + ".")
                .defaultValue("24h")
                .build());
        spec.addOption(CommandSpecs.flag(DRY_RUN, "Redrive and move nothing; say what would be done."));
        spec.addOption(CommandSpecs.flag(DLQ, "Also the dead-letter queues (see above)."));
        spec.addOption(CommandSpecs.flag(JSON, "One JSON object instead of the tables."));
        CommandSpecs.exitCodes(
                spec,
                "0:every eligible execution was redriven (or would be, or there was nothing to do)",
                "1:a redrive or the message move failed, or the deployment could not be read (the line says which)",
                "2:usage");
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        Duration since;
        try {
            since = Durations.parse(CommandSpecs.value(spec, SINCE), "--since");
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        boolean dryRun = CommandSpecs.flag(spec, DRY_RUN);
        boolean deadLetters = CommandSpecs.flag(spec, DLQ);
        DeploymentOptions.stackName(spec);
        AwsClients clients = DeploymentOptions.clients(spec);
        Deployment deployment = DeploymentOptions.locate(spec, clients);
        RedriveReport report;
        try (SfnClient sfn = clients.sfn();
                DynamoDbClient dynamo = clients.dynamoDb();
                SqsClient sqs = deadLetters ? clients.sqs() : null) {
            report = new Redrive(sfn, new DynamoTagStateStore(dynamo, deployment.tableName()), sqs, Clock.systemUTC())
                    .run(deployment, new Redrive.Options(since, dryRun, deadLetters));
        }
        PrintWriter out = spec.commandLine().getOut();
        if (CommandSpecs.flag(spec, JSON)) {
            out.println(report.json());
        } else {
            out.print(report.table());
        }
        out.flush();
        return report.failures() > 0 ? ReplicatorCommand.FAILED : 0;
    }
}
