package org.ecrreplicator.worker.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.state.ReconcileStore;
import org.junit.jupiter.api.Test;

class LastReconcileTest {
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final ReconcileCounts SOME = new ReconcileCounts(10, 1, 0, 0, 1, 0, 0, 0, 2048, 512);

    /** Shards whose items expired are absent from {@code repositories}. */
    private record Store(
            ReconcileRun run, Map<Integer, List<String>> repositories, Map<Integer, ReconcileCounts> counts)
            implements ReconcileStore {
        @Override
        public void savePlan(ReconcileRun run, List<List<String>> shards, Instant expiresAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> shardRepositories(String runId, int shard) {
            List<String> found = repositories.get(shard);
            if (found == null) {
                throw new IllegalStateException("expired");
            }
            return found;
        }

        @Override
        public void saveShardCounts(String runId, int shard, ReconcileCounts counts) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<Optional<ReconcileCounts>> shardCounts(String runId, int shards) {
            List<Optional<ReconcileCounts>> all = new ArrayList<>();
            for (int shard = 0; shard < shards; shard++) {
                all.add(Optional.ofNullable(counts.get(shard)));
            }
            return all;
        }

        @Override
        public void saveRun(ReconcileRun run, Instant expiresAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<ReconcileRun> loadRun(String runId) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<ReconcileRun> latest() {
            return Optional.ofNullable(run);
        }
    }

    @Test
    void shouldSayNoneAndNeverWhenNoRunIsRecorded() {
        LastReconcile none = LastReconcile.read(new Store(null, Map.of(), Map.of()));

        assertThat(none.line(T0, bytes -> bytes + " B"))
                .isEqualTo("last reconcile: no reconcile has run yet: run replicator backfill");
        assertThat(none.reconciledAt("team/app")).isNull();
        assertThat(none.cell("team/app")).isEqualTo("never");
    }

    @Test
    void shouldSayRunningAndCoverNothingYetWhileTheLatestRunRuns() {
        LastReconcile running =
                LastReconcile.read(new Store(ReconcileRun.started("r-2", "team-a/", T0, 3), Map.of(), Map.of()));

        assertThat(running.line(T0.plusSeconds(7 * 60 + 5), bytes -> bytes + " B"))
                .isEqualTo("last reconcile: run r-2 RUNNING (prefix team-a/), started 7m ago (" + T0 + "); 3 shards");
        assertThat(running.cell("team-a/app")).isEqualTo("running");
        assertThat(running.cell("team-b/app")).isEqualTo("-");
        assertThat(running.reconciledAt("team-a/app")).isNull();
    }

    @Test
    void shouldCoverTheRepositoriesUnderThePrefixExceptThoseOfFailedShards() {
        ReconcileRun ended = ReconcileRun.started("r-3", "", T0, 3).ended(T0.plusSeconds(600), 1, SOME);
        Map<Integer, List<String>> repositories = new HashMap<>();
        repositories.put(0, List.of("a"));
        repositories.put(1, List.of("b", "c"));
        repositories.put(2, List.of("d"));
        LastReconcile last = LastReconcile.read(new Store(ended, repositories, Map.of(0, SOME, 2, SOME)));

        assertThat(last.reconciledAt("a")).isEqualTo(T0.plusSeconds(600));
        assertThat(last.reconciledAt("c")).isNull();
        assertThat(last.cell("b")).isEqualTo("-");
        assertThat(last.line(T0.plusSeconds(600 + 26 * 3600), bytes -> bytes + " B"))
                .isEqualTo("last reconcile: run r-3 DRIFT_LEFT, ended 1d 2h ago (" + T0.plusSeconds(600)
                        + "); 3 shards, 1 failed; 10 in sync, 1 missing, 0 stale, 0 extra, 1 repaired, 0 deferred,"
                        + " 0 failed, 0 extra kept, 2048 B copied, 512 B mounted");
    }

    @Test
    void shouldCoverNothingWhenAFailedShardsItemExpired() {
        ReconcileRun ended = ReconcileRun.started("r-4", "", T0, 2).ended(T0.plusSeconds(60), 1, SOME);
        LastReconcile last = LastReconcile.read(new Store(ended, Map.of(0, List.of("a")), Map.of(0, SOME)));

        assertThat(last.shardsUnknown()).isTrue();
        assertThat(last.reconciledAt("a")).isNull();
    }

    @Test
    void shouldWriteAgesInTheLargestTwoUnits() {
        assertThat(LastReconcile.age(Duration.ofSeconds(-5))).isEqualTo("0s ago");
        assertThat(LastReconcile.age(Duration.ofSeconds(59))).isEqualTo("59s ago");
        assertThat(LastReconcile.age(Duration.ofMinutes(125))).isEqualTo("2h 5m ago");
    }
}
