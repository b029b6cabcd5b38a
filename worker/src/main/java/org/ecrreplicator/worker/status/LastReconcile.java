package org.ecrreplicator.worker.status;

import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.LongFunction;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.state.ReconcileStore;

/**
 * The latest reconcile run (decision 0068) as {@code replicator status} shows it: one line above the table, and
 * per tag whether that run covered it. The state table keeps only the latest run, so a tag the latest run did not
 * cover (another prefix, a failed shard, a run still going) shows no reconcile, not an older one.
 *
 * @param run null when no reconcile has run (or its record expired)
 * @param uncovered the repositories of the run's failed shards: the run did not reconcile them
 * @param shardsUnknown the run had failed shards whose items expired, so nothing can be said of any repository
 */
public record LastReconcile(ReconcileRun run, Set<String> uncovered, boolean shardsUnknown) {
    public static final String NONE = "no reconcile has run yet: run replicator backfill";

    public LastReconcile {
        uncovered = Set.copyOf(uncovered);
    }

    public static LastReconcile none() {
        return new LastReconcile(null, Set.of(), false);
    }

    /**
     * The latest run, and when it ended with failed shards, their repositories: one read of the latest run, plus
     * two reads per shard only when some shard failed.
     */
    public static LastReconcile read(ReconcileStore store) {
        Optional<ReconcileRun> latest = store.latest();
        if (latest.isEmpty()) {
            return none();
        }
        ReconcileRun run = latest.get();
        if (run.endedAt() == null || run.failedShards() == 0) {
            return new LastReconcile(run, Set.of(), false);
        }
        Set<String> uncovered = new HashSet<>();
        List<Optional<ReconcileCounts>> counts = store.shardCounts(run.runId(), run.shards());
        try {
            for (int shard = 0; shard < counts.size(); shard++) {
                if (counts.get(shard).isEmpty()) {
                    uncovered.addAll(store.shardRepositories(run.runId(), shard));
                }
            }
        } catch (IllegalStateException expired) {
            return new LastReconcile(run, Set.of(), true);
        }
        return new LastReconcile(run, uncovered, false);
    }

    /** When the latest run ended, if it covered {@code repository}; null otherwise. */
    public Instant reconciledAt(String repository) {
        if (run == null
                || run.endedAt() == null
                || shardsUnknown
                || !repository.startsWith(run.prefix())
                || uncovered.contains(repository)) {
            return null;
        }
        return run.endedAt();
    }

    /** The table's {@code last reconcile} cell: the time, {@code running}, {@code never}, or {@code -} (not covered). */
    public String cell(String repository) {
        Instant at = reconciledAt(repository);
        if (at != null) {
            return at.toString();
        }
        if (run == null) {
            return StatusReport.NEVER;
        }
        return run.endedAt() == null && repository.startsWith(run.prefix()) ? "running" : "-";
    }

    /**
     * {@code last reconcile: run nightly-1 IN_SYNC, ended 2h 5m ago (2025-03-01T12:00:00Z); 4 shards, 0 failed;
     * 1200 in sync, 3 missing, 1 stale, ...}.
     *
     * @param size how byte counts are written
     */
    public String line(Instant now, LongFunction<String> size) {
        if (run == null) {
            return "last reconcile: " + NONE;
        }
        StringBuilder line = new StringBuilder("last reconcile: run ")
                .append(run.runId())
                .append(' ')
                .append(run.status().name());
        if (!run.prefix().isEmpty()) {
            line.append(" (prefix ").append(run.prefix()).append(')');
        }
        if (run.endedAt() == null) {
            line.append(", started ")
                    .append(age(run.age(now)))
                    .append(" (")
                    .append(run.startedAt())
                    .append("); ")
                    .append(run.shards())
                    .append(" shards");
            return line.toString();
        }
        ReconcileCounts counts = run.counts();
        line.append(", ended ")
                .append(age(run.age(now)))
                .append(" (")
                .append(run.endedAt())
                .append("); ")
                .append(run.shards())
                .append(" shards, ")
                .append(run.failedShards())
                .append(" failed; ")
                .append(counts.inSync())
                .append(" in sync, ")
                .append(counts.missing())
                .append(" missing, ")
                .append(counts.stale())
                .append(" stale, ")
                .append(counts.extra())
                .append(" extra, ")
                .append(counts.repaired())
                .append(" repaired, ")
                .append(counts.deferred())
                .append(" deferred, ")
                .append(counts.failed())
                .append(" failed, ")
                .append(counts.extraKept())
                .append(" extra kept, ")
                .append(size.apply(counts.bytesCopied()))
                .append(" copied, ")
                .append(size.apply(counts.bytesMounted()))
                .append(" mounted");
        return line.toString();
    }

    /** {@code 45s ago}, {@code 12m}, {@code 2h 5m}, {@code 3d 4h}; a clock behind the run's reads {@code 0s}. */
    static String age(Duration age) {
        long seconds = Math.max(0, age.toSeconds());
        if (seconds < 60) {
            return seconds + "s ago";
        }
        long minutes = seconds / 60;
        if (minutes < 60) {
            return minutes + "m ago";
        }
        long hours = minutes / 60;
        if (hours < 24) {
            return String.format(Locale.ROOT, "%dh %dm ago", hours, minutes % 60);
        }
        return String.format(Locale.ROOT, "%dd %dh ago", hours / 24, hours % 24);
    }
}
