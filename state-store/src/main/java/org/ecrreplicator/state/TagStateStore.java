package org.ecrreplicator.state;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.state.DigestRemoval;
import org.ecrreplicator.domain.state.TagState;

/**
 * Persistence of the per-tag state and of digest removals; every write is conditional on the version read. The
 * functions write through it; operator commands read through it.
 */
public interface TagStateStore {
    /** The per-tag item of {@code imageKey} ({@code repo:tag} or {@code repo@digest}), read consistently. */
    Optional<TagState> load(String imageKey);

    /**
     * Every per-tag item (history rows and removal records left out), read with a paginated scan of {@code
     * pageSize} items a page: eventually consistent, as a look at the whole table may be.
     */
    List<TagState> scanTags(int pageSize);

    /**
     * Writes {@code next} if the stored version is still {@code next.version() - 1} (or absent, for version 1).
     *
     * @throws ConflictException when another writer got there first
     */
    void save(TagState next);

    Optional<DigestRemoval> loadRemoval(String repository, Digest digest);

    /**
     * Writes the removal record if its stored version is still {@code next.version() - 1}; it expires at
     * {@code expiresAt}.
     *
     * @throws ConflictException when another writer got there first
     */
    void saveRemoval(DigestRemoval next, Instant expiresAt);

    /** Appends a write-once history row that expires at {@code expiresAt}; a repeated append is a no-op. */
    void appendHistory(TagState state, String executionArn, String outcome, Instant expiresAt);

    /** Another execution changed the item between our read and our write. */
    final class ConflictException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ConflictException(String key) {
            super("the state of " + key + " changed while it was being updated");
        }
    }
}
