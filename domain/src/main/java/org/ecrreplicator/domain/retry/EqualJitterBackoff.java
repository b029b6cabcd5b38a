package org.ecrreplicator.domain.retry;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with "equal jitter": the wait doubles from {@code base} after each failure up to {@code
 * cap}, and half of it is fixed while the other half is random. Retries from many clients spread out, and none
 * comes back at once (as full jitter, a uniform wait between zero and the ceiling, can). The copy engine's
 * registry calls and StartBuild's calls to CodeBuild both wait this way.
 *
 * @param base the ceiling after the first failure
 * @param cap the ceiling never exceeds this
 */
public record EqualJitterBackoff(Duration base, Duration cap) {
    public EqualJitterBackoff {
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < base <= cap, not " + base + " and " + cap);
        }
    }

    /** The ceiling before attempt {@code failedAttempts + 1}: base, twice base, ... up to cap. */
    public Duration ceiling(int failedAttempts) {
        int shift = Math.min(30, Math.max(0, failedAttempts - 1));
        return Duration.ofMillis(Math.min(cap.toMillis(), base.toMillis() << shift));
    }

    /**
     * The wait before attempt {@code failedAttempts + 1}: half the ceiling, plus up to half more at random.
     *
     * @param failedAttempts attempts made so far (1 after the first failure)
     * @param random uniform in [0, 1)
     */
    public Duration delay(int failedAttempts, DoubleSupplier random) {
        long ceiling = ceiling(failedAttempts).toMillis();
        return Duration.ofMillis(ceiling / 2 + (long) (random.getAsDouble() * (ceiling / 2.0 + 1)));
    }
}
