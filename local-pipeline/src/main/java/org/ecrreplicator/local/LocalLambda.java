package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A Lambda Invoke API stand-in on loopback ({@code POST /2015-03-31/functions/{FunctionName}/invocations},
 * RequestResponse) that runs Java handler objects in this JVM. A function error answers 200 with {@code
 * X-Amz-Function-Error: Unhandled} and the Java runtime's error document ({@code errorMessage}, {@code errorType}
 * = the exception's {@code getClass().getName()}, {@code stackTrace}); an injected service error answers with the
 * Lambda API's status and {@code x-amzn-ErrorType}, as Step Functions sees a throttled or failing Lambda service.
 */
public final class LocalLambda implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PATH_PREFIX = "/2015-03-31/functions/";

    /** One invocation, for tests: the function name and the payload it got. */
    public record Invocation(String functionName, JsonNode payload) {}

    private record ServiceError(int status, String type) {}

    private final String region;
    private final String account;
    private final Map<String, LocalFunction> functions = new ConcurrentHashMap<>();
    private final Map<String, Deque<ServiceError>> injected = new ConcurrentHashMap<>();
    private final List<Invocation> invocations = new CopyOnWriteArrayList<>();
    private final HttpServer server;
    private final ExecutorService executor;

    public LocalLambda() {
        this("us-east-1", "123456789012");
    }

    public LocalLambda(String region, String account) {
        this.region = region;
        this.account = account;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "local-lambda");
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext(PATH_PREFIX, this::handle);
        server.start();
    }

    /** Registers a function under its name; it answers to the name and to its ARN. Returns the ARN. */
    public String register(String functionName, LocalFunction function) {
        functions.put(functionName, function);
        return functionArn(functionName);
    }

    public String functionArn(String functionName) {
        return "arn:aws:lambda:" + region + ":" + account + ":function:" + functionName;
    }

    /**
     * The next {@code times} invocations of the function fail in the Lambda service (the function does not run),
     * e.g. {@code TooManyRequestsException} with status 429, as when Lambda throttles.
     */
    public void failNextInvocations(String functionName, int status, String errorType, int times) {
        Deque<ServiceError> queue = injected.computeIfAbsent(functionName, name -> new ArrayDeque<>());
        synchronized (queue) {
            for (int i = 0; i < times; i++) {
                queue.add(new ServiceError(status, errorType));
            }
        }
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public List<Invocation> invocations() {
        return List.copyOf(invocations);
    }

    public List<Invocation> invocations(String functionName) {
        return invocations.stream()
                .filter(invocation -> invocation.functionName().equals(functionName))
                .toList();
    }

    /** Resolves a FunctionName as the Invoke API accepts it: name, full ARN, or partial ARN. */
    private String resolve(String functionName) {
        String name = functionName;
        int marker = name.indexOf("function:");
        if (marker >= 0) {
            name = name.substring(marker + "function:".length());
        }
        int qualifier = name.indexOf(':');
        return qualifier >= 0 ? name.substring(0, qualifier) : name;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            if (!"POST".equals(exchange.getRequestMethod()) || !path.endsWith("/invocations")) {
                sendServiceError(exchange, new ServiceError(404, "ResourceNotFoundException"), "unknown path " + path);
                return;
            }
            String raw = path.substring(PATH_PREFIX.length(), path.length() - "/invocations".length());
            String name = resolve(URLDecoder.decode(raw, StandardCharsets.UTF_8));
            LocalFunction function = functions.get(name);
            if (function == null) {
                sendServiceError(
                        exchange,
                        new ServiceError(404, "ResourceNotFoundException"),
                        "Function not found: " + functionArn(name));
                return;
            }
            byte[] body = exchange.getRequestBody().readAllBytes();
            JsonNode payload = body.length == 0 ? NullNode.getInstance() : JSON.readTree(body);
            ServiceError error = nextInjected(name);
            if (error != null) {
                sendServiceError(exchange, error, "Rate exceeded");
                return;
            }
            invocations.add(new Invocation(name, payload));
            JsonNode result;
            try {
                result = function.invoke(payload);
            } catch (Exception | Error e) {
                exchange.getResponseHeaders().set("X-Amz-Function-Error", "Unhandled");
                send(exchange, 200, JSON.writeValueAsBytes(errorDocument(e)));
                return;
            }
            send(exchange, 200, JSON.writeValueAsBytes(result == null ? NullNode.getInstance() : result));
        }
    }

    private ServiceError nextInjected(String name) {
        Deque<ServiceError> queue = injected.get(name);
        if (queue == null) {
            return null;
        }
        synchronized (queue) {
            return queue.poll();
        }
    }

    /** What the Java runtime reports for an uncaught exception. */
    static ObjectNode errorDocument(Throwable e) {
        ObjectNode document = JSON.createObjectNode();
        document.put("errorMessage", e.getMessage());
        document.put("errorType", e.getClass().getName());
        ArrayNode trace = document.putArray("stackTrace");
        for (StackTraceElement element : e.getStackTrace()) {
            trace.add(element.toString());
        }
        if (e.getCause() != null && e.getCause() != e) {
            document.set("cause", errorDocument(e.getCause()));
        }
        return document;
    }

    private void sendServiceError(HttpExchange exchange, ServiceError error, String message) throws IOException {
        exchange.getResponseHeaders().set("x-amzn-ErrorType", error.type());
        ObjectNode body = JSON.createObjectNode();
        body.put("Type", "User");
        body.put("message", message);
        send(exchange, error.status(), JSON.writeValueAsBytes(body));
    }

    private void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
