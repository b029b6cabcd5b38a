package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.junit.jupiter.api.Test;

/** Retries never stack: neither ours inside ours, nor ours around the AWS SDK's. */
class RetrierTest {
    private final Retrier retrier =
            new Retrier(new RetryPolicy(3, Duration.ZERO, Duration.ZERO, Duration.ZERO), "registry.example:5000");

    @Test
    void shouldGiveUpOnceWhenARetriedCallInsideAnotherKeepsFailing() {
        AtomicInteger inner = new AtomicInteger();
        AtomicInteger outer = new AtomicInteger();

        Throwable thrown = catchThrowable(() -> retrier.call("PUT blob", attempt -> {
            outer.incrementAndGet();
            return retrier.call("HEAD blob", check -> {
                inner.incrementAndGet();
                throw new IOException("connection reset");
            });
        }));

        assertThat(inner.get()).as("attempts of the inner call").isEqualTo(3);
        assertThat(outer.get()).as("attempts of the outer call").isEqualTo(1);
        assertThat(thrown).isInstanceOf(RegistryException.class).hasMessageStartingWith("HEAD blob failed after 3");
        assertThat(RetryPolicy.isRetryable(thrown)).isFalse();
    }

    @Test
    void shouldNotRetryAFailureTheAwsSdkHasRetriedAlready() {
        AtomicInteger calls = new AtomicInteger();
        ReplicatorException sdkFailure =
                new ReplicatorException("ECR GetAuthorizationToken failed for ECR registry 123456789012: throttled");

        Throwable thrown = catchThrowable(() -> retrier.call("GET manifest", attempt -> {
            calls.incrementAndGet();
            throw sdkFailure;
        }));

        assertThat(calls.get()).isEqualTo(1);
        assertThat(thrown).isSameAs(sdkFailure);
    }

    @Test
    void shouldRetryWhatTheRegistryAnsweredWithinOneCallOnly() {
        AtomicInteger calls = new AtomicInteger();

        String answer = retrier.call("GET manifest", attempt -> {
            if (calls.incrementAndGet() < 3) {
                throw new RetryableException("HTTP 503", 503, null, Optional.empty());
            }
            return "ok";
        });

        assertThat(answer).isEqualTo("ok");
        assertThat(calls.get()).isEqualTo(3);
    }

    @Test
    void shouldNameTheHostOnceWithoutRetryingWhenItDoesNotResolve() {
        AtomicInteger calls = new AtomicInteger();
        java.net.ConnectException unresolved = new java.net.ConnectException();
        unresolved.initCause(new java.nio.channels.UnresolvedAddressException());

        Throwable thrown = catchThrowable(() -> retrier.call("GET manifest a:1 from registry.example:5000", attempt -> {
            calls.incrementAndGet();
            throw unresolved;
        }));

        assertThat(calls.get())
                .as("a name that does not resolve is not retried")
                .isEqualTo(1);
        assertThat(thrown)
                .hasMessage("GET manifest a:1 from registry.example:5000 failed: cannot resolve host registry.example:"
                        + " check the name (and this machine's DNS)");
    }

    @Test
    void shouldSayPassInsecureWhenTheRegistryAnswersTlsWithPlainHttp() {
        Throwable thrown = catchThrowable(() -> retrier.call("GET manifest a:1 from registry.example:5000", attempt -> {
            throw new javax.net.ssl.SSLException("Unrecognized SSL message, plaintext connection?");
        }));

        assertThat(thrown)
                .hasMessageContaining("registry.example:5000 speaks plain HTTP: pass --insecure")
                .hasMessageNotContaining("Unrecognized SSL message");
    }

    /** What a blocking TLS socket says when the registry answers with an HTTP status line. */
    @Test
    void shouldSayPassInsecureWhenATlsSocketGetsAnUnrecognizedMessage() {
        Throwable thrown = catchThrowable(() -> retrier.call("GET manifest a:1 from registry.example:5000", attempt -> {
            throw new javax.net.ssl.SSLException("Unsupported or unrecognized SSL message");
        }));

        assertThat(thrown).hasMessageContaining("registry.example:5000 speaks plain HTTP: pass --insecure");
    }
}
