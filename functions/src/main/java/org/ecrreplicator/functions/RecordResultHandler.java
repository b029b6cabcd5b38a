package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.state.Outcome;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagTransitions;

/**
 * Stores a finished build's result on the per-tag item (digest, time, build id), releases the lease if this
 * execution holds it, and appends a history row that expires after HISTORY_TTL_DAYS.
 *
 * <p>In: {@code {"request":{...},"executionArn","build":{task result}}}. Out: {@code {"outcome":"replicated|deleted|
 * source gone|nothing to delete","imageKey","digest","buildId"}}.
 */
public final class RecordResultHandler implements RequestStreamHandler {
    private final TagStateStore store;
    private final Duration historyTtl;
    private final Clock clock;
    private final Log log;

    public RecordResultHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public RecordResultHandler(FunctionsConfig config) {
        this(config, DynamoTagStateStore.forTable(config.tableName()), Log.stdout(), Clock.systemUTC());
    }

    RecordResultHandler(FunctionsConfig config, TagStateStore store, Consumer<String> logSink, Clock clock) {
        this.store = store;
        this.historyTtl = Duration.ofDays(config.historyTtlDays());
        this.clock = clock;
        this.log = new Log("record-result", logSink, clock);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        JsonIo.write(output, handle(JsonIo.read(input)));
    }

    JsonNode handle(JsonNode payload) {
        ReplicationRequest request = JsonIo.request(payload);
        String executionArn = JsonIo.text(payload, "executionArn");
        JsonNode build = payload.get("build");
        if (build == null || !build.isObject()) {
            throw new IllegalArgumentException("payload field 'build' is missing: pass StartBuild's task result"
                    + " (what Completion sent with SendTaskSuccess)");
        }
        Outcome outcome = Outcome.parse(JsonIo.text(build, "outcome"));
        String digestText = JsonIo.optionalText(build, "digest");
        Digest digest = digestText == null ? null : Digest.parse(digestText);
        String buildId = JsonIo.text(build, "buildId");
        TagState recorded = StateUpdates.apply(
                store,
                request.imageKey(),
                current -> TagTransitions.recorded(
                        current.orElse(null), request, executionArn, outcome, digest, buildId, clock.instant()));
        store.appendHistory(
                recorded, executionArn, outcome.name(), clock.instant().plus(historyTtl));
        log.info(
                "result recorded",
                "imageKey",
                request.imageKey(),
                "executionArn",
                executionArn,
                "outcome",
                outcome,
                "digest",
                digest,
                "buildId",
                buildId);
        ObjectNode out = JsonIo.object();
        out.put("outcome", outcome.label());
        out.put("imageKey", request.imageKey());
        if (digest == null) {
            out.putNull("digest");
        } else {
            out.put("digest", digest.toString());
        }
        out.put("buildId", buildId);
        return out;
    }
}
