package org.ecrreplicator.domain.contract;

import java.util.List;

/**
 * The metrics each reconcile run publishes (RecordReconcile, as CloudWatch embedded metric format in its log),
 * which the stack's dashboard shows and its drift alarm watches. One value per run, dimension {@link #DIMENSION}
 * = the stack's name.
 */
public final class ReconcileMetrics {
    public static final String NAMESPACE = "EcrReplicator/Reconcile";
    public static final String DIMENSION = "Stack";

    public static final String IN_SYNC = "InSync";
    public static final String MISSING = "Missing";
    public static final String STALE = "Stale";
    public static final String EXTRA = "Extra";
    public static final String REPAIRED = "Repaired";
    public static final String DEFERRED = "Deferred";
    public static final String FAILED = "Failed";
    public static final String BYTES_COPIED = "BytesCopied";

    /** Bytes of blobs the destination mounted from another of its repositories: stored, not sent. */
    public static final String BYTES_MOUNTED = "BytesMounted";

    /**
     * Deferred and failed tags, plus 1 per failed shard (its tags are unknown). Extra tags kept because deletes
     * do not replicate are not drift.
     */
    public static final String DRIFT_LEFT = "DriftLeft";

    public static final List<String> ALL = List.of(
            IN_SYNC, MISSING, STALE, EXTRA, REPAIRED, DEFERRED, FAILED, BYTES_COPIED, BYTES_MOUNTED, DRIFT_LEFT);

    private ReconcileMetrics() {}
}
