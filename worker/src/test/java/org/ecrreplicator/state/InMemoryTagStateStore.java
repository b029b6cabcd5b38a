package org.ecrreplicator.state;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.state.DigestRemoval;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.domain.state.TagState;

/**
 * A {@link TagStateStore} in memory, with the conditional writes of the real one: a write succeeds only when the
 * stored version is the one the writer read ({@link ConflictException} otherwise). In this package so that it
 * can throw that exception as the DynamoDB store does.
 */
public final class InMemoryTagStateStore implements TagStateStore {
    private final Map<String, TagState> tags = new ConcurrentHashMap<>();
    private final Map<String, DigestRemoval> removals = new ConcurrentHashMap<>();
    private final List<TagState> saved = new CopyOnWriteArrayList<>();
    private volatile Consumer<TagState> beforeSave = next -> {};

    /** Stores {@code state} as it is, as if another writer had written it. */
    public void put(TagState state) {
        tags.put(state.imageKey(), state);
    }

    /** Runs before each save's version check: a test writes there as a concurrent execution would. */
    public void beforeSave(Consumer<TagState> action) {
        beforeSave = action;
    }

    /** Every state written through {@link #save}, in order. */
    public List<TagState> saved() {
        return List.copyOf(saved);
    }

    @Override
    public Optional<TagState> load(String imageKey) {
        return Optional.ofNullable(tags.get(imageKey));
    }

    @Override
    public List<TagState> scanTags(int pageSize) {
        return new ArrayList<>(tags.values());
    }

    @Override
    public synchronized void save(TagState next) {
        beforeSave.accept(next);
        TagState stored = tags.get(next.imageKey());
        long storedVersion = stored == null ? 0 : stored.version();
        if (storedVersion != next.version() - 1) {
            throw new ConflictException(next.imageKey());
        }
        tags.put(next.imageKey(), next);
        saved.add(next);
    }

    @Override
    public Optional<DigestRemoval> loadRemoval(String repository, Digest digest) {
        return Optional.ofNullable(removals.get(StateTable.removalKey(repository, digest)));
    }

    @Override
    public synchronized void saveRemoval(DigestRemoval next, Instant expiresAt) {
        String key = StateTable.removalKey(next.repository(), next.digest());
        DigestRemoval stored = removals.get(key);
        long storedVersion = stored == null ? 0 : stored.version();
        if (storedVersion != next.version() - 1) {
            throw new ConflictException(key);
        }
        removals.put(key, next);
    }

    @Override
    public void appendHistory(TagState state, String executionArn, String outcome, Instant expiresAt) {}
}
