package org.ecrreplicator.domain.state;

import java.time.Instant;
import java.util.Objects;
import org.ecrreplicator.domain.Digest;

/**
 * The per-tag record (one item per image key in the state table). Immutable: every transition in {@link
 * TagTransitions} returns a new state with {@code version + 1}, and the store writes it only if the stored
 * version is still the one read, so concurrent executions never overwrite each other.
 *
 * @param version 0 for a state not yet stored
 * @param lastSeen the newest event any execution has checked for this key
 * @param lastSeenDigest the digest that event named
 * @param applied the newest event whose result is on the destination (or found to be there already)
 * @param replicatedDigest what the destination holds for this key, as the last build reported; null if unknown
 *     or deleted
 * @param destinationDeleted true when the last applied action left nothing at the destination
 * @param attemptStartedAt when the current build attempt was about to start its build: its copy resolves the
 *     source tag later than this
 * @param syncedAt the start of the last attempt whose copy replicated: the destination reflects every change the
 *     source had before it, so older events need no build
 * @param lease null when no execution holds it
 * @param taskTokenHash sha256 of the Step Functions task token of the attempt that started {@code buildId}
 * @param failedExecution the execution that recorded {@code error}
 */
public record TagState(
        String imageKey,
        long version,
        EventMark lastSeen,
        Digest lastSeenDigest,
        EventMark applied,
        Digest replicatedDigest,
        Instant replicatedAt,
        boolean destinationDeleted,
        Instant attemptStartedAt,
        Instant syncedAt,
        TagStatus status,
        Lease lease,
        String buildId,
        String taskTokenHash,
        String error,
        String cause,
        String failedExecution,
        Instant updatedAt) {

    public TagState {
        Objects.requireNonNull(imageKey, "imageKey");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if (version < 0) {
            throw new IllegalArgumentException("version must not be negative");
        }
    }

    /** A state for a key never seen before; {@link TagTransitions} fills it in. */
    public static TagState initial(String imageKey, Instant now) {
        return new TagState(
                imageKey,
                0,
                null,
                null,
                null,
                null,
                null,
                false,
                null,
                null,
                TagStatus.LEASED,
                null,
                null,
                null,
                null,
                null,
                null,
                now);
    }

    public boolean isStored() {
        return version > 0;
    }

    public Builder next(Instant now) {
        return new Builder(this).version(version + 1).updatedAt(now);
    }

    /** A copy with changes; used by the transitions and by stores mapping items. */
    public static final class Builder {
        private String imageKey;
        private long version;
        private EventMark lastSeen;
        private Digest lastSeenDigest;
        private EventMark applied;
        private Digest replicatedDigest;
        private Instant replicatedAt;
        private boolean destinationDeleted;
        private Instant attemptStartedAt;
        private Instant syncedAt;
        private TagStatus status;
        private Lease lease;
        private String buildId;
        private String taskTokenHash;
        private String error;
        private String cause;
        private String failedExecution;
        private Instant updatedAt;

        public Builder(String imageKey) {
            this.imageKey = imageKey;
            this.status = TagStatus.LEASED;
        }

        Builder(TagState state) {
            imageKey = state.imageKey;
            version = state.version;
            lastSeen = state.lastSeen;
            lastSeenDigest = state.lastSeenDigest;
            applied = state.applied;
            replicatedDigest = state.replicatedDigest;
            replicatedAt = state.replicatedAt;
            destinationDeleted = state.destinationDeleted;
            attemptStartedAt = state.attemptStartedAt;
            syncedAt = state.syncedAt;
            status = state.status;
            lease = state.lease;
            buildId = state.buildId;
            taskTokenHash = state.taskTokenHash;
            error = state.error;
            cause = state.cause;
            failedExecution = state.failedExecution;
            updatedAt = state.updatedAt;
        }

        public Builder version(long value) {
            version = value;
            return this;
        }

        public Builder lastSeen(EventMark value, Digest digest) {
            lastSeen = value;
            lastSeenDigest = digest;
            return this;
        }

        public Builder applied(EventMark value) {
            applied = value;
            return this;
        }

        public Builder replicated(Digest digest, Instant at, boolean deleted) {
            replicatedDigest = digest;
            replicatedAt = at;
            destinationDeleted = deleted;
            return this;
        }

        public Builder attemptStarted(Instant value) {
            attemptStartedAt = value;
            return this;
        }

        public Builder synced(Instant value) {
            syncedAt = value;
            return this;
        }

        public Builder status(TagStatus value) {
            status = value;
            return this;
        }

        public Builder lease(Lease value) {
            lease = value;
            return this;
        }

        public Builder build(String id, String tokenHash) {
            buildId = id;
            taskTokenHash = tokenHash;
            return this;
        }

        public Builder error(String errorName, String errorCause, String execution) {
            error = errorName;
            cause = errorCause;
            failedExecution = execution;
            return this;
        }

        public Builder updatedAt(Instant value) {
            updatedAt = value;
            return this;
        }

        public TagState done() {
            return new TagState(
                    imageKey,
                    version,
                    lastSeen,
                    lastSeenDigest,
                    applied,
                    replicatedDigest,
                    replicatedAt,
                    destinationDeleted,
                    attemptStartedAt,
                    syncedAt,
                    status,
                    lease,
                    buildId,
                    taskTokenHash,
                    error,
                    cause,
                    failedExecution,
                    updatedAt);
        }
    }
}
