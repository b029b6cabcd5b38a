package org.ecrreplicator.state;

import java.time.Instant;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.state.DigestRemoval;
import org.ecrreplicator.domain.state.TagState;

/** Read, apply a pure transition, write conditionally; on a conflict read again and re-decide. */
public final class StateUpdates {
    private static final int ATTEMPTS = 8;

    private StateUpdates() {}

    /**
     * @param transition from the stored state (empty when none) to the state to write, or the same instance
     *     (or null) when nothing changes
     * @return the state that was written, or the unchanged stored state
     */
    public static TagState apply(
            TagStateStore store, String imageKey, Function<Optional<TagState>, TagState> transition) {
        return loop(imageKey, () -> store.load(imageKey), transition, store::save);
    }

    /**
     * The same for the removal record of {@code digest} in {@code repository}; the transition gets {@link
     * DigestRemoval#none} when nothing is stored yet. Written records expire at {@code expiresAt}.
     */
    public static DigestRemoval applyRemoval(
            TagStateStore store,
            String repository,
            Digest digest,
            Instant expiresAt,
            Function<DigestRemoval, DigestRemoval> transition) {
        return loop(
                org.ecrreplicator.domain.state.StateTable.removalKey(repository, digest),
                () -> store.loadRemoval(repository, digest),
                current -> {
                    DigestRemoval before = current.orElse(DigestRemoval.none(repository, digest));
                    DigestRemoval after = transition.apply(before);
                    return after == before ? current.orElse(null) : after;
                },
                next -> store.saveRemoval(next, expiresAt));
    }

    private static <T> T loop(
            String key, Supplier<Optional<T>> load, Function<Optional<T>, T> transition, Consumer<T> save) {
        TagStateStore.ConflictException last = null;
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            Optional<T> current = load.get();
            T next = transition.apply(current);
            if (next == null || (current.isPresent() && next == current.get())) {
                return next;
            }
            try {
                save.accept(next);
                return next;
            } catch (TagStateStore.ConflictException e) {
                last = e;
            }
        }
        throw new IllegalStateException(
                "the state of " + key + " kept changing during " + ATTEMPTS + " attempts to update it", last);
    }
}
