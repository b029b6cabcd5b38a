package org.ecrreplicator.state;

import static org.ecrreplicator.domain.state.StateTable.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.domain.state.StateTable;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** {@link ReconcileStore} on the state table; items of kind RECONCILE_RUN and RECONCILE_SHARD. */
public final class DynamoReconcileStore implements ReconcileStore {
    static final String RUN_KIND = "RECONCILE_RUN";
    static final String SHARD_KIND = "RECONCILE_SHARD";

    private final DynamoDbClient dynamo;
    private final String table;

    /** The caller owns {@code dynamo}. */
    public DynamoReconcileStore(DynamoDbClient dynamo, String table) {
        this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public void savePlan(ReconcileRun run, List<List<String>> shards, Instant expiresAt) {
        for (int shard = 0; shard < shards.size(); shard++) {
            Map<String, AttributeValue> item = new HashMap<>();
            item.put(KEY, s(reconcileShardKey(run.runId(), shard)));
            item.put(KIND, s(SHARD_KIND));
            item.put(RUN_ID, s(run.runId()));
            item.put(TTL, n(expiresAt.getEpochSecond()));
            // A list, not a string set: an empty shard cannot occur, but order is kept for the log.
            item.put(
                    REPOSITORIES,
                    AttributeValue.fromL(shards.get(shard).stream()
                            .map(AttributeValue::fromS)
                            .toList()));
            dynamo.putItem(put -> put.tableName(table).item(item));
        }
        saveRun(run, expiresAt);
    }

    @Override
    public List<String> shardRepositories(String runId, int shard) {
        Map<String, AttributeValue> item = get(reconcileShardKey(runId, shard))
                .orElseThrow(() -> new IllegalStateException("reconcile run " + runId + " has no shard " + shard
                        + " in the state table: the plan build did not write it, or it expired"));
        return item.get(REPOSITORIES).l().stream().map(AttributeValue::s).toList();
    }

    @Override
    public void saveShardCounts(String runId, int shard, ReconcileCounts counts) {
        dynamo.updateItem(update -> update.tableName(table)
                .key(Map.of(KEY, s(reconcileShardKey(runId, shard))))
                .updateExpression("SET #counts = :counts")
                .conditionExpression("attribute_exists(#key)")
                .expressionAttributeNames(Map.of("#counts", COUNTS, "#key", KEY))
                .expressionAttributeValues(Map.of(":counts", counts(counts))));
    }

    @Override
    public List<Optional<ReconcileCounts>> shardCounts(String runId, int shards) {
        List<Optional<ReconcileCounts>> all = new ArrayList<>();
        for (int shard = 0; shard < shards; shard++) {
            all.add(get(reconcileShardKey(runId, shard))
                    .filter(item -> item.containsKey(COUNTS))
                    .map(item -> counts(item.get(COUNTS))));
        }
        return all;
    }

    @Override
    public void saveRun(ReconcileRun run, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KIND, s(RUN_KIND));
        item.put(RUN_ID, s(run.runId()));
        item.put(STATUS, s(run.status().name()));
        item.put(PREFIX, s(run.prefix()));
        item.put(STARTED_AT, s(run.startedAt().toString()));
        if (run.endedAt() != null) {
            item.put(ENDED_AT, s(run.endedAt().toString()));
        }
        item.put(SHARDS, n(run.shards()));
        item.put(FAILED_SHARDS, n(run.failedShards()));
        item.put(COUNTS, counts(run.counts()));
        item.put(TTL, n(expiresAt.getEpochSecond()));
        Map<String, AttributeValue> own = new HashMap<>(item);
        own.put(KEY, s(reconcileRunKey(run.runId())));
        dynamo.putItem(put -> put.tableName(table).item(own));
        Map<String, AttributeValue> latest = new HashMap<>(item);
        latest.put(KEY, s(RECONCILE_LATEST));
        latest.remove(TTL);
        // Only a run that started no earlier replaces the latest: an old run ending late must not hide a newer one.
        try {
            dynamo.putItem(put -> put.tableName(table)
                    .item(latest)
                    .conditionExpression("attribute_not_exists(#key) OR #started <= :started")
                    .expressionAttributeNames(Map.of("#key", KEY, "#started", STARTED_AT))
                    .expressionAttributeValues(
                            Map.of(":started", s(run.startedAt().toString()))));
        } catch (software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException newer) {
            // A newer run is the latest already.
        }
    }

    @Override
    public Optional<ReconcileRun> loadRun(String runId) {
        return get(reconcileRunKey(runId)).map(DynamoReconcileStore::run);
    }

    @Override
    public Optional<ReconcileRun> latest() {
        return get(StateTable.RECONCILE_LATEST).map(DynamoReconcileStore::run);
    }

    private Optional<Map<String, AttributeValue>> get(String key) {
        Map<String, AttributeValue> item = dynamo.getItem(request ->
                        request.tableName(table).key(Map.of(KEY, s(key))).consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }

    private static ReconcileRun run(Map<String, AttributeValue> item) {
        return new ReconcileRun(
                item.get(RUN_ID).s(),
                ReconcileRun.Status.valueOf(item.get(STATUS).s()),
                item.containsKey(PREFIX) ? item.get(PREFIX).s() : "",
                Instant.parse(item.get(STARTED_AT).s()),
                item.containsKey(ENDED_AT) ? Instant.parse(item.get(ENDED_AT).s()) : null,
                Integer.parseInt(item.get(SHARDS).n()),
                Integer.parseInt(item.get(FAILED_SHARDS).n()),
                item.containsKey(COUNTS) ? counts(item.get(COUNTS)) : ReconcileCounts.NONE);
    }

    private static AttributeValue counts(ReconcileCounts counts) {
        Map<String, AttributeValue> map = new LinkedHashMap<>();
        counts.asMap().forEach((name, value) -> map.put(name, n(value)));
        return AttributeValue.fromM(map);
    }

    private static ReconcileCounts counts(AttributeValue value) {
        Map<String, Long> map = new LinkedHashMap<>();
        value.m().forEach((name, count) -> map.put(name, Long.parseLong(count.n())));
        return ReconcileCounts.fromMap(map);
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
