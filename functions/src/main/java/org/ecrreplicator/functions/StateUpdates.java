package org.ecrreplicator.functions;

import java.util.Optional;
import java.util.function.Function;
import org.ecrreplicator.domain.state.TagState;

/** Read, apply a pure transition, write conditionally; on a conflict read again and re-decide. */
final class StateUpdates {
    private static final int ATTEMPTS = 8;

    private StateUpdates() {}

    /**
     * @param transition from the stored state (empty when none) to the state to write, or the same instance
     *     (or null) when nothing changes
     * @return the state that was written, or the unchanged stored state
     */
    static TagState apply(TagStateStore store, String imageKey, Function<Optional<TagState>, TagState> transition) {
        TagStateStore.ConflictException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<TagState> current = store.load(imageKey);
            TagState next = transition.apply(current);
            if (next == null || (current.isPresent() && next == current.get())) {
                return next;
            }
            try {
                store.save(next);
                return next;
            } catch (TagStateStore.ConflictException e) {
                last = e;
            }
        }
        throw new IllegalStateException(
                "the state of " + imageKey + " kept changing during " + ATTEMPTS + " attempts to update it", last);
    }
}
