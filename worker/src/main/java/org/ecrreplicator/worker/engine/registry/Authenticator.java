package org.ecrreplicator.worker.engine.registry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.engine.manifest.JsonTree;
import org.ecrreplicator.worker.engine.registry.HttpConnections.Answer;
import org.ecrreplicator.worker.engine.registry.HttpConnections.Request;

/**
 * The Authorization header for one registry. Learns the scheme from the registry's first challenge and
 * then sends credentials up front: Basic as is, Bearer tokens from the realm the challenge names, one per
 * scope ({@code repository:team/app:pull}), cached until shortly before they expire. A refused credential
 * is dropped and fetched again once; issued passwords (ECR's) are renewed through their {@link PasswordSource}.
 */
final class Authenticator {
    private static final Duration DEFAULT_TOKEN_LIFE = Duration.ofSeconds(60);
    /** A token answer is a JWT and a few fields; a realm that sends more is not read further. */
    static final int MAX_TOKEN_BYTES = 256 * 1024;

    private record Token(String value, Instant refreshAt) {}

    private final String registry;
    private final boolean insecure;
    private final TrustedOrigins trusted;
    private final Credentials credentials;
    private final HttpConnections http;
    private final Retrier retrier;
    private final Clock clock;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private volatile WwwAuthenticate.Challenge bearer;

    Authenticator(
            String registry,
            boolean insecure,
            TrustedOrigins trusted,
            Credentials credentials,
            HttpConnections http,
            Retrier retrier,
            Clock clock) {
        this.registry = registry;
        this.insecure = insecure;
        this.trusted = trusted;
        this.credentials = credentials;
        this.http = http;
        this.retrier = retrier;
        this.clock = clock;
    }

    /** The header to send for an operation needing {@code scope}, or null to go anonymously. */
    String header(String scope) {
        WwwAuthenticate.Challenge challenge = bearer;
        if (challenge != null) {
            Token token = tokens.get(scope);
            if (token == null || !clock.instant().isBefore(token.refreshAt())) {
                token = fetchToken(challenge, scope);
            }
            return "Bearer " + token.value();
        }
        return basicHeader();
    }

    /**
     * Called on a 401 for a request sent with {@code sent}. Prepares a better header for the next attempt,
     * or throws when there is nothing left to try.
     */
    void unauthorized(String scope, List<String> challenges, String sent, String what) {
        Optional<WwwAuthenticate.Challenge> bearerChallenge = WwwAuthenticate.parse(challenges).stream()
                .filter(challenge -> challenge.scheme().equals("bearer"))
                .findFirst();
        if (bearerChallenge.isPresent()) {
            if (bearerChallenge.get().parameter("realm").isEmpty()) {
                throw new RegistryException(
                        what + " failed: " + registry + " asked for a bearer token without naming a realm", 401, null);
            }
            bearer = bearerChallenge.get();
            if (sent != null && sent.startsWith("Bearer ")) {
                tokens.remove(scope);
            }
            return;
        }
        switch (credentials) {
            case Credentials.Anonymous anonymous ->
                throw new RegistryException(
                        what + " failed: " + registry + " requires authentication and no credentials were given"
                                + (anonymous.hint() == null ? "" : ": " + anonymous.hint()),
                        401,
                        "UNAUTHORIZED");
            case Credentials.Basic basic -> {
                if (sent != null) {
                    throw new RegistryException(
                            what + " failed: " + registry + " refused the credentials of user '" + basic.user() + "'",
                            401,
                            "UNAUTHORIZED");
                }
            }
            case Credentials.Issued issued -> {
                if (sent != null) {
                    issued.source().refused(decodePassword(sent));
                }
            }
        }
    }

    private String basicHeader() {
        return switch (credentials) {
            case Credentials.Anonymous anonymous -> null;
            case Credentials.Basic basic -> basic(basic.user(), basic.password());
            case Credentials.Issued issued -> {
                PasswordSource.Password current = password(issued.source());
                yield basic(current.user(), current.password());
            }
        };
    }

    /**
     * The source's password, asked on a platform thread: fetching one (ECR's, through the AWS SDK) is a blocking
     * request, and a virtual thread's would hold up the JVM's exit ({@link HttpConnections#exchange}).
     */
    private PasswordSource.Password password(PasswordSource source) {
        try {
            return http.onPlatformThread(source::current, () -> {});
        } catch (IOException e) {
            throw new RegistryException(
                    "fetching the password for " + registry + " failed: " + e.getMessage(), 0, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplicatorException("fetching the password for " + registry + " was interrupted", e);
        }
    }

    private Token fetchToken(WwwAuthenticate.Challenge challenge, String scope) {
        String realm = challenge.parameter("realm").orElseThrow();
        StringBuilder query = new StringBuilder();
        challenge.parameter("service").ifPresent(service -> query.append("service=")
                .append(encode(service)));
        if (scope != null) {
            // Several scopes (a mount needs push on one repository and pull on another) travel space-separated.
            for (String one : scope.split(" ")) {
                query.append(query.isEmpty() ? "" : "&").append("scope=").append(encode(one));
            }
        }
        URI uri = URI.create(realm + (query.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + query));
        String what =
                "token request for '" + scope + "' to " + uri.getScheme() + "://" + uri.getAuthority() + uri.getPath();
        if (!(credentials instanceof Credentials.Anonymous)) {
            // The realm comes from the registry's answer: checked before the credentials go there.
            String refusal = trusted.refusal(uri, registry, insecure);
            if (refusal != null) {
                throw new RegistryException(
                        what + " refused, no credentials sent: the token realm named by " + registry + " " + refusal,
                        401,
                        "UNTRUSTED_REALM");
            }
        }
        Token token = retrier.call(what, attempt -> {
            Request request = Request.to(uri).timeout(Duration.ofSeconds(30)).header("Accept", "application/json");
            String basic = basicHeader();
            if (basic != null) {
                request.header("Authorization", basic);
            }
            Answer response = http.exchange(request, CappedBody.successUpTo(MAX_TOKEN_BYTES));
            int status = response.status();
            if (RetryPolicy.isRetryableStatus(status)) {
                throw new RetryableException("HTTP " + status, status, null, retryAfter(response));
            }
            if (status == 401 || status == 403) {
                throw new RegistryException(
                        what + " failed: HTTP " + status + ", the token server refused "
                                + (basic == null ? "anonymous access" : "the credentials"),
                        status,
                        "UNAUTHORIZED");
            }
            if (status != 200) {
                throw new RegistryException(what + " failed: HTTP " + status, status, null);
            }
            if (response.body().length > MAX_TOKEN_BYTES) {
                throw new RegistryException(
                        what + " failed: the answer is larger than the " + MAX_TOKEN_BYTES / 1024
                                + " KiB limit on tokens",
                        status,
                        null);
            }
            return parseToken(response.body(), what);
        });
        tokens.put(scope, token);
        return token;
    }

    private Token parseToken(byte[] body, String what) throws IOException {
        Object json = JsonTree.parse(body);
        String value = JsonTree.string(json, "token");
        if (value == null || value.isEmpty()) {
            value = JsonTree.string(json, "access_token");
        }
        if (value == null || value.isEmpty()) {
            throw new RegistryException(what + " failed: the answer has no token", 200, null);
        }
        Object expiresIn = JsonTree.member(json, "expires_in");
        long seconds = expiresIn instanceof Number number ? number.longValue() : 0;
        Duration life = seconds > 0 ? Duration.ofSeconds(seconds) : DEFAULT_TOKEN_LIFE;
        // Refresh with a margin: a token that expires in flight costs a 401 and a retry.
        Duration margin =
                life.dividedBy(5).compareTo(Duration.ofSeconds(30)) < 0 ? life.dividedBy(5) : Duration.ofSeconds(30);
        return new Token(value, clock.instant().plus(life).minus(margin));
    }

    static Optional<Duration> retryAfter(Answer response) {
        return RetryPolicy.parseRetryAfter(
                response.headers().firstValue("Retry-After").orElse(null), Instant.now());
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static String decodePassword(String header) {
        if (!header.startsWith("Basic ")) {
            return "";
        }
        String decoded = new String(Base64.getDecoder().decode(header.substring(6)), StandardCharsets.UTF_8);
        return decoded.substring(decoded.indexOf(':') + 1);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
