package org.ecrreplicator.worker.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.ecrreplicator.domain.state.LeaseHeldException;
import org.ecrreplicator.domain.state.Outcome;
import org.ecrreplicator.domain.state.TagTransitions;
import org.ecrreplicator.state.StateUpdates;
import org.ecrreplicator.state.TagStateStore;
import org.ecrreplicator.worker.engine.sync.Syncer;
import org.ecrreplicator.worker.engine.sync.TagAction;
import org.ecrreplicator.worker.engine.sync.TagDifference;

/**
 * The reconcile's side of the per-tag leases (decision 0068): a tag is repaired only under its lease, and a tag
 * an event execution holds is left to it. Repositories are named as the source names them (the reconcile
 * compares whole registries), which is how the event path keys its items.
 *
 * @param owner this shard's lease owner
 * @param buildId the shard's build, recorded on each item it repairs
 */
public record LeaseGuard(TagStateStore store, String owner, String buildId, Duration lease, Clock clock)
        implements Syncer.Guard {
    /** The error a tag the reconcile could not repair records. */
    public static final String RECONCILE_FAILED = "ReconcileFailed";

    @Override
    public String admit(TagDifference difference) {
        String key = key(difference);
        try {
            StateUpdates.apply(
                    store,
                    key,
                    current -> TagTransitions.leaseForReconcile(
                            current.orElse(null), key, owner, buildId, clock.instant(), lease));
            return null;
        } catch (LeaseHeldException e) {
            return e.getMessage();
        }
    }

    @Override
    public void release(TagAction action) {
        String key = key(action.difference());
        StateUpdates.apply(store, key, current -> record(current, key, action));
    }

    private org.ecrreplicator.domain.state.TagState record(
            Optional<org.ecrreplicator.domain.state.TagState> current, String key, TagAction action) {
        if (current.isEmpty()) {
            return null;
        }
        return switch (action.outcome()) {
            case COPIED ->
                TagTransitions.reconciled(
                        current.get(), owner, Outcome.REPLICATED, action.digest(), buildId, clock.instant());
            case DELETED ->
                TagTransitions.reconciled(current.get(), owner, Outcome.DELETED, null, buildId, clock.instant());
            case FAILED ->
                current.get().lease() != null && current.get().lease().heldBy(owner)
                        ? TagTransitions.failed(
                                current.get(), key, owner, RECONCILE_FAILED, action.error(), clock.instant())
                        : null;
            case WOULD_COPY, WOULD_DELETE, DEFERRED -> null;
        };
    }

    static String key(TagDifference difference) {
        return difference.repository() + ":" + difference.tag();
    }
}
