package org.ecrreplicator.worker.engine.referrer;

import org.ecrreplicator.worker.engine.ReplicatorException;

/** An image's referrers go beyond what one copy takes: nested too deep, or too many. */
public class ReferrerLimitException extends ReplicatorException {
    private static final long serialVersionUID = 1L;

    public ReferrerLimitException(String message) {
        super(message);
    }
}
