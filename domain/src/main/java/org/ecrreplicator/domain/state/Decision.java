package org.ecrreplicator.domain.state;

/** What CheckState tells the workflow to do with an event. */
public enum Decision {
    /** The destination already reflects this event. */
    SKIP_DUPLICATE,
    /** A newer event for the tag was already applied. */
    SKIP_STALE,
    /** Another execution holds an unexpired lease on the tag. */
    WAIT,
    /** This execution now holds the lease. */
    PROCEED
}
