package org.ecrreplicator.state;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;

/**
 * Reconcile runs and their shards in the state table (decision 0068). The plan build writes the run and its
 * shards, each shard build reads its repositories and writes its counts, RecordReconcile writes the end of the
 * run, and operator commands read them. Every item expires at the {@code expiresAt} given.
 */
public interface ReconcileStore {
    /** Writes the run as started with one item per shard, then the run as the latest. */
    void savePlan(ReconcileRun run, List<List<String>> shards, Instant expiresAt);

    /** The repositories of shard {@code shard} of {@code runId}. */
    List<String> shardRepositories(String runId, int shard);

    void saveShardCounts(String runId, int shard, ReconcileCounts counts);

    /** The counts of every shard that has ended so far, by shard number (absent: not ended). */
    List<Optional<ReconcileCounts>> shardCounts(String runId, int shards);

    /** Writes the run (its end) under its own key and as the latest. */
    void saveRun(ReconcileRun run, Instant expiresAt);

    Optional<ReconcileRun> loadRun(String runId);

    Optional<ReconcileRun> latest();
}
