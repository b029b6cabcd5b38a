package org.ecrreplicator.domain.state;

/** Where a tag's replication stands. */
public enum TagStatus {
    /** An execution holds the lease and is about to start a build. */
    LEASED,
    /** A build runs for the lease holder. */
    BUILDING,
    REPLICATED,
    DELETED,
    SOURCE_GONE,
    NOTHING_TO_DELETE,
    /** The last attempt failed; {@code error} and {@code cause} say why. */
    FAILED
}
