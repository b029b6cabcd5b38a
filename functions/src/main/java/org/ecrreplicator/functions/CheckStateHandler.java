package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.ecrreplicator.domain.ImageAction;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.state.Decision;
import org.ecrreplicator.domain.state.DigestRemoval;
import org.ecrreplicator.domain.state.TagTransitions;
import org.ecrreplicator.state.StateUpdates;
import org.ecrreplicator.state.TagStateStore;

/**
 * Decides what to do with an event from the per-tag record, taking the lease when the event needs a build.
 *
 * <p>In: {@code {"request":{...},"executionArn":"...","waits":0}}. Out: {@code {"decision":
 * "SKIP_DUPLICATE|SKIP_STALE|WAIT|PROCEED","reason":"...","leaseExpiresAt":"<ISO-8601>"|null}}. Throws {@code
 * LeaseTimeout} instead of a WAIT once {@code waits >= MAX_LEASE_WAITS}, so a redrive re-runs this state.
 */
public final class CheckStateHandler implements RequestStreamHandler {
    private final TagStateStore store;
    private final Duration lease;
    private final int maxLeaseWaits;
    private final Clock clock;
    private final Log log;

    public CheckStateHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public CheckStateHandler(FunctionsConfig config) {
        this(config, Clients.stateStore(config.tableName()), Log.stdout(), Clock.systemUTC());
    }

    CheckStateHandler(FunctionsConfig config, TagStateStore store, Consumer<String> logSink, Clock clock) {
        this.store = store;
        this.lease = config.lease();
        this.maxLeaseWaits = config.maxLeaseWaits();
        this.clock = clock;
        this.log = new Log("check-state", logSink, clock);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        log.begin(context);
        JsonIo.write(output, handle(JsonIo.read(input)));
    }

    JsonNode handle(JsonNode payload) {
        ReplicationRequest request = JsonIo.request(payload);
        String executionArn = JsonIo.text(payload, "executionArn");
        int waits = JsonIo.integer(payload, "waits", 0);
        log.about("imageKey", request.imageKey(), "executionArn", executionArn);
        // A claim that the destination holds a pushed digest is trusted only if no removal of that digest could
        // have taken it away since (decision 0061). Read before the item: the removal, if any, was recorded
        // before its build looked at the source, so before the push this event announces.
        DigestRemoval removal = request.action() == ImageAction.PUSH
                ? store.loadRemoval(request.repository(), request.digest()).orElse(null)
                : null;
        AtomicReference<TagTransitions.Check> decided = new AtomicReference<>();
        StateUpdates.apply(store, request.imageKey(), current -> {
            TagTransitions.Check check =
                    TagTransitions.check(current.orElse(null), request, executionArn, clock.instant(), lease, removal);
            decided.set(check);
            return check.next();
        });
        TagTransitions.Check check = decided.get();
        if (check.decision() == Decision.WAIT && waits >= maxLeaseWaits) {
            String cause = "gave up on " + request.imageKey() + " after " + waits + " waits (MAX_LEASE_WAITS "
                    + maxLeaseWaits + "): " + check.reason()
                    + "; once that execution ends or its lease expires, redrive this execution";
            StateUpdates.apply(
                    store,
                    request.imageKey(),
                    current -> TagTransitions.failed(
                            current.orElse(null),
                            request.imageKey(),
                            executionArn,
                            WorkflowErrors.LEASE_TIMEOUT,
                            cause,
                            clock.instant()));
            log.error("lease wait timed out", "cause", cause);
            throw WorkflowErrors.leaseTimeout(cause);
        }
        log.info(
                "checked",
                "eventId",
                request.eventId(),
                "decision",
                check.decision(),
                "reason",
                check.reason(),
                "waits",
                waits);
        ObjectNode out = JsonIo.object();
        out.put("decision", check.decision().name());
        out.put("reason", check.reason());
        if (check.leaseExpiresAt() == null) {
            out.putNull("leaseExpiresAt");
        } else {
            out.put("leaseExpiresAt", check.leaseExpiresAt().toString());
        }
        return out;
    }
}
