package org.ecrreplicator.worker.engine.registry;

import java.time.Duration;
import java.util.Optional;

/** A failed attempt that another attempt may fix: a 5xx, a 429, an expired credential mid-stream. */
final class RetryableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;
    private final transient Optional<Duration> retryAfter;

    RetryableException(String message, int status, String code, Optional<Duration> retryAfter) {
        super(message);
        this.status = status;
        this.code = code;
        this.retryAfter = retryAfter;
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    Optional<Duration> retryAfter() {
        return retryAfter == null ? Optional.empty() : retryAfter;
    }
}
