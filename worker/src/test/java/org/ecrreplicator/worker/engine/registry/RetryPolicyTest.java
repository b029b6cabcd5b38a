package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import javax.net.ssl.SSLHandshakeException;
import org.ecrreplicator.domain.retry.EqualJitterBackoff;
import org.ecrreplicator.worker.engine.manifest.DigestMismatchException;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {
    private final RetryPolicy policy =
            new RetryPolicy(5, Duration.ofMillis(100), Duration.ofSeconds(2), Duration.ofSeconds(30));

    @Test
    void shouldGrowExponentiallyWithinJitterBoundsWhenAttemptsFail() {
        for (int failed = 1; failed <= 8; failed++) {
            long exponential = Math.min(2000, 100L << (failed - 1));
            assertThat(policy.delay(failed, Optional.empty(), () -> 0.0).toMillis())
                    .isEqualTo(exponential / 2);
            assertThat(policy.delay(failed, Optional.empty(), () -> 0.999).toMillis())
                    .isBetween(exponential / 2, exponential + 1);
        }
    }

    @Test
    void shouldWaitWhatTheProjectsOneBackoffWaitsWhenTheServerAsksNothing() {
        EqualJitterBackoff backoff = new EqualJitterBackoff(Duration.ofMillis(100), Duration.ofSeconds(2));
        for (int failed = 1; failed <= 8; failed++) {
            for (double random : new double[] {0.0, 0.5, 0.999}) {
                assertThat(policy.delay(failed, Optional.empty(), () -> random))
                        .isEqualTo(backoff.delay(failed, () -> random));
            }
        }
    }

    @Test
    void shouldWaitWhatTheServerAsksUpToTheCapWhenRetryAfterIsGiven() {
        assertThat(policy.delay(1, Optional.of(Duration.ofSeconds(3)), () -> 0.5))
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(policy.delay(1, Optional.of(Duration.ofHours(1)), () -> 0.5)).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void shouldParseSecondsAndHttpDatesWhenReadingRetryAfter() {
        Instant now = Instant.parse("2026-11-22T10:00:00Z");

        assertThat(RetryPolicy.parseRetryAfter("7", now)).contains(Duration.ofSeconds(7));
        assertThat(RetryPolicy.parseRetryAfter("Sun, 22 Nov 2026 10:00:05 GMT", now))
                .contains(Duration.ofSeconds(5));
        assertThat(RetryPolicy.parseRetryAfter("Sun, 22 Nov 2026 09:00:00 GMT", now))
                .contains(Duration.ZERO);
        assertThat(RetryPolicy.parseRetryAfter("soon", now)).isEmpty();
        assertThat(RetryPolicy.parseRetryAfter(null, now)).isEmpty();
    }

    @Test
    void shouldRetryServerErrorsThrottlingAndTransportFailuresButNotClientErrors() {
        assertThat(RetryPolicy.isRetryableStatus(500)).isTrue();
        assertThat(RetryPolicy.isRetryableStatus(503)).isTrue();
        assertThat(RetryPolicy.isRetryableStatus(429)).isTrue();
        assertThat(RetryPolicy.isRetryableStatus(400)).isFalse();
        assertThat(RetryPolicy.isRetryableStatus(401)).isFalse();
        assertThat(RetryPolicy.isRetryableStatus(404)).isFalse();

        assertThat(RetryPolicy.isRetryable(new ConnectException("refused"))).isTrue();
        assertThat(RetryPolicy.isRetryable(new EOFException())).isTrue();
        assertThat(RetryPolicy.isRetryable(new SocketTimeoutException("Read timed out")))
                .isTrue();
        assertThat(RetryPolicy.isRetryable(new DigestMismatchException("damaged")))
                .isTrue();
        assertThat(RetryPolicy.isRetryable(new SSLHandshakeException("bad certificate")))
                .isFalse();
        assertThat(RetryPolicy.isRetryable(new UnknownHostException("typo"))).isFalse();
        assertThat(RetryPolicy.isRetryable(new RegistryException("MANIFEST_INVALID", 400, "MANIFEST_INVALID")))
                .isFalse();
    }

    @Test
    void shouldStopAfterMaxAttemptsAndNameTheOperationWhenEveryAttemptFails() {
        Retrier retrier =
                new Retrier(new RetryPolicy(3, Duration.ZERO, Duration.ZERO, Duration.ZERO), "registry.example:5000");
        int[] calls = {0};

        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> retrier.call("GET thing", attempt -> {
            calls[0]++;
            throw new RetryableException("HTTP 503", 503, "UNAVAILABLE", Optional.empty());
        }));

        assertThat(calls[0]).isEqualTo(3);
        assertThat(thrown)
                .isInstanceOf(RegistryException.class)
                .hasMessage("GET thing failed after 3 attempts: HTTP 503");
        assertThat(((RegistryException) thrown).code()).isEqualTo("UNAVAILABLE");
    }

    @Test
    void shouldFailAtOnceWhenTheErrorIsNotRetryable() {
        Retrier retrier = new Retrier(policy, "registry.example:5000");
        int[] calls = {0};

        Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(() -> retrier.call("PUT manifest", a -> {
            calls[0]++;
            throw new RegistryException("PUT manifest failed: HTTP 400 MANIFEST_INVALID", 400, "MANIFEST_INVALID");
        }));

        assertThat(calls[0]).isEqualTo(1);
        assertThat(thrown).hasMessageContaining("MANIFEST_INVALID");
    }
}
