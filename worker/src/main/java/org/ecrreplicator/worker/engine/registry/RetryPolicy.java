package org.ecrreplicator.worker.engine.registry;

import java.io.IOException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.function.DoubleSupplier;
import javax.net.ssl.SSLException;
import org.ecrreplicator.domain.retry.EqualJitterBackoff;

/**
 * When to retry a registry request and how long to wait: the project's one backoff ({@link
 * EqualJitterBackoff}), a server's {@code Retry-After} honoured up to a cap, and a bounded number of
 * attempts (docs/decisions/0011-retry-policy.md).
 *
 * @param maxAttempts attempts in total, the first included
 * @param baseDelay the backoff's ceiling after the first failure; zero retries at once (tests)
 * @param maxDelay the backoff's cap
 * @param maxRetryAfter cap on a server's {@code Retry-After}, so a hostile value cannot stall a build
 */
public record RetryPolicy(int maxAttempts, Duration baseDelay, Duration maxDelay, Duration maxRetryAfter) {

    public RetryPolicy {
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be at least 1");
        }
        if (baseDelay.isNegative()) {
            throw new IllegalArgumentException("baseDelay must not be negative, not " + baseDelay);
        }
        if (!baseDelay.isZero()) {
            // Refuses a cap below the base now rather than at the first retry.
            new EqualJitterBackoff(baseDelay, maxDelay);
        }
    }

    /** Six attempts over about 15 s at worst: rides out a registry restart or a throttling burst. */
    public static RetryPolicy defaults() {
        return new RetryPolicy(6, Duration.ofMillis(250), Duration.ofSeconds(8), Duration.ofSeconds(60));
    }

    /** Statuses a later attempt can succeed on: server errors, throttling and request timeouts. */
    public static boolean isRetryableStatus(int status) {
        return status >= 500 || status == 429 || status == 408;
    }

    /**
     * Transport failures worth another attempt: resets, refused connections, timeouts, truncated bodies,
     * digest mismatches from damaged transfers. Not TLS failures (a certificate does not fix itself) and
     * not unknown hosts (a typo does not either).
     */
    public static boolean isRetryable(Throwable failure) {
        if (failure instanceof RetryableException) {
            return true;
        }
        if (failure instanceof SSLException || isUnresolvedHost(failure)) {
            return false;
        }
        return failure instanceof IOException;
    }

    /**
     * A host name that does not resolve: an {@link UnknownHostException} from the JDK's connections, or one
     * wrapped, or a {@link java.net.ConnectException} caused by an {@link UnresolvedAddressException} (the JDK's
     * NIO sockets), which would otherwise pass for a refused connection.
     */
    static boolean isUnresolvedHost(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnknownHostException || cause instanceof UnresolvedAddressException) {
                return true;
            }
        }
        return false;
    }

    /**
     * The wait before attempt {@code failedAttempts + 1}.
     *
     * @param failedAttempts attempts made so far (1 after the first failure)
     * @param retryAfter what the server asked for, if anything
     * @param random uniform in [0, 1)
     */
    public Duration delay(int failedAttempts, Optional<Duration> retryAfter, DoubleSupplier random) {
        Duration backoff = baseDelay.isZero()
                ? Duration.ZERO
                : new EqualJitterBackoff(baseDelay, maxDelay).delay(failedAttempts, random);
        if (retryAfter.isEmpty()) {
            return backoff;
        }
        // The server's wait, capped; one that asks for none still gets a little spacing, at most the base.
        long asked =
                Math.min(maxRetryAfter.toMillis(), Math.max(0, retryAfter.get().toMillis()));
        return Duration.ofMillis(Math.max(asked, Math.min(backoff.toMillis(), baseDelay.toMillis())));
    }

    public boolean hasAttemptsLeft(int failedAttempts) {
        return failedAttempts < maxAttempts;
    }

    /** {@code Retry-After}: delay-seconds or an HTTP-date (RFC 9110 section 10.2.3). */
    public static Optional<Duration> parseRetryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String trimmed = value.trim();
        if (trimmed.chars().allMatch(Character::isDigit)) {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(trimmed)));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        try {
            Instant at = ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME)
                    .toInstant();
            Duration wait = Duration.between(now, at);
            return Optional.of(wait.isNegative() ? Duration.ZERO : wait);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
