package org.ecrreplicator.domain.state;

import java.time.Instant;
import java.util.Objects;

/** A per-tag lease: the execution that may run a build for the tag, until {@code expiresAt}. */
public record Lease(String owner, Instant expiresAt) {
    public Lease {
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(expiresAt, "expiresAt");
    }

    public boolean heldBy(String executionArn) {
        return owner.equals(executionArn);
    }

    public boolean isActiveAt(Instant now) {
        return expiresAt.isAfter(now);
    }

    /** True when another execution holds a lease that has not expired: the caller must wait. */
    public boolean blocks(String executionArn, Instant now) {
        return !heldBy(executionArn) && isActiveAt(now);
    }
}
