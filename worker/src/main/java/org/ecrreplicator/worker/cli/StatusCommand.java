package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.ecrreplicator.state.DynamoReconcileStore;
import org.ecrreplicator.state.DynamoTagStateStore;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.status.Deployment;
import org.ecrreplicator.worker.status.LastReconcile;
import org.ecrreplicator.worker.status.LiveLookup;
import org.ecrreplicator.worker.status.StatusQuery;
import org.ecrreplicator.worker.status.StatusReport;
import org.ecrreplicator.worker.status.TagStatusRow;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code replicator status [REPOSITORY[:TAG]] [--out-of-sync] [--live] [--json]}, or {@code status
 * --last-reconcile}, with the deployment options.
 */
final class StatusCommand implements Callable<Integer> {
    private static final String OUT_OF_SYNC = "--out-of-sync";
    private static final String LIVE = "--live";
    private static final String LAST_RECONCILE = "--last-reconcile";
    private static final String JSON = "--json";
    private static final int FAILURE_LINES = 3;

    private final CommandSpec spec;
    private final Environment environment;
    private final EcrFactory ecrFactory;

    StatusCommand(Environment environment, EcrFactory ecrFactory) {
        this.environment = environment;
        this.ecrFactory = ecrFactory;
        spec = CommandSpecs.command(
                this,
                "status",
                "Shows the replication state of each tag from the state table.",
                "Per tag, what the replication recorded: the last event, the digest at the destination,"
                        + " the status, the last build and its error, and when the last reconcile covered it; above"
                        + " the table, one line on the last reconcile run. Reads the deployment's state table;"
                        + " changes nothing.",
                "A tag is in sync when its status is REPLICATED, DELETED, NOTHING_TO_DELETE or SOURCE_GONE (the last"
                        + " build settled it on what the source held); LEASED, BUILDING and FAILED are out of sync."
                        + " This is the pipeline's record; --live also asks the registries, for each row shown, which"
                        + " digest the tag names now at the source and at the destination (a manifest HEAD each, "
                        + LiveLookup.ROWS_IN_FLIGHT
                        + " rows at a time) and says: in sync, differs, missing at destination, or gone at source.",
                "The source is the stack's own ECR registry (its account and region), read with the deployment's"
                        + " credentials; the destination is the registry of the account in the stack's destination"
                        + " secret, in its DestinationRegion, reached with the secret's keys (read with the"
                        + " deployment's credentials). --source, --dest and their credentials options name others,"
                        + " e.g. the local pipeline's registries.");
        spec.addMixin("deployment", DeploymentOptions.mixin());
        spec.addOption(CommandSpecs.flag(OUT_OF_SYNC, "Only tags that are not in sync (by the record)."));
        spec.addOption(CommandSpecs.flag(
                LIVE, "Also the digests the registries hold now, and whether they agree (see above)."));
        spec.addOption(CommandSpecs.flag(
                LAST_RECONCILE,
                "Only the last reconcile run: its line, or with --json one object {\"lastReconcile\": ...}."));
        spec.addOption(CommandSpecs.flag(
                JSON, "One JSON array of the tags instead of the table (the reconcile line is left out)."));
        StatusSides.addTo(spec);
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
                "1:the deployment, one of its outputs, its state table or its secret could not be read (the line"
                        + " says which)",
                "2:usage",
                "4:--live: a registry could not be asked about some tags (named on stderr; their live column"
                        + " says unknown)");
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        String target = spec.positionalParameters().get(0).getValue();
        boolean live = CommandSpecs.flag(spec, LIVE);
        boolean lastReconcileOnly = CommandSpecs.flag(spec, LAST_RECONCILE);
        StatusQuery query;
        try {
            query = StatusQuery.parse(target, CommandSpecs.flag(spec, OUT_OF_SYNC));
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (lastReconcileOnly && (target != null || query.outOfSyncOnly() || live)) {
            throw new UsageException(
                    LAST_RECONCILE + " prints the run alone: drop REPOSITORY[:TAG], " + OUT_OF_SYNC + " and " + LIVE);
        }
        if (!live) {
            for (String option : StatusSides.options()) {
                if (spec.commandLine().getParseResult().hasMatchedOption(option)) {
                    throw new UsageException(option + " applies to " + LIVE + " only: add " + LIVE + ", or drop it");
                }
            }
        }
        DeploymentOptions.stackName(spec);
        AwsClients clients = DeploymentOptions.clients(spec);
        Deployment deployment = DeploymentOptions.locate(spec, clients);
        PrintWriter out = spec.commandLine().getOut();
        boolean json = CommandSpecs.flag(spec, JSON);
        if (lastReconcileOnly) {
            LastReconcile reconcile = read(clients, deployment, null).reconcile();
            out.println(json ? StatusReport.json(reconcile) : reconcile.line(Instant.now(), ProgressDisplay::size));
            out.flush();
            return 0;
        }
        // The registries are found (and the secret read) before the table is scanned: a wrong option fails fast.
        try (StatusSides sides = live
                ? new StatusSides(spec, environment, ecrFactory, deployment, DeploymentOptions.identity(spec))
                : null) {
            Read read = read(clients, deployment, query);
            List<TagStatusRow> rows = read.rows();
            int exit = 0;
            if (sides != null) {
                rows = sides.lookup().look(rows);
                exit = reportFailures(rows, spec.commandLine().getErr());
            }
            if (json) {
                out.println(StatusReport.json(rows));
            } else {
                out.println(read.reconcile().line(Instant.now(), ProgressDisplay::size));
                out.print(StatusReport.table(rows, read.reconcile(), live));
            }
            out.flush();
            return exit;
        }
    }

    private record Read(List<TagStatusRow> rows, LastReconcile reconcile) {}

    /** The rows {@code query} selects (none when null) with their last reconcile, and the last reconcile run. */
    private static Read read(AwsClients clients, Deployment deployment, StatusQuery query) {
        String table = deployment.tableName();
        try (DynamoDbClient dynamo = clients.dynamoDb()) {
            LastReconcile reconcile = LastReconcile.read(new DynamoReconcileStore(dynamo, table));
            List<TagStatusRow> rows = query == null
                    ? List.of()
                    : query.run(new DynamoTagStateStore(dynamo, table)).stream()
                            .map(row -> row.withLastReconcile(reconcile.reconciledAt(row.repository())))
                            .toList();
            return new Read(rows, reconcile);
        } catch (SdkException e) {
            throw new ReplicatorException("reading the state table " + table + " of stack " + deployment.stackName()
                    + " failed: " + e.getMessage() + " (check the credentials' dynamodb:Scan and GetItem on it)");
        }
    }

    /**
     * One stderr line per failed row, the first {@value #FAILURE_LINES} only: a registry that cannot be reached at
     * all fails every row, and the table (or {@code --json}) already marks each one.
     *
     * @return 4 when some lookup failed, else 0
     */
    private static int reportFailures(List<TagStatusRow> rows, PrintWriter err) {
        List<String> failures = new ArrayList<>();
        for (TagStatusRow row : rows) {
            if (row.live() != null && row.live().error() != null) {
                failures.add(row.repository() + (row.tag() != null ? ":" + row.tag() : "@" + row.digest()) + ": "
                        + row.live().error());
            }
        }
        failures.stream().limit(FAILURE_LINES).forEach(failure -> err.println("error: " + failure));
        if (failures.size() > FAILURE_LINES) {
            err.println("error: and " + (failures.size() - FAILURE_LINES) + " more tags the registries could not"
                    + " be asked about (live: unknown; --json has each error)");
        }
        err.flush();
        return failures.isEmpty() ? 0 : ReplicatorCommand.ERRORS;
    }
}
