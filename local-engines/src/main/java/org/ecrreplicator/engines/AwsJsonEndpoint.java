package org.ecrreplicator.engines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A loopback endpoint speaking the AWS JSON protocol ({@code POST /} with {@code X-Amz-Target:
 * <prefix>.<Operation>}), for control-plane APIs that have no local engine. Operations answer with the
 * real API's JSON shapes; failures carry the real error code in {@code __type} and {@code
 * x-amzn-ErrorType}, so an unmodified AWS SDK client maps them to the same exception classes.
 */
public class AwsJsonEndpoint implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern CREDENTIAL = Pattern.compile("Credential=([^/,\\s]+)/");

    /** One API operation: the request body in, the response body out. */
    @FunctionalInterface
    public interface Operation {
        JsonNode handle(JsonNode request);
    }

    /** An API error as the service reports it: HTTP status, error code and message. */
    public static class AwsError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final int status;
        private final String code;

        public AwsError(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }

        public AwsError(String code, String message) {
            this(400, code, message);
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    /** A call received, for tests that assert what a client asked for. */
    public record Call(String operation, JsonNode request) {}

    private final String targetPrefix;
    private final String contentType;
    private final HttpServer server;
    private final Map<String, Operation> operations = new ConcurrentHashMap<>();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile Predicate<String> accessKeyIds = id -> true;

    /**
     * @param targetPrefix e.g. {@code secretsmanager}, {@code AmazonEC2ContainerRegistry_V20150921}
     * @param jsonVersion {@code 1.0} or {@code 1.1}, as the real service uses
     */
    public AwsJsonEndpoint(String targetPrefix, String jsonVersion) {
        this.targetPrefix = targetPrefix;
        this.contentType = "application/x-amz-json-" + jsonVersion;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, targetPrefix + "-endpoint");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /**
     * Answers only callers whose SigV4 {@code Authorization} header names one of these access key ids
     * ({@code Credential=AKID/...}); others get {@code UnrecognizedClientException} 400, as AWS answers an
     * unknown key. No ids (the default): any caller.
     */
    public AwsJsonEndpoint acceptOnly(Set<String> ids) {
        Set<String> copy = Set.copyOf(ids);
        accessKeyIds = copy.isEmpty() ? id -> true : copy::contains;
        return this;
    }

    /**
     * Answers only callers whose access key id the predicate accepts at the time of the call, for keys that come
     * and go (an IAM stand-in creating and deleting them).
     */
    public AwsJsonEndpoint acceptOnly(Predicate<String> accepted) {
        accessKeyIds = accepted;
        return this;
    }

    /** The access key id a SigV4 {@code Authorization} header names, or null. */
    static String accessKeyId(String authorization) {
        if (authorization == null) {
            return null;
        }
        Matcher matcher = CREDENTIAL.matcher(authorization);
        return matcher.find() ? matcher.group(1) : null;
    }

    public AwsJsonEndpoint on(String operation, Operation handler) {
        operations.put(operation, handler);
        return this;
    }

    /** The endpoint URL to give a client, e.g. through {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<Call> calls(String operation) {
        return calls.stream().filter(call -> call.operation().equals(operation)).toList();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String target = exchange.getRequestHeaders().getFirst("X-Amz-Target");
            String operation = target != null && target.startsWith(targetPrefix + ".")
                    ? target.substring(targetPrefix.length() + 1)
                    : null;
            Operation handler = operation == null ? null : operations.get(operation);
            if (handler == null) {
                sendError(exchange, new AwsError("UnknownOperationException", "unknown operation " + target));
                return;
            }
            String caller = accessKeyId(exchange.getRequestHeaders().getFirst("Authorization"));
            if (!accessKeyIds.test(caller)) {
                exchange.getRequestBody().readAllBytes();
                sendError(
                        exchange,
                        new AwsError(
                                "UnrecognizedClientException",
                                "The security token included in the request is invalid."));
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            JsonNode request = body.length == 0 ? JSON.createObjectNode() : JSON.readTree(body);
            calls.add(new Call(operation, request));
            JsonNode response;
            try {
                response = handler.handle(request);
            } catch (AwsError error) {
                sendError(exchange, error);
                return;
            } catch (RuntimeException e) {
                sendError(exchange, new AwsError(500, "InternalServiceError", e.toString()));
                return;
            }
            send(exchange, 200, JSON.writeValueAsBytes(response == null ? JSON.createObjectNode() : response));
        }
    }

    private void sendError(HttpExchange exchange, AwsError error) throws IOException {
        exchange.getResponseHeaders().set("x-amzn-ErrorType", error.code());
        byte[] body =
                JSON.writeValueAsBytes(Map.of("__type", error.code(), "message", String.valueOf(error.getMessage())));
        send(exchange, error.status(), body);
    }

    private void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.getResponseHeaders()
                .set("x-amzn-RequestId", java.util.UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }

    /** Raw bytes as UTF-8 JSON text, for handlers that build responses by hand. */
    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ObjectMapper mapper() {
        return JSON;
    }
}
