package org.ecrreplicator.domain.state;

import java.time.Instant;

/** Another execution holds an unexpired lease on the tag. */
public class LeaseHeldException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final String owner;
    private final Instant expiresAt;

    public LeaseHeldException(String imageKey, Lease lease) {
        super("the lease on " + imageKey + " is held by " + lease.owner() + " until " + lease.expiresAt()
                + "; wait for that execution to finish or for the lease to expire, then redrive");
        this.owner = lease.owner();
        this.expiresAt = lease.expiresAt();
    }

    public String owner() {
        return owner;
    }

    public Instant expiresAt() {
        return expiresAt;
    }
}
