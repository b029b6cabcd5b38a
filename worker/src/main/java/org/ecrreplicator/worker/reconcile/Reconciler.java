package org.ecrreplicator.worker.reconcile;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.worker.engine.sync.RegistrySide;
import org.ecrreplicator.worker.engine.sync.SyncReport;
import org.ecrreplicator.worker.engine.sync.Syncer;
import org.ecrreplicator.worker.engine.sync.TagAction;
import org.ecrreplicator.worker.engine.transfer.Futures;

/** The two steps of a reconcile run in builds (decision 0068): plan the shards, then repair one shard. */
public final class Reconciler {
    /**
     * @param shards the repositories of each shard
     * @param tags the source's tags in those repositories
     */
    public record Plan(List<List<String>> shards, int repositories, long tags) {}

    private Reconciler() {}

    /**
     * Every repository the matcher admits on either side (one only at the destination may hold extra tags), with
     * the source's tag count for packing. A repository whose tags cannot be listed counts as one tag: its shard
     * build reports why.
     */
    public static Plan plan(
            RegistrySide source,
            RegistrySide destination,
            RepositoryMatcher matcher,
            int shardSize,
            ExecutorService tasks) {
        Future<List<String>> atSource = tasks.submit(() -> source.lister().repositories());
        Future<List<String>> atDestination =
                tasks.submit(() -> destination.lister().repositories());
        TreeSet<String> repositories = new TreeSet<>();
        Futures.join(atSource).stream().filter(matcher::matches).forEach(repositories::add);
        Futures.join(atDestination).stream().filter(matcher::matches).forEach(repositories::add);
        Map<String, Future<Integer>> counting = new LinkedHashMap<>();
        for (String repository : repositories) {
            counting.put(
                    repository,
                    tasks.submit(() ->
                            source.lister().tags(repository).map(Map::size).orElse(0)));
        }
        Map<String, Integer> tags = new TreeMap<>();
        long total = 0;
        for (Map.Entry<String, Future<Integer>> entry : counting.entrySet()) {
            int count;
            try {
                count = Futures.join(entry.getValue());
            } catch (RuntimeException unreadable) {
                count = 1;
            }
            tags.put(entry.getKey(), count);
            total += count;
        }
        return new Plan(ShardPlanner.plan(tags, shardSize), repositories.size(), total);
    }

    /** Diffs and repairs {@code repositories} like {@code sync}, each tag under {@code guard}. */
    public static ReconcileCounts repair(
            Syncer syncer,
            RegistrySide source,
            RegistrySide destination,
            List<String> repositories,
            Syncer.Options options,
            Syncer.Guard guard,
            Syncer.Listener listener) {
        SyncReport report = syncer.sync(source, destination, repositories, options, guard, listener);
        return counts(report, options.deleteExtra());
    }

    static ReconcileCounts counts(SyncReport report, boolean deleteExtra) {
        long extra = report.before().extra().size();
        return new ReconcileCounts(
                report.before().inSyncTags(),
                report.before().missing().size(),
                report.before().stale().size(),
                extra,
                report.count(TagAction.Outcome.COPIED) + report.count(TagAction.Outcome.DELETED),
                report.count(TagAction.Outcome.DEFERRED),
                report.count(TagAction.Outcome.FAILED)
                        + report.before().errors().size(),
                deleteExtra ? 0 : extra,
                report.bytesCopied(),
                report.bytesMounted());
    }
}
