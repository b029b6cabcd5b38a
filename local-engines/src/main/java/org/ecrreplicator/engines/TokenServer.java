package org.ecrreplicator.engines;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A distribution token endpoint on loopback: {@code GET /token?service=..&scope=..} with optional Basic
 * credentials, answering {@code {"token", "access_token", "expires_in"}}. Grants what is asked for, to
 * known users only when users are configured.
 */
public final class TokenServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final TokenIssuer issuer;
    private final String service;
    private final Map<String, String> users;
    private final Duration ttl;
    private final AtomicInteger requests = new AtomicInteger();
    private final List<String> scopesRequested = new CopyOnWriteArrayList<>();

    private TokenServer(TokenIssuer issuer, String service, Map<String, String> users, Duration ttl)
            throws IOException {
        this.issuer = issuer;
        this.service = service;
        this.users = users;
        this.ttl = ttl;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/token", this::handle);
        server.start();
    }

    /** @param users user to password; empty map means anonymous tokens */
    public static TokenServer start(TokenIssuer issuer, String service, Map<String, String> users, Duration ttl) {
        try {
            return new TokenServer(issuer, service, Map.copyOf(users), ttl);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public URI realm() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/token");
    }

    public String service() {
        return service;
    }

    public int requestCount() {
        return requests.get();
    }

    public List<String> scopesRequested() {
        return List.copyOf(scopesRequested);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            String subject = "anonymous";
            if (!users.isEmpty()) {
                subject = authenticate(exchange.getRequestHeaders().getFirst("Authorization"));
                if (subject == null) {
                    respond(
                            exchange,
                            401,
                            "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}");
                    return;
                }
            }
            List<TokenIssuer.Access> access = new ArrayList<>();
            String query = exchange.getRequestURI().getRawQuery();
            if (query != null) {
                for (String pair : query.split("&")) {
                    int eq = pair.indexOf('=');
                    if (eq > 0 && pair.substring(0, eq).equals("scope")) {
                        String scope = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                        scopesRequested.add(scope);
                        access.addAll(parseScope(scope));
                    }
                }
            }
            String token = issuer.token(service, subject, ttl, access);
            respond(
                    exchange,
                    200,
                    JSON.writeValueAsString(
                            Map.of("token", token, "access_token", token, "expires_in", ttl.toSeconds())));
        }
    }

    /** {@code repository:team/app:pull,push}; several scopes may be space separated. */
    static List<TokenIssuer.Access> parseScope(String scopes) {
        List<TokenIssuer.Access> access = new ArrayList<>();
        for (String scope : scopes.trim().split(" +")) {
            int first = scope.indexOf(':');
            int last = scope.lastIndexOf(':');
            if (first < 0 || last == first) {
                continue;
            }
            access.add(new TokenIssuer.Access(
                    scope.substring(0, first),
                    scope.substring(first + 1, last),
                    Arrays.asList(scope.substring(last + 1).split(","))));
        }
        return access;
    }

    private String authenticate(String header) {
        if (header == null || !header.startsWith("Basic ")) {
            return null;
        }
        String decoded = new String(Base64.getDecoder().decode(header.substring(6)), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon < 0) {
            return null;
        }
        String user = decoded.substring(0, colon);
        return decoded.substring(colon + 1).equals(users.get(user)) ? user : null;
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
