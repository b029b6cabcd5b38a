package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.ecrreplicator.local.TaskTokenRegistry.TaskOutcome;

/**
 * The loopback endpoint through which the interpreter's task overrides ({@code statemachine/local/run-execution.mjs})
 * reach the {@link TaskTokenRegistry}: {@code POST /_sfn/tokens} mints a token for an attempt, {@code
 * /_sfn/tokens/close} closes one whose function failed, {@code /_sfn/tokens/await} long-polls for its outcome.
 * Not an AWS API: only the runner calls it.
 */
final class TaskTokenCallbacks implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TaskTokenRegistry tokens;
    private final HttpServer server;
    // Each await holds its thread for up to a long poll: the pool must grow with the tasks waiting.
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "local-sfn-callbacks");
        thread.setDaemon(true);
        return thread;
    });

    TaskTokenCallbacks(TaskTokenRegistry tokens) {
        this.tokens = tokens;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(threads);
        server.createContext("/_sfn/", this::handle);
        server.start();
    }

    /** The base URL the runner is given. */
    URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            ObjectNode response = JSON.createObjectNode();
            switch (exchange.getRequestURI().getPath()) {
                case "/_sfn/tokens" ->
                    response.put(
                            "token",
                            tokens.mint(
                                    request.path("executionArn").asText(),
                                    request.path("timeoutSeconds").asLong(60)));
                case "/_sfn/tokens/close" ->
                    tokens.functionFailed(request.path("token").asText());
                case "/_sfn/tokens/await" -> {
                    TaskOutcome outcome = tokens.await(
                            request.path("token").asText(),
                            Duration.ofSeconds(request.path("waitSeconds").asLong(20)));
                    describe(outcome, response);
                }
                default -> {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
            }
            byte[] body = JSON.writeValueAsBytes(response);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    private static void describe(TaskOutcome outcome, ObjectNode response) {
        if (outcome == null) {
            response.put("status", "PENDING");
            return;
        }
        response.put("status", outcome.status());
        if (outcome.output() != null) {
            response.set("output", outcome.output());
        }
        if (outcome.error() != null) {
            response.put("error", outcome.error());
        }
        if (outcome.cause() != null) {
            response.put("cause", outcome.cause());
        }
    }

    @Override
    public void close() {
        server.stop(0);
        threads.shutdownNow();
    }
}
