package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.ecrreplicator.domain.contract.ReconcileMetrics;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.state.ReconcileStore;
import org.junit.jupiter.api.Test;

class RecordReconcileHandlerTest {
    private static final String STACK = "ecr-replicator-dev";
    private static final Instant STARTED = Instant.parse("2026-11-22T03:00:00Z");
    private static final Instant NOW = STARTED.plus(Duration.ofMinutes(42));
    private static final ReconcileCounts SHARD_0 = new ReconcileCounts(100, 3, 2, 1, 6, 0, 0, 0, 5000, 30_000);
    private static final ReconcileCounts SHARD_1 = new ReconcileCounts(50, 1, 0, 0, 1, 0, 0, 0, 700, 4000);

    /** The run as the plan build recorded it, and what RecordReconcile writes. */
    private static final class FakeRuns implements ReconcileStore {
        final Map<String, ReconcileRun> runs = new HashMap<>();
        final List<ReconcileRun> saved = new ArrayList<>();
        final List<Instant> expiries = new ArrayList<>();
        /** What each shard build recorded; a shard whose build failed recorded nothing. */
        final Map<Integer, ReconcileCounts> counts = new HashMap<>();

        @Override
        public Optional<ReconcileRun> loadRun(String runId) {
            return Optional.ofNullable(runs.get(runId));
        }

        @Override
        public void saveRun(ReconcileRun run, Instant expiresAt) {
            runs.put(run.runId(), run);
            saved.add(run);
            expiries.add(expiresAt);
        }

        @Override
        public void savePlan(ReconcileRun run, List<List<String>> shards, Instant expiresAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> shardRepositories(String runId, int shard) {
            throw new UnsupportedOperationException();
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
        public Optional<ReconcileRun> latest() {
            throw new UnsupportedOperationException();
        }
    }

    private final FakeRuns store = new FakeRuns();
    private final List<String> logs = new ArrayList<>();
    private final RecordReconcileHandler handler = new RecordReconcileHandler(
            FunctionsConfig.from(Map.of(
                    FunctionEnvironment.STACK_NAME, STACK,
                    FunctionEnvironment.TABLE_NAME, "state",
                    FunctionEnvironment.HISTORY_TTL_DAYS, "30")),
            store,
            logs::add,
            new MutableClock(NOW));

    private static ObjectNode payload() {
        return Json.MAPPER.createObjectNode().put("runId", "run-1");
    }

    /** What a shard build records in the state table when it ends. */
    private void ended(int shard, ReconcileCounts counts) {
        store.counts.put(shard, counts);
    }

    private void planned(int shards) {
        store.runs.put("run-1", ReconcileRun.started("run-1", "team-a/", STARTED, shards));
    }

    private JsonNode metricsLine() {
        List<JsonNode> lines =
                logs.stream().map(Json::parse).filter(line -> line.has("_aws")).toList();
        assertThat(lines).hasSize(1);
        return lines.getFirst();
    }

    @Test
    void shouldSumTheShardsAndRecordTheRunInSyncWhenNothingIsLeft() {
        planned(2);

        ended(0, SHARD_0);
        ended(1, SHARD_1);

        JsonNode out = handler.handle(payload());

        ReconcileCounts total = SHARD_0.plus(SHARD_1);
        assertThat(out.path("runId").asText()).isEqualTo("run-1");
        assertThat(out.path("status").asText()).isEqualTo("IN_SYNC");
        assertThat(out.path("shards").asInt()).isEqualTo(2);
        assertThat(out.path("failedShards").asInt()).isZero();
        assertThat(out.path("driftLeft").asLong()).isZero();
        assertThat(out.path("counts").path("inSync").asLong()).isEqualTo(150);
        assertThat(out.path("counts").path("bytesCopied").asLong()).isEqualTo(5700);
        assertThat(out.path("counts").path("bytesMounted").asLong()).isEqualTo(34_000);
        ReconcileRun saved = store.saved.getFirst();
        assertThat(saved.status()).isEqualTo(ReconcileRun.Status.IN_SYNC);
        assertThat(saved.counts()).isEqualTo(total);
        assertThat(saved.endedAt()).isEqualTo(NOW);
        assertThat(saved.startedAt()).isEqualTo(STARTED);
        assertThat(saved.prefix()).isEqualTo("team-a/");
        assertThat(store.expiries).containsExactly(NOW.plus(Duration.ofDays(30)));
    }

    @Test
    void shouldCountFailedShardsAndLeaveDriftWhenAShardFailed() {
        planned(3);

        ended(0, SHARD_0);
        ended(2, SHARD_1);

        JsonNode out = handler.handle(payload());

        assertThat(out.path("status").asText()).isEqualTo("DRIFT_LEFT");
        assertThat(out.path("failedShards").asInt()).isEqualTo(1);
        assertThat(out.path("driftLeft").asLong()).as("one per failed shard").isEqualTo(1);
        assertThat(out.path("counts").path("inSync").asLong())
                .as("only the shards that ended count")
                .isEqualTo(150);
        ReconcileRun saved = store.saved.getFirst();
        assertThat(saved.status()).isEqualTo(ReconcileRun.Status.DRIFT_LEFT);
        assertThat(saved.failedShards()).isEqualTo(1);
        assertThat(logs).anyMatch(line -> line.contains("shard failed") && line.contains("\"shard\":\"1\""));
    }

    @Test
    void shouldLeaveDriftWhenATagWasDeferred() {
        planned(2);
        ReconcileCounts deferred = new ReconcileCounts(10, 2, 0, 0, 1, 1, 0, 0, 0, 0);

        ended(0, SHARD_0);
        ended(1, deferred);

        JsonNode out = handler.handle(payload());

        assertThat(out.path("status").asText()).isEqualTo("DRIFT_LEFT");
        assertThat(out.path("failedShards").asInt()).isZero();
        assertThat(out.path("driftLeft").asLong()).isEqualTo(1);
        assertThat(store.saved.getFirst().status()).isEqualTo(ReconcileRun.Status.DRIFT_LEFT);
    }

    @Test
    void shouldLogTheRunsMetricsInEmbeddedMetricFormat() {
        planned(3);
        ReconcileCounts deferred = new ReconcileCounts(10, 2, 0, 0, 1, 1, 0, 0, 0, 250);

        ended(0, SHARD_0);
        ended(2, deferred);

        handler.handle(payload());

        JsonNode line = metricsLine();
        JsonNode directive = line.path("_aws").path("CloudWatchMetrics").path(0);
        assertThat(line.path("_aws").path("Timestamp").isIntegralNumber()).isTrue();
        assertThat(line.path("_aws").path("Timestamp").asLong()).isEqualTo(NOW.toEpochMilli());
        assertThat(directive.path("Namespace").asText()).isEqualTo(ReconcileMetrics.NAMESPACE);
        assertThat(directive.path("Dimensions")).isEqualTo(Json.parse("[[\"Stack\"]]"));
        assertThat(line.path(ReconcileMetrics.DIMENSION).asText()).isEqualTo(STACK);
        List<String> declared = new ArrayList<>();
        directive
                .path("Metrics")
                .forEach(metric -> declared.add(metric.path("Name").asText()));
        assertThat(declared).containsExactlyInAnyOrderElementsOf(ReconcileMetrics.ALL);
        for (String name : ReconcileMetrics.ALL) {
            assertThat(line.path(name).isNumber()).as(name).isTrue();
        }
        assertThat(line.path(ReconcileMetrics.IN_SYNC).asLong()).isEqualTo(110);
        assertThat(line.path(ReconcileMetrics.DEFERRED).asLong()).isEqualTo(1);
        assertThat(line.path(ReconcileMetrics.FAILED).asLong())
                .as("the failed shard counts")
                .isEqualTo(1);
        assertThat(line.path(ReconcileMetrics.DRIFT_LEFT).asLong()).isEqualTo(2);
        assertThat(line.path(ReconcileMetrics.BYTES_COPIED).asLong()).isEqualTo(5000);
        assertThat(line.path(ReconcileMetrics.BYTES_MOUNTED).asLong())
                .as("mounted bytes are summed apart from the bytes copied")
                .isEqualTo(30_250);
        Map<String, String> units = new HashMap<>();
        directive
                .path("Metrics")
                .forEach(metric -> units.put(
                        metric.path("Name").asText(), metric.path("Unit").asText()));
        assertThat(units)
                .containsEntry(ReconcileMetrics.BYTES_COPIED, "Bytes")
                .containsEntry(ReconcileMetrics.BYTES_MOUNTED, "Bytes")
                .containsEntry(ReconcileMetrics.IN_SYNC, "Count")
                .containsEntry(ReconcileMetrics.DRIFT_LEFT, "Count");
        assertThat(units.values()).filteredOn("Bytes"::equals).hasSize(2);
    }

    @Test
    void shouldFailNamingThePlanBuildWhenTheRunWasNotRecorded() {
        ended(0, SHARD_0);

        assertThatThrownBy(() -> handler.handle(payload()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("run-1")
                .hasMessageContaining("plan build");
        assertThat(store.saved).isEmpty();
    }

    @Test
    void shouldRefuseAPayloadWithoutTheRunId() {
        planned(1);
        ObjectNode payload = Json.MAPPER.createObjectNode().put("run", "run-1");

        assertThatThrownBy(() -> handler.handle(payload))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("runId");
    }
}
