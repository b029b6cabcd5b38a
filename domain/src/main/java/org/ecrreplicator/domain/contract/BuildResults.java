package org.ecrreplicator.domain.contract;

import java.util.List;

/**
 * What a replication build exports: written by the worker's {@code replicate} command as {@code KEY=value}
 * lines, exported by {@code buildspec.yml} (which tests check against {@link #EXPORTED}), read back by
 * Completion and the sweep into the task result.
 */
public final class BuildResults {
    /** One of {@link org.ecrreplicator.domain.state.Outcome}'s names. */
    public static final String OUTCOME = "OUTCOME";

    /** What the destination holds for the request now (or the digest that was deleted); empty when nothing. */
    public static final String REPLICATED_DIGEST = "REPLICATED_DIGEST";

    public static final String BYTES_COPIED = "BYTES_COPIED";
    public static final String BLOBS_COPIED = "BLOBS_COPIED";
    public static final String BLOBS_SKIPPED = "BLOBS_SKIPPED";

    /** Blobs the destination mounted from another of its repositories instead of an upload (decision 0072). */
    public static final String BLOBS_MOUNTED = "BLOBS_MOUNTED";

    public static final String BYTES_MOUNTED = "BYTES_MOUNTED";
    public static final String REFERRERS_COPIED = "REFERRERS_COPIED";

    /** Referrers the destination would not take (ECR's 405 for a subject that is an index); each is logged. */
    public static final String REFERRERS_SKIPPED = "REFERRERS_SKIPPED";

    /**
     * The digest whose manifest the build deleted at the destination (a delete by digest, or a tag delete on a
     * registry that cannot untag, even when sibling tags were put back); empty when the build removed no digest.
     */
    public static final String REMOVED_DIGEST = "REMOVED_DIGEST";

    /** The plan build: how many shards it wrote. */
    public static final String RECONCILE_SHARDS = "RECONCILE_SHARDS";

    /**
     * A reconcile shard build: its {@link org.ecrreplicator.domain.state.ReconcileCounts} as {@code name=count}
     * pairs separated by commas (one variable, so the buildspec's list stays short).
     */
    public static final String RECONCILE_COUNTS = "RECONCILE_COUNTS";

    /**
     * A failed build: the worker's own one-line error (never a secret value), written to the results file
     * before it exits non-zero and exported by the buildspec's {@code post_build} phase, which runs after a
     * failed build phase. Completion makes it the task's failure cause.
     */
    public static final String FAILURE_REASON = "FAILURE_REASON";

    /** Every exported result, in the order the buildspec lists them. */
    public static final List<String> EXPORTED = List.of(
            OUTCOME,
            REPLICATED_DIGEST,
            BYTES_COPIED,
            BLOBS_COPIED,
            BLOBS_SKIPPED,
            BLOBS_MOUNTED,
            BYTES_MOUNTED,
            REFERRERS_COPIED,
            REFERRERS_SKIPPED,
            REMOVED_DIGEST,
            RECONCILE_SHARDS,
            RECONCILE_COUNTS,
            FAILURE_REASON);

    private BuildResults() {}
}
