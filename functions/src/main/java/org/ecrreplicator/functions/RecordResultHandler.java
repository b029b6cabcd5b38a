package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageAction;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.state.DigestRemoval;
import org.ecrreplicator.domain.state.Outcome;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagTransitions;
import org.ecrreplicator.state.StateUpdates;
import org.ecrreplicator.state.TagStateStore;

/**
 * Stores a finished build's result on the per-tag item (digest, time, build id), releases the lease if this
 * execution holds it, and appends a history row that expires after HISTORY_TTL_DAYS.
 *
 * <p>When a removal of the copied digest overlapped the build (a delete by digest, or a tag delete on a
 * registry that cannot untag, running at the same time), the destination may have lost what the build put
 * there, and no later event would say so: the request is queued again, as a re-check with a new event id, and
 * its build converges the tag on the source once more (decision 0061).
 *
 * <p>In: {@code {"request":{...},"executionArn","build":{task result}}}. Out: {@code {"outcome":"replicated|unchanged|
 * kept|deleted|nothing to delete|source gone","imageKey","digest","buildId","referrersCopied","referrersSkipped"}}.
 */
public final class RecordResultHandler implements RequestStreamHandler {
    static final String RECHECK_PREFIX = "recheck-";

    /** Re-checks of one event at most: each costs a build, and reconcile repairs what they leave. */
    static final int MAX_RECHECKS = 3;

    private final TagStateStore store;
    private final Duration historyTtl;
    private final Duration lease;
    private final Consumer<ReplicationRequest> recheck;
    private final Clock clock;
    private final Log log;

    public RecordResultHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public RecordResultHandler(FunctionsConfig config) {
        this(
                config,
                Clients.stateStore(config.tableName()),
                queue(config, Clients.sqs()),
                Log.stdout(),
                Clock.systemUTC());
    }

    RecordResultHandler(
            FunctionsConfig config,
            TagStateStore store,
            Consumer<ReplicationRequest> recheck,
            Consumer<String> logSink,
            Clock clock) {
        this.store = store;
        this.recheck = recheck;
        this.historyTtl = Duration.ofDays(config.historyTtlDays());
        this.lease = config.lease();
        this.clock = clock;
        this.log = new Log("record-result", logSink, clock);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        log.begin(context);
        JsonIo.write(output, handle(JsonIo.read(input)));
    }

    JsonNode handle(JsonNode payload) {
        ReplicationRequest request = JsonIo.request(payload);
        String executionArn = JsonIo.text(payload, "executionArn");
        log.about("imageKey", request.imageKey(), "executionArn", executionArn);
        JsonNode build = payload.get("build");
        if (build == null || !build.isObject()) {
            throw new IllegalArgumentException("payload field 'build' is missing: pass StartBuild's task result"
                    + " (what Completion sent with SendTaskSuccess)");
        }
        Outcome outcome = Outcome.parse(JsonIo.text(build, "outcome"));
        String digestText = JsonIo.optionalText(build, "digest");
        Digest digest = digestText == null ? null : Digest.parse(digestText);
        String buildId = JsonIo.text(build, "buildId");
        String removedText = JsonIo.optionalText(build, "removedDigest");
        Digest removed = removedText == null ? null : Digest.parse(removedText);
        TagState recorded = StateUpdates.apply(
                store,
                request.imageKey(),
                current -> TagTransitions.recorded(
                        current.orElse(null), request, executionArn, outcome, digest, buildId, clock.instant()));
        recordRemovals(request, executionArn, removed);
        if (outcome.holdsSourceImage() && digest != null) {
            recheckIfRemovalOverlapped(request, recorded, digest);
        }
        store.appendHistory(
                recorded, executionArn, outcome.name(), clock.instant().plus(historyTtl));
        log.info("result recorded", "outcome", outcome, "digest", digest, "buildId", buildId);
        ObjectNode out = JsonIo.object();
        out.put("outcome", outcome.label());
        out.put("imageKey", request.imageKey());
        if (digest == null) {
            out.putNull("digest");
        } else {
            out.put("digest", digest.toString());
        }
        out.put("buildId", buildId);
        out.put("referrersCopied", build.path("referrersCopied").asLong(0));
        out.put("referrersSkipped", build.path("referrersSkipped").asLong(0));
        return out;
    }

    private void recheckIfRemovalOverlapped(ReplicationRequest request, TagState recorded, Digest digest) {
        DigestRemoval removal = store.loadRemoval(request.repository(), digest).orElse(null);
        if (removal == null || removal.trusts(recorded.syncedAt(), clock.instant(), lease)) {
            return;
        }
        int depth = recheckDepth(request.eventId());
        if (depth >= MAX_RECHECKS) {
            // A removal that keeps overlapping (a stuck one ages out with its lease): no endless loop of builds.
            log.warn(
                    "a removal of the digest overlapped this re-check too: left to the next event or reconcile",
                    "digest",
                    digest,
                    "rechecks",
                    depth);
            return;
        }
        Instant now = clock.instant();
        ReplicationRequest again = new ReplicationRequest(
                request.repository(),
                request.tag(),
                digest,
                ImageAction.PUSH,
                now,
                RECHECK_PREFIX + (depth + 1) + "-"
                        + org.ecrreplicator.domain.Sha256.hex(request.eventId() + "@" + now)
                                .substring(0, 32),
                request.sourceRegistry());
        recheck.accept(again);
        log.warn(
                "a removal of the digest overlapped this build: queued a re-check",
                "digest",
                digest,
                "recheckEventId",
                again.eventId());
    }

    /** How many re-checks led to this request: {@code recheck-<n>-<hash>} is the n-th; any other event is 0. */
    static int recheckDepth(String eventId) {
        if (!eventId.startsWith(RECHECK_PREFIX)) {
            return 0;
        }
        int dash = eventId.indexOf('-', RECHECK_PREFIX.length());
        try {
            return Integer.parseInt(eventId.substring(RECHECK_PREFIX.length(), dash));
        } catch (RuntimeException e) {
            return MAX_RECHECKS;
        }
    }

    /** Sends re-checks to the replication queue, as Enqueue sends events (group = image key). */
    private static Consumer<ReplicationRequest> queue(
            FunctionsConfig config, software.amazon.awssdk.services.sqs.SqsClient sqs) {
        return request -> sqs.sendMessage(message -> message.queueUrl(config.queueUrl())
                .messageBody(request.toJson())
                .messageGroupId(request.messageGroupId())
                .messageDeduplicationId(request.eventId()));
    }

    /**
     * Ends the removal StartBuild recorded for this execution, and records the removal of the digest the build
     * deleted, if any: claims on that digest made before now are no longer trusted (decision 0061).
     */
    private void recordRemovals(ReplicationRequest request, String executionArn, Digest removed) {
        Instant expiresAt = clock.instant().plus(historyTtl);
        if (removed != null) {
            StateUpdates.applyRemoval(
                    store,
                    request.repository(),
                    removed,
                    expiresAt,
                    current -> DigestRemoval.finished(current, executionArn, true, clock.instant(), lease));
        }
        boolean announced = request.tag() == null || request.action() == ImageAction.DELETE;
        if (announced && !request.digest().equals(removed)) {
            StateUpdates.applyRemoval(
                    store,
                    request.repository(),
                    request.digest(),
                    expiresAt,
                    current -> DigestRemoval.finished(current, executionArn, false, clock.instant(), lease));
        }
    }
}
