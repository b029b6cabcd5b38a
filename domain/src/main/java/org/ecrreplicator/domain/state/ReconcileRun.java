package org.ecrreplicator.domain.state;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * One reconcile run as the state table records it ({@link StateTable#reconcileRunKey}), and as the latest run
 * ({@link StateTable#RECONCILE_LATEST}): written by the plan build when it starts (RUNNING), then by
 * RecordReconcile when every shard has ended.
 *
 * @param runId the reconcile execution's name
 * @param prefix the narrowing asked for (empty: every repository the stack's filter matches)
 * @param shards how many shards the plan made
 * @param failedShards shards whose build failed (their tags are not in {@code counts})
 * @param endedAt null while RUNNING
 */
public record ReconcileRun(
        String runId,
        Status status,
        String prefix,
        Instant startedAt,
        Instant endedAt,
        int shards,
        int failedShards,
        ReconcileCounts counts) {
    public enum Status {
        RUNNING,
        /** Every shard ran and nothing is left to repair. */
        IN_SYNC,
        /** Some shard failed, or some tag was deferred, failed or left. */
        DRIFT_LEFT
    }

    public ReconcileRun {
        Objects.requireNonNull(runId, "runId");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(startedAt, "startedAt");
        prefix = prefix == null ? "" : prefix;
        counts = counts == null ? ReconcileCounts.NONE : counts;
    }

    public static ReconcileRun started(String runId, String prefix, Instant startedAt, int shards) {
        return new ReconcileRun(runId, Status.RUNNING, prefix, startedAt, null, shards, 0, ReconcileCounts.NONE);
    }

    /** The run as it ended: IN_SYNC only when no shard failed and no drift is left. */
    public ReconcileRun ended(Instant at, int failed, ReconcileCounts total) {
        Status end = failed == 0 && total.driftLeft() == 0 ? Status.IN_SYNC : Status.DRIFT_LEFT;
        return new ReconcileRun(runId, end, prefix, startedAt, at, shards, failed, total);
    }

    /** How long ago the run ended (or started, while it runs). */
    public Duration age(Instant now) {
        return Duration.between(endedAt != null ? endedAt : startedAt, now);
    }
}
