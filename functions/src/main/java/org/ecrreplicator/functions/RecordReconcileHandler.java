package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.ecrreplicator.domain.contract.ReconcileMetrics;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.state.DynamoReconcileStore;
import org.ecrreplicator.state.ReconcileStore;

/**
 * Ends a reconcile run (decision 0068): sums the shards' counts, records the run in the state table (under its
 * id and as the latest) and publishes the run's metrics as one log line in CloudWatch embedded metric format.
 *
 * <p>In: {@code {"runId"}}. Out: {@code
 * {"runId","status":"IN_SYNC|DRIFT_LEFT","shards","failedShards","driftLeft","counts":{...}}}.
 */
public final class RecordReconcileHandler implements RequestStreamHandler {
    private final FunctionsConfig config;
    private final ReconcileStore store;
    private final Clock clock;
    private final Log log;

    public RecordReconcileHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public RecordReconcileHandler(FunctionsConfig config) {
        this(config, new DynamoReconcileStore(Clients.dynamoDb(), config.tableName()), Log.stdout(), Clock.systemUTC());
    }

    RecordReconcileHandler(FunctionsConfig config, ReconcileStore store, Consumer<String> logSink, Clock clock) {
        config.stackName();
        this.config = config;
        this.store = store;
        this.clock = clock;
        this.log = new Log("record-reconcile", logSink, clock);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        log.begin(context);
        JsonIo.write(output, handle(JsonIo.read(input)));
    }

    JsonNode handle(JsonNode payload) {
        String runId = JsonIo.text(payload, "runId");
        log.about("runId", runId);
        ReconcileRun started = store.loadRun(runId)
                .orElseThrow(() -> new IllegalStateException("reconcile run " + runId + " is not in the state table:"
                        + " its plan build did not record it, or the record expired"));
        // The shards' counts come from the state table, where each shard build wrote them: the Map keeps no
        // results, so its output does not grow with the number of shards (Step Functions' 256 KiB limit).
        ReconcileCounts total = ReconcileCounts.NONE;
        int failed = 0;
        List<Optional<ReconcileCounts>> shards = store.shardCounts(runId, started.shards());
        for (int shard = 0; shard < shards.size(); shard++) {
            if (shards.get(shard).isEmpty()) {
                failed++;
                log.warn(
                        "shard failed",
                        "shard",
                        Integer.toString(shard),
                        "reason",
                        "its build recorded no counts: it failed after its retries (the execution's history has the"
                                + " error and the build log the cause)");
            } else {
                total = total.plus(shards.get(shard).get());
            }
        }
        Instant now = clock.instant();
        ReconcileRun ended = started.ended(now, failed, total);
        store.saveRun(ended, now.plus(Duration.ofDays(config.historyTtlDays())));
        long driftLeft = total.driftLeft() + failed;
        publish(ended, driftLeft);

        ObjectNode out = JsonIo.object();
        out.put("runId", runId);
        out.put("status", ended.status().name());
        out.put("shards", ended.shards());
        out.put("failedShards", failed);
        out.put("driftLeft", driftLeft);
        ObjectNode counts = out.putObject("counts");
        total.asMap().forEach(counts::put);
        return out;
    }

    private static ReconcileCounts counts(JsonNode node) {
        Map<String, Long> map = new LinkedHashMap<>();
        node.properties()
                .forEach(field -> map.put(field.getKey(), field.getValue().asLong()));
        return ReconcileCounts.fromMap(map);
    }

    /** One embedded-metric-format line: CloudWatch Logs turns it into metrics, no PutMetricData needed. */
    private void publish(ReconcileRun run, long driftLeft) {
        ReconcileCounts counts = run.counts();
        Map<String, Long> values = new LinkedHashMap<>();
        values.put(ReconcileMetrics.IN_SYNC, counts.inSync());
        values.put(ReconcileMetrics.MISSING, counts.missing());
        values.put(ReconcileMetrics.STALE, counts.stale());
        values.put(ReconcileMetrics.EXTRA, counts.extra());
        values.put(ReconcileMetrics.REPAIRED, counts.repaired());
        values.put(ReconcileMetrics.DEFERRED, counts.deferred());
        values.put(ReconcileMetrics.FAILED, counts.failed() + run.failedShards());
        values.put(ReconcileMetrics.BYTES_COPIED, counts.bytesCopied());
        values.put(ReconcileMetrics.BYTES_MOUNTED, counts.bytesMounted());
        values.put(ReconcileMetrics.DRIFT_LEFT, driftLeft);
        ObjectNode line = log.line("INFO", "reconcile run ended");
        line.put("status", run.status().name());
        line.put(ReconcileMetrics.DIMENSION, config.stackName());
        values.forEach(line::put);
        ObjectNode aws = line.putObject("_aws");
        aws.put("Timestamp", clock.millis());
        ObjectNode directive = aws.putArray("CloudWatchMetrics").addObject();
        directive.put("Namespace", ReconcileMetrics.NAMESPACE);
        directive.putArray("Dimensions").addArray().add(ReconcileMetrics.DIMENSION);
        ArrayNode metrics = directive.putArray("Metrics");
        for (String name : values.keySet()) {
            metrics.addObject().put("Name", name).put("Unit", bytes(name) ? "Bytes" : "Count");
        }
        log.write(line);
    }

    private static boolean bytes(String metric) {
        return metric.equals(ReconcileMetrics.BYTES_COPIED) || metric.equals(ReconcileMetrics.BYTES_MOUNTED);
    }
}
