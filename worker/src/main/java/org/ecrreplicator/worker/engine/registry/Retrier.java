package org.ecrreplicator.worker.engine.registry;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.ecrreplicator.worker.engine.ReplicatorException;

/**
 * Runs an attempt under a {@link RetryPolicy}; the last failure is turned into a one-line error.
 *
 * <p>What escapes {@link #call} is never retryable, so a call made inside another call's attempt (a token
 * fetched for a request, a blob checked inside its transfer's retry) gives up once, and the outer call does
 * not repeat it: attempts do not multiply. Failures of the ECR control plane (AWS SDK calls, which retry on
 * their own) reach here as {@link org.ecrreplicator.worker.engine.ReplicatorException} and are not retried
 * again.
 */
public final class Retrier {
    /** One attempt; may throw anything, the policy decides what is retried. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run(int attempt) throws IOException, InterruptedException;
    }

    private final RetryPolicy policy;
    private final String authority;

    /** @param authority the registry's host[:port], named in errors that are about the host itself */
    Retrier(RetryPolicy policy, String authority) {
        this.policy = policy;
        this.authority = authority;
    }

    /**
     * @param what names the operation, image and registry for the error message, e.g. {@code "GET manifest
     *     team/app:1.0 from registry.example"}
     */
    public <T> T call(String what, Attempt<T> attempt) {
        int failed = 0;
        while (true) {
            try {
                return attempt.run(failed + 1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ReplicatorException(what + " was interrupted", e);
            } catch (Exception e) {
                if (!RetryPolicy.isRetryable(e)) {
                    if (e instanceof RuntimeException runtime) {
                        throw runtime;
                    }
                    throw new RegistryException(what + " failed: " + describe(e, authority), 0, null, e);
                }
                failed++;
                if (!policy.hasAttemptsLeft(failed)) {
                    if (e instanceof RetryableException retryable) {
                        throw new RegistryException(
                                what + " failed after " + failed + " attempts: " + e.getMessage(),
                                retryable.status(),
                                retryable.code(),
                                e);
                    }
                    throw new RegistryException(
                            what + " failed after " + failed + " attempts: " + describe(e, authority), 0, null, e);
                }
                Optional<Duration> retryAfter =
                        e instanceof RetryableException retryable ? retryable.retryAfter() : Optional.empty();
                Duration delay = policy.delay(
                        failed, retryAfter, () -> ThreadLocalRandom.current().nextDouble());
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new ReplicatorException(what + " was interrupted", interrupted);
                }
            }
        }
    }

    /**
     * A transport failure in words, naming the fix where there is one: a registry that answers TLS with plain
     * HTTP wants {@code --insecure}, and a host that does not resolve is a typo or a missing DNS entry.
     */
    static String describe(Throwable e, String authority) {
        if (RetryPolicy.isUnresolvedHost(e)) {
            return "cannot resolve host " + host(authority) + ": check the name (and this machine's DNS)";
        }
        if (e instanceof javax.net.ssl.SSLException && answeredInPlainText(e.getMessage())) {
            return authority + " speaks plain HTTP: pass --insecure (for registries you trust on your own network)";
        }
        return describe(e);
    }

    /**
     * What the JDK's TLS says when the first bytes back are no TLS record: its sockets say "Unsupported or
     * unrecognized SSL message" (an HTTP status line), its engines and older sockets "... plaintext connection?".
     */
    private static boolean answeredInPlainText(String message) {
        String text = String.valueOf(message);
        return text.contains("plaintext") || text.contains("unrecognized SSL message");
    }

    private static String host(String authority) {
        int colon = authority.lastIndexOf(':');
        return colon > 0 && authority.indexOf(']') < colon ? authority.substring(0, colon) : authority;
    }

    /** A transport failure in words: the JDK's messages are often null or cryptic. */
    public static String describe(Throwable e) {
        String message = e.getMessage();
        String kind =
                switch (e) {
                    case java.net.SocketTimeoutException t
                    when String.valueOf(t.getMessage()).startsWith("Connect") -> "connection timed out";
                    case java.net.SocketTimeoutException t -> "request timed out";
                    case java.net.ConnectException t -> "connection refused";
                    case java.io.EOFException t -> "connection closed early";
                    case javax.net.ssl.SSLException t -> "TLS failed";
                    case java.net.UnknownHostException t -> "unknown host";
                    default -> e.getClass().getSimpleName();
                };
        return message == null || message.isBlank() ? kind : kind + " (" + message + ")";
    }
}
