package org.ecrreplicator.worker.engine.registry;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.manifest.JsonTree;
import org.ecrreplicator.worker.engine.manifest.ManifestException;
import org.ecrreplicator.worker.engine.registry.HttpConnections.Answer;
import org.ecrreplicator.worker.engine.registry.HttpConnections.Request;

/**
 * The HTTP side of one registry that every operation shares: its URIs, an exchange with authentication,
 * answers turned into failures (retryable or not), and answers that run over several pages.
 */
final class RegistryExchange {
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    static final int MAX_BODY_BYTES = 4 * 1024 * 1024;
    private static final int MAX_AUTH_ROUNDS = 3;
    /** Pages of a tag list or referrers answer followed before giving up on a registry that loops its links. */
    private static final int MAX_PAGES = 1000;

    private final String authority;
    private final URI base;
    private final HttpConnections http;
    private final Retrier retrier;
    private final Authenticator authenticator;
    private final boolean insecure;
    private final TrustedOrigins trusted;
    /**
     * Requests other than blob streams (manifests, existence checks, referrers, upload sessions) in flight
     * at once: an index of hundreds of children would otherwise open a connection per child. Blob streams
     * have their own bound (the copy's lanes), so a registry sees at most twice the concurrency.
     */
    private final Semaphore requests;

    RegistryExchange(
            String authority,
            boolean insecure,
            Credentials credentials,
            HttpConnections http,
            Retrier retrier,
            TrustedOrigins trusted,
            int maxRequests) {
        this.authority = authority;
        this.insecure = insecure;
        this.trusted = trusted;
        this.base = URI.create((insecure ? "http://" : "https://") + authority);
        this.http = http;
        this.retrier = retrier;
        this.requests = new Semaphore(maxRequests);
        this.authenticator =
                new Authenticator(authority, insecure, trusted, credentials, http, retrier, Clock.systemUTC());
    }

    /** Bodies read into memory: up to {@link #MAX_BODY_BYTES} (and one byte more, to tell), errors cut short. */
    static CappedBody body() {
        return CappedBody.successUpTo(MAX_BODY_BYTES);
    }

    /** Bodies of errors and redirects only: cut at {@link CappedBody#ERROR_BODY_BYTES}. */
    static CappedBody smallBody() {
        return CappedBody.cutAt(CappedBody.ERROR_BODY_BYTES);
    }

    /**
     * {@code location} from an answer of this registry, where credentials and content are about to go:
     * refused unless it is the registry's own origin or passes {@link TrustedOrigins}.
     */
    URI checkedLocation(URI location, String what) {
        boolean sameOrigin = location.getScheme() != null
                && location.getScheme().equalsIgnoreCase(base.getScheme())
                && authority.equalsIgnoreCase(location.getRawAuthority());
        if (sameOrigin) {
            return location;
        }
        String refusal = trusted.refusal(location, authority, insecure);
        if (refusal != null) {
            throw new RegistryException(
                    what + " refused: the registry sent the upload to " + TrustedOrigins.origin(location) + ", which "
                            + refusal,
                    0,
                    "UNTRUSTED_LOCATION");
        }
        return location;
    }

    String authority() {
        return authority;
    }

    static String pullScope(String repository) {
        return "repository:" + repository + ":pull";
    }

    static String pushScope(String repository) {
        return "repository:" + repository + ":pull,push";
    }

    /** Push to {@code repository} and pull from {@code from}: what a cross-repository mount needs. */
    static String mountScope(String repository, String from) {
        return pushScope(repository) + " " + pullScope(from);
    }

    /** What a registry's token server grants for {@code /v2/_catalog}. */
    static String catalogScope() {
        return "registry:catalog:*";
    }

    static String deleteScope(String repository) {
        return "repository:" + repository + ":delete";
    }

    URI uri(String path) {
        return base.resolve(path);
    }

    URI manifestUri(String repository, String reference) {
        return uri("/v2/" + repository + "/manifests/" + reference);
    }

    URI blobUri(String repository, Digest digest) {
        return uri("/v2/" + repository + "/blobs/" + digest);
    }

    Request request(URI uri) {
        return Request.to(uri);
    }

    /**
     * One exchange with authentication: on 401 the authenticator prepares other credentials and the
     * request is sent again, at most {@link #MAX_AUTH_ROUNDS} times. Every body sent this way can be sent
     * again; a blob's, which cannot, goes through {@link #putBlob}.
     */
    Answer send(String scope, Supplier<Request> builder, CappedBody cap, String what)
            throws IOException, InterruptedException {
        requests.acquire();
        try {
            return sendOutsideBound(scope, builder, cap, what);
        } finally {
            requests.release();
        }
    }

    /**
     * Like {@link #send}, outside the bound on requests in flight: for cancelling an upload session, which
     * must not wait behind the requests of the copy being torn down.
     */
    Answer sendOutsideBound(String scope, Supplier<Request> builder, CappedBody cap, String what)
            throws IOException, InterruptedException {
        for (int round = 1; ; round++) {
            Request request = builder.get();
            String header = authenticator.header(scope);
            if (header != null) {
                request.header("Authorization", header);
            }
            Answer answer = http.exchange(request, cap);
            if (answer.status() != 401) {
                return answer;
            }
            unauthorized(round, scope, answer.headers().allValues("WWW-Authenticate"), header, what);
        }
    }

    /**
     * After a 401 to the request of {@code round} sent with {@code sent}: fresher credentials for the next round,
     * or a failure when the registry refused them {@link #MAX_AUTH_ROUNDS} times.
     */
    private void unauthorized(int round, String scope, List<String> challenges, String sent, String what) {
        if (round >= MAX_AUTH_ROUNDS) {
            throw new RegistryException(
                    what + " failed: HTTP 401, the registry refused fresh credentials", 401, "UNAUTHORIZED");
        }
        authenticator.unauthorized(scope, challenges, sent, what);
    }

    /**
     * A blob's bytes to read (docs/decisions/0076-blob-bytes-on-blocking-connections.md): the {@code GET} is sent
     * with authentication, a 401 answered as in {@link #sendOutsideBound}, and the connection returned once an
     * answer other than 401 has arrived (its body unread).
     *
     * @param idleTimeout how long any read, of the answer or of the body, may wait
     */
    BlobConnection getBlob(String scope, URI uri, Duration idleTimeout, String what) throws IOException {
        for (int round = 1; ; round++) {
            String header = authenticator.header(scope);
            BlobConnection connection = BlobConnection.open(http, uri, "GET", header, idleTimeout, breaker -> {});
            if (connection.status() != 401) {
                return connection;
            }
            List<String> challenges = connection.headers("WWW-Authenticate");
            connection.finish();
            unauthorized(round, scope, challenges, header, what);
        }
    }

    /** Like {@link #getBlob}, without the registry's credentials: for the storage a registry redirects to. */
    BlobConnection getWithoutCredentials(URI uri, Duration idleTimeout) throws IOException {
        BlobConnection connection = BlobConnection.open(http, uri, "GET", null, idleTimeout, breaker -> {});
        connection.status();
        return connection;
    }

    /**
     * A blob's bytes to write: a {@code PUT} with the credentials for {@code scope}, not yet sent. Its answer is
     * awaited for at most {@code answerTimeout} once the body is sent.
     */
    BlobConnection putBlob(String scope, URI uri, Duration answerTimeout, Consumer<Runnable> breakers)
            throws IOException {
        return BlobConnection.open(http, uri, "PUT", authenticator.header(scope), answerTimeout, breakers);
    }

    /** A 401 to a {@link #putBlob} whose body is gone: fresher credentials for the next attempt, which is retried. */
    RetryableException unauthorizedUpload(String scope, BlobConnection answered, String what) {
        List<String> challenges = answered.headers("WWW-Authenticate");
        String sent = answered.sentAuthorization();
        answered.finish();
        authenticator.unauthorized(scope, challenges, sent, what);
        return new RetryableException("HTTP 401 mid-transfer; credentials refreshed", 401, null, Optional.empty());
    }

    static void expect(Answer answer, int status, String what) {
        if (answer.status() == status) {
            return;
        }
        throw failure(answer.status(), answer.headers(), answer.body(), what);
    }

    /** {@link #failure} for the answer on a blob connection, which it ends. */
    static RuntimeException failure(BlobConnection answered, int status, String what) {
        HttpHeaders headers = answered.allHeaders();
        return failure(status, headers, answered.finish(), what);
    }

    static RuntimeException failure(int status, HttpHeaders headers, byte[] body, String what) {
        ErrorBody error = ErrorBody.parse(body);
        String message = what + " failed: HTTP " + status + (error.isEmpty() ? "" : " " + error.summary());
        if (RetryPolicy.isRetryableStatus(status)) {
            return new RetryableException(
                    message,
                    status,
                    error.code(),
                    RetryPolicy.parseRetryAfter(
                            headers.firstValue("Retry-After").orElse(null), Instant.now()));
        }
        return new RegistryException(message, status, error.code());
    }

    /**
     * The bodies of {@code GET /v2/<repository><path>} and of every page its {@code Link} headers lead to.
     *
     * @return the pages, or null when the first answer is 404
     */
    List<byte[]> pages(String repository, String path, String accept, String what) {
        return pagesOf(pullScope(repository), "/v2/" + repository + path, accept, what);
    }

    /**
     * The bodies of {@code GET <path>} (path and query) asked with {@code scope}, and of every page its
     * {@code Link} headers lead to.
     *
     * @return the pages, or null when the first answer is 404
     */
    List<byte[]> pagesOf(String scope, String pathAndQuery, String accept, String what) {
        List<byte[]> pages = new ArrayList<>();
        URI next = uri(pathAndQuery);
        while (next != null) {
            if (pages.size() >= MAX_PAGES) {
                throw new RegistryException(what + " failed: more than " + MAX_PAGES + " pages of results", 200, null);
            }
            URI uri = next;
            boolean first = pages.isEmpty();
            // The answer is checked inside the retried call, so a 429 or 5xx is retried like any other request.
            Answer response = retrier.call(what, attempt -> {
                Answer answer = send(
                        scope,
                        () -> {
                            Request request = request(uri);
                            return accept == null ? request : request.header("Accept", accept);
                        },
                        body(),
                        what);
                if (!(answer.status() == 404 && first)) {
                    expect(answer, 200, what);
                }
                return answer;
            });
            if (response.status() == 404) {
                return null;
            }
            if (response.body().length > MAX_BODY_BYTES) {
                throw new ManifestException(what + ": a page of the answer is larger than the 4 MiB limit, refused");
            }
            pages.add(response.body());
            next = nextPage(response);
        }
        return pages;
    }

    /** The {@code rel="next"} target of the {@code Link} headers, resolved against the request, or null. */
    static URI nextPage(Answer response) {
        for (String header : response.headers().allValues("Link")) {
            for (String link : header.split(",(?=\\s*<)")) {
                int open = link.indexOf('<');
                int close = link.indexOf('>', open + 1);
                if (open < 0 || close < 0) {
                    continue;
                }
                String parameters = link.substring(close + 1).toLowerCase(Locale.ROOT);
                if (parameters.matches("(?s).*;\\s*rel\\s*=\\s*\"?next\"?\\s*(;.*)?")) {
                    return response.uri()
                            .resolve(link.substring(open + 1, close).trim());
                }
            }
        }
        return null;
    }

    static Object parseJson(byte[] body, String what) {
        try {
            return JsonTree.parse(body);
        } catch (IOException e) {
            throw new ManifestException(what + ": the answer is not valid JSON (" + e.getMessage() + ")");
        }
    }
}
