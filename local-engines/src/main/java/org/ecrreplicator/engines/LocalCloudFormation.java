package org.ecrreplicator.engines;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A loopback stand-in for CloudFormation's {@code DescribeStacks}, so that operator commands find a local
 * deployment exactly as they find a deployed one. CloudFormation speaks the AWS Query protocol: a form-encoded
 * {@code POST /} with {@code Action}, {@code Version=2010-05-15} and the parameters, answered with XML in the
 * 2010-05-15 namespace; an unknown stack is HTTP 400 with an {@code ErrorResponse} whose code is {@code
 * ValidationError}, which the unmodified SDK client maps to {@code CloudFormationException}. Nothing else of
 * CloudFormation is here: stacks are put in by the caller with their outputs.
 */
public final class LocalCloudFormation implements AutoCloseable {
    private static final String NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

    private record Stack(String name, String id, Instant created, Map<String, String> outputs) {}

    private final String region;
    private final String accountId;
    private final HttpServer server;
    private final Map<String, Stack> byName = new ConcurrentHashMap<>();
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();

    public LocalCloudFormation(String region, String accountId) {
        this.region = region;
        this.accountId = accountId;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "cloudformation-endpoint");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** The endpoint to give a client, e.g. through {@code AWS_ENDPOINT_URL_CLOUDFORMATION}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Creates or replaces the stack {@code name} in state {@code CREATE_COMPLETE}; returns its stack id. */
    public String putStack(String name, Map<String, String> outputs) {
        Stack stack = new Stack(
                name,
                "arn:aws:cloudformation:" + region + ":" + accountId + ":stack/" + name + "/" + UUID.randomUUID(),
                Instant.now().truncatedTo(ChronoUnit.MILLIS),
                Map.copyOf(new LinkedHashMap<>(outputs)));
        byName.put(name, stack);
        return stack.id();
    }

    /** The form parameters of every request received, for tests that assert what a client sent. */
    public List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> form =
                    parseForm(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            requests.add(form);
            if (!"POST".equals(exchange.getRequestMethod()) || !"DescribeStacks".equals(form.get("Action"))) {
                sendError(
                        exchange,
                        400,
                        "InvalidAction",
                        "Could not find operation " + form.get("Action") + " for version " + form.get("Version"));
                return;
            }
            String wanted = form.get("StackName");
            List<Stack> stacks = new ArrayList<>();
            if (wanted == null) {
                stacks.addAll(byName.values());
            } else {
                // A stack is named by its name or by its stack id, as the real API accepts.
                byName.values().stream()
                        .filter(stack ->
                                stack.name().equals(wanted) || stack.id().equals(wanted))
                        .findFirst()
                        .ifPresent(stacks::add);
                if (stacks.isEmpty()) {
                    sendError(exchange, 400, "ValidationError", "Stack with id " + wanted + " does not exist");
                    return;
                }
            }
            send(exchange, 200, describeStacksResponse(stacks));
        }
    }

    private static String describeStacksResponse(List<Stack> stacks) {
        StringBuilder xml = new StringBuilder();
        xml.append("<DescribeStacksResponse xmlns=\"")
                .append(NAMESPACE)
                .append("\">\n")
                .append("  <DescribeStacksResult>\n    <Stacks>\n");
        for (Stack stack : stacks) {
            xml.append("      <member>\n");
            element(xml, "        ", "StackName", stack.name());
            element(xml, "        ", "StackId", stack.id());
            element(xml, "        ", "CreationTime", stack.created().toString());
            element(xml, "        ", "StackStatus", "CREATE_COMPLETE");
            element(xml, "        ", "DisableRollback", "false");
            xml.append("        <Outputs>\n");
            stack.outputs().forEach((key, value) -> {
                xml.append("          <member>\n");
                element(xml, "            ", "OutputKey", key);
                element(xml, "            ", "OutputValue", value);
                xml.append("          </member>\n");
            });
            xml.append("        </Outputs>\n      </member>\n");
        }
        xml.append("    </Stacks>\n  </DescribeStacksResult>\n");
        xml.append("  <ResponseMetadata>\n");
        element(xml, "    ", "RequestId", UUID.randomUUID().toString());
        xml.append("  </ResponseMetadata>\n</DescribeStacksResponse>\n");
        return xml.toString();
    }

    private static void sendError(HttpExchange exchange, int status, String code, String message) throws IOException {
        StringBuilder xml = new StringBuilder();
        xml.append("<ErrorResponse xmlns=\"").append(NAMESPACE).append("\">\n  <Error>\n");
        element(xml, "    ", "Type", "Sender");
        element(xml, "    ", "Code", code);
        element(xml, "    ", "Message", message);
        xml.append("  </Error>\n");
        element(xml, "  ", "RequestId", UUID.randomUUID().toString());
        xml.append("</ErrorResponse>\n");
        send(exchange, status, xml.toString());
    }

    private static void send(HttpExchange exchange, int status, String xml) throws IOException {
        byte[] body = xml.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    private static void element(StringBuilder xml, String indent, String name, String value) {
        xml.append(indent)
                .append('<')
                .append(name)
                .append('>')
                .append(escape(value))
                .append("</")
                .append(name)
                .append(">\n");
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;")
                .replace("<", "&lt;")
                .replace(">", "&gt;")
                .replace("\"", "&quot;");
    }

    private static Map<String, String> parseForm(String body) {
        Map<String, String> form = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int equals = pair.indexOf('=');
            String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            form.put(name, value);
        }
        return form;
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }
}
