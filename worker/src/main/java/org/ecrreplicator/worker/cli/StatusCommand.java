package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.ecrreplicator.state.DynamoTagStateStore;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.status.Deployment;
import org.ecrreplicator.worker.status.StatusQuery;
import org.ecrreplicator.worker.status.StatusReport;
import org.ecrreplicator.worker.status.TagStatusRow;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** {@code replicator status [REPOSITORY[:TAG]] [--out-of-sync] [--json]} with the deployment options. */
final class StatusCommand implements Callable<Integer> {
    private static final String OUT_OF_SYNC = "--out-of-sync";
    private static final String JSON = "--json";

    private final CommandSpec spec;

    StatusCommand() {
        spec = CommandSpecs.command(
                this,
                "status",
                "Shows the replication state of each tag from the state table.",
                "Per tag, what the replication recorded: the last event, the digest at the destination,"
                        + " the status, the last build and its error. Reads the deployment's state table; changes"
                        + " nothing.",
                "A tag is in sync when its status is REPLICATED, DELETED, NOTHING_TO_DELETE or SOURCE_GONE (the last"
                        + " build settled it on what the source held); LEASED, BUILDING and FAILED are out of sync."
                        + " This is the pipeline's record, not a look at the registries.");
        spec.addMixin("deployment", DeploymentOptions.mixin());
        spec.addOption(CommandSpecs.flag(OUT_OF_SYNC, "Only tags that are not in sync."));
        spec.addOption(CommandSpecs.flag(JSON, "One JSON array instead of the table."));
        spec.addPositional(PositionalParamSpec.builder()
                .index("0")
                .arity("0..1")
                .paramLabel("REPOSITORY[:TAG]")
                .type(String.class)
                .description("Only this repository, or this one tag.")
                .build());
        CommandSpecs.exitCodes(
                spec,
                "0:the status was read (whatever it says)",
                "1:the deployment, one of its outputs or its state table could not be read (the line says which)",
                "2:usage");
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        StatusQuery query;
        try {
            query = StatusQuery.parse(
                    spec.positionalParameters().get(0).getValue(), CommandSpecs.flag(spec, OUT_OF_SYNC));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        DeploymentOptions.stackName(spec);
        AwsClients clients = DeploymentOptions.clients(spec);
        Deployment deployment = DeploymentOptions.locate(spec, clients);
        List<TagStatusRow> rows;
        String table = deployment.tableName();
        try (DynamoDbClient dynamo = clients.dynamoDb()) {
            rows = query.run(new DynamoTagStateStore(dynamo, table));
        } catch (SdkException e) {
            throw new ReplicatorException("reading the state table " + table + " of stack " + deployment.stackName()
                    + " failed: " + e.getMessage() + " (check the credentials' dynamodb:Scan and GetItem on it)");
        }
        PrintWriter out = spec.commandLine().getOut();
        if (CommandSpecs.flag(spec, JSON)) {
            out.println(StatusReport.json(rows));
        } else {
            out.print(StatusReport.table(rows));
        }
        out.flush();
        return 0;
    }
}
