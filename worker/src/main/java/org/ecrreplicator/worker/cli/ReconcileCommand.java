package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.state.DynamoBlobIndex;
import org.ecrreplicator.state.DynamoReconcileStore;
import org.ecrreplicator.state.DynamoTagStateStore;
import org.ecrreplicator.state.ReconcileStore;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.sync.RegistryLocation;
import org.ecrreplicator.worker.engine.sync.Syncer;
import org.ecrreplicator.worker.engine.sync.TagAction;
import org.ecrreplicator.worker.engine.transfer.BlobLocations;
import org.ecrreplicator.worker.reconcile.LeaseGuard;
import org.ecrreplicator.worker.reconcile.Reconciler;
import org.ecrreplicator.worker.reconcile.RepositoryMatcher;
import picocli.CommandLine.Model.CommandSpec;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The reconcile's build step (decision 0068): without {@link BuildVariables#RECONCILE_SHARD} it plans the run
 * into shards; with it, it repairs that shard under per-tag leases. Writes its results for the buildspec.
 */
final class ReconcileCommand implements Callable<Integer> {
    private static final String OUTPUT = "--output";
    /** Tags repaired at once in a shard: sync's default. */
    static final int TAGS_AT_ONCE = 8;

    static final int DEFAULT_SHARD_SIZE = 500;
    /** How long run and shard records stay in the state table. */
    static final Duration RECORD_TTL = Duration.ofDays(30);

    private final CommandSpec spec;
    private final Environment environment;
    private final EcrFactory ecrFactory;

    ReconcileCommand(Environment environment, EcrFactory ecrFactory) {
        this.environment = environment;
        this.ecrFactory = ecrFactory;
        spec = CommandSpecs.command(
                this,
                "reconcile",
                "Plans a reconcile run or repairs one shard (run by CodeBuild).",
                "Run by the reconcile workflow's builds (decision 0068). Without "
                        + BuildVariables.RECONCILE_SHARD + " it lists the repositories "
                        + BuildVariables.REPOSITORY_FILTER + " and " + BuildVariables.RECONCILE_PREFIX
                        + " admit on both sides and writes shards of at most " + BuildVariables.RECONCILE_SHARD_SIZE
                        + " tags to the state table (" + BuildResults.RECONCILE_SHARDS + "). With it, it diffs"
                        + " that shard's repositories and repairs them like sync, taking each tag's lease first;"
                        + " a tag an event execution holds is deferred (" + BuildResults.RECONCILE_COUNTS + ").",
                "Environment: " + BuildVariables.RECONCILE_RUN + ", " + BuildVariables.EXECUTION_ARN + ", "
                        + BuildVariables.TABLE_NAME + ", " + BuildVariables.LEASE_SECONDS
                        + ", and the registries as for replicate.",
                "Exits 0 when it ran, whatever it found; tags it could not repair are counted, not fatal.");
        // A shard copies TAGS_AT_ONCE tags side by side: the per-copy default of sync, not of a lone copy.
        spec.addMixin(
                "connection",
                ConnectionOptions.transferMixin(ImageCopier.Options.defaults().concurrency()));
        spec.addOption(CommandSpecs.option(OUTPUT, "FILE", Path.class, "Where to write the KEY=value results.")
                .required(true)
                .build());
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        try {
            return reconcile();
        } catch (RuntimeException e) {
            ReplicateCommand.writeFailure(CommandSpecs.value(spec, OUTPUT), e);
            throw e;
        }
    }

    private Integer reconcile() {
        ReplicateConfig config = ReplicateConfig.forReconcile(environment);
        String runId = environment.require(BuildVariables.RECONCILE_RUN, "the reconcile run id");
        String table = environment.require(BuildVariables.TABLE_NAME, "the state table's name");
        Optional<String> shard = environment.get(BuildVariables.RECONCILE_SHARD);
        boolean insecure = config.insecure() || ConnectionOptions.insecure(spec);
        PrintWriter out = spec.commandLine().getOut();
        Map<String, String> results = new LinkedHashMap<>();
        BuildResults.EXPORTED.forEach(key -> results.put(key, ""));
        ImageCopier.Options options = ImageCopier.Options.defaults()
                .withConcurrency(ConnectionOptions.concurrency(spec))
                .withMaxManifests(ConnectionOptions.maxManifests(spec))
                .withCopyReferrers(config.copyReferrers());
        // Where blobs are: what this shard pushes, and what earlier builds put in the shared index (decision 0072).
        BlobLocations locations = new BlobLocations();
        try (DynamoDbClient dynamo = new AwsClients(Optional.empty(), Optional.empty()).dynamoDb();
                RegistrySides sides = new RegistrySides(
                        location(config.sourceRegistry(), BuildVariables.SOURCE_REGISTRY),
                        location(config.destinationRegistry(), BuildVariables.DESTINATION_REGISTRY),
                        RegistrySides.DEFAULT_PAGE_SIZE,
                        options,
                        locations,
                        from -> ReplicateCommand.sourceEndpoint(config, insecure, ecrFactory),
                        to -> ReplicateCommand.destinationEndpoint(config, insecure, ecrFactory))) {
            locations.index(new SharedBlobIndex(
                    new DynamoBlobIndex(dynamo, table), spec.commandLine().getErr()));
            ReconcileStore runs = new DynamoReconcileStore(dynamo, table);
            if (shard.isEmpty()) {
                String prefix = environment.get(BuildVariables.RECONCILE_PREFIX).orElse("");
                RepositoryMatcher matcher;
                int shardSize;
                try {
                    matcher = RepositoryMatcher.parse(
                            environment.get(BuildVariables.REPOSITORY_FILTER).orElse("prefix:"), prefix);
                    shardSize = environment
                            .get(BuildVariables.RECONCILE_SHARD_SIZE)
                            .map(Integer::parseInt)
                            .orElse(DEFAULT_SHARD_SIZE);
                } catch (IllegalArgumentException e) {
                    throw new UsageException(e.getMessage());
                }
                Reconciler.Plan plan =
                        Reconciler.plan(sides.source(), sides.destination(), matcher, shardSize, sides.tasks());
                Instant now = Instant.now();
                runs.savePlan(
                        ReconcileRun.started(runId, prefix, now, plan.shards().size()),
                        plan.shards(),
                        now.plus(RECORD_TTL));
                results.put(
                        BuildResults.RECONCILE_SHARDS,
                        Integer.toString(plan.shards().size()));
                out.println("reconcile " + runId + " planned: " + plan.repositories() + " repositories, "
                        + plan.tags() + " tags at the source, " + plan.shards().size() + " shards of at most "
                        + shardSize + " tags" + (prefix.isEmpty() ? "" : " (under " + prefix + ")"));
            } else {
                int number = parseShard(shard.get());
                List<String> repositories = runs.shardRepositories(runId, number);
                String owner = environment.require(BuildVariables.EXECUTION_ARN, "the reconcile execution") + "#shard-"
                        + number;
                Duration lease = Duration.ofSeconds(Long.parseLong(
                        environment.get(BuildVariables.LEASE_SECONDS).orElse("3600")));
                String buildId = environment.get("CODEBUILD_BUILD_ID").orElse(owner);
                LeaseGuard guard = new LeaseGuard(
                        new DynamoTagStateStore(dynamo, table), owner, buildId, lease, Clock.systemUTC());
                ProgressLog progress = new ProgressLog(
                        spec.commandLine().getErr(),
                        System::nanoTime,
                        ProgressLog.DEFAULT_INTERVAL,
                        ProgressLog.DEFAULT_EVERY_TAGS);
                // Called from many threads.
                List<String> deferred = new java.util.concurrent.CopyOnWriteArrayList<>();
                ReconcileCounts counts = Reconciler.repair(
                        sides.syncer(),
                        sides.source(),
                        sides.destination(),
                        repositories,
                        new Syncer.Options(TAGS_AT_ONCE, config.replicateDeletes(), false),
                        guard,
                        new Syncer.Listener() {
                            @Override
                            public void planned(int tags) {
                                progress.planned(tags);
                            }

                            @Override
                            public void done(TagAction action) {
                                progress.done(action);
                                if (action.outcome() == TagAction.Outcome.DEFERRED) {
                                    deferred.add(action.difference().repository() + ":"
                                            + action.difference().tag() + ": " + action.error());
                                }
                            }
                        });
                runs.saveShardCounts(runId, number, counts);
                results.put(BuildResults.RECONCILE_COUNTS, format(counts));
                deferred.forEach(line -> out.println("deferred " + line));
                out.println("reconcile " + runId + " shard " + number + " (" + repositories.size() + " repositories): "
                        + format(counts));
            }
        }
        ReplicateCommand.write(CommandSpecs.value(spec, OUTPUT), results);
        out.flush();
        return 0;
    }

    private static RegistryLocation location(String authority, String variable) {
        try {
            return RegistryLocation.parse(authority, variable);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static int parseShard(String text) {
        try {
            int number = Integer.parseInt(text.trim());
            if (number >= 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException(BuildVariables.RECONCILE_SHARD + " is '" + text + "', not a shard number");
    }

    /** {@code inSync=3,missing=1,...}: the form {@link BuildResults#RECONCILE_COUNTS} carries. */
    static String format(ReconcileCounts counts) {
        return counts.asMap().entrySet().stream()
                .map(entry -> entry.getKey() + "=" + entry.getValue())
                .collect(Collectors.joining(","));
    }
}
