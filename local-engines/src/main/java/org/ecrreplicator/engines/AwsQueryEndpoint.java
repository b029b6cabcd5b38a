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
 * A loopback endpoint speaking the AWS Query protocol, for control-plane APIs that have no local engine
 * (CloudFormation, CloudWatch): a form-encoded {@code POST /} with {@code Action}, {@code Version} and the
 * parameters ({@code List.member.N} for lists), answered with {@code <ActionResponse><ActionResult>...}
 * XML in the service's namespace and a {@code ResponseMetadata/RequestId}. Failures are an {@code
 * ErrorResponse} with {@code Error/Type}, {@code Error/Code} and {@code Error/Message}, which an unmodified
 * SDK client maps by the code to the same exception classes as the real service's.
 */
public class AwsQueryEndpoint implements AutoCloseable {
    /** One action: the request's form parameters in, the inner XML of {@code <ActionResult>} out. */
    @FunctionalInterface
    public interface Action {
        void handle(Map<String, String> form, Xml result);
    }

    /**
     * An action that acts as its caller (IAM's {@code ListAccessKeys} without a user name lists the caller's
     * keys): the access key id of the SigV4 {@code Authorization} header (null when unsigned) comes first.
     */
    @FunctionalInterface
    public interface CallerAction {
        void handle(String accessKeyId, Map<String, String> form, Xml result);
    }

    /** An API error as the service reports it: HTTP status, error code and message. */
    public static class QueryError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        private final int status;
        private final String code;

        public QueryError(int status, String code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }

        public QueryError(String code, String message) {
            this(400, code, message);
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    /** XML written element by element, indented, with text escaped. */
    public static final class Xml {
        private final StringBuilder text = new StringBuilder();
        private int depth;

        public Xml open(String name) {
            indent().append('<').append(name).append(">\n");
            depth++;
            return this;
        }

        public Xml close(String name) {
            depth--;
            indent().append("</").append(name).append(">\n");
            return this;
        }

        /** {@code <name>value</name>}; nothing when {@code value} is null, as the services leave absent members out. */
        public Xml element(String name, Object value) {
            if (value != null) {
                indent().append('<')
                        .append(name)
                        .append('>')
                        .append(escape(String.valueOf(value)))
                        .append("</")
                        .append(name)
                        .append(">\n");
            }
            return this;
        }

        /** {@code <name><member>v</member>...</name>}: a list of strings as the Query protocol writes it. */
        public Xml members(String name, List<String> values) {
            open(name);
            values.forEach(value -> element("member", value));
            return close(name);
        }

        private StringBuilder indent() {
            return text.append("  ".repeat(depth));
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    private final String name;
    private final String namespace;
    private final String version;
    private final HttpServer server;
    private final Map<String, CallerAction> actions = new ConcurrentHashMap<>();
    private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();

    /**
     * @param name the service, for thread names
     * @param namespace e.g. {@code http://cloudformation.amazonaws.com/doc/2010-05-15/}
     * @param version the API version the requests must name, e.g. {@code 2010-05-15}
     */
    public AwsQueryEndpoint(String name, String namespace, String version) {
        this.name = name;
        this.namespace = namespace;
        this.version = version;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, name + "-endpoint");
            thread.setDaemon(true);
            return thread;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    public AwsQueryEndpoint on(String action, Action handler) {
        actions.put(action, (caller, form, result) -> handler.handle(form, result));
        return this;
    }

    public AwsQueryEndpoint onCaller(String action, CallerAction handler) {
        actions.put(action, handler);
        return this;
    }

    /** The endpoint URL to give a client, e.g. through {@code AWS_ENDPOINT_URL_CLOUDFORMATION}. */
    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The form parameters of every request received, for tests that assert what a client sent. */
    public List<Map<String, String>> requests() {
        return List.copyOf(requests);
    }

    /** The values of {@code prefix.member.1}, {@code prefix.member.2}, ... in order, as the Query protocol sends a list. */
    public static List<String> members(Map<String, String> form, String prefix) {
        List<String> values = new ArrayList<>();
        for (int i = 1; form.containsKey(prefix + ".member." + i); i++) {
            values.add(form.get(prefix + ".member." + i));
        }
        return values;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Map<String, String> form =
                    parseForm(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            requests.add(form);
            String action = form.get("Action");
            CallerAction handler = action == null ? null : actions.get(action);
            if (!"POST".equals(exchange.getRequestMethod())
                    || handler == null
                    || !version.equals(form.get("Version"))) {
                sendError(
                        exchange,
                        new QueryError(
                                "InvalidAction",
                                "Could not find operation " + action + " for version " + form.get("Version")));
                return;
            }
            Xml result = new Xml();
            try {
                handler.handle(
                        AwsJsonEndpoint.accessKeyId(exchange.getRequestHeaders().getFirst("Authorization")),
                        form,
                        result);
            } catch (QueryError error) {
                sendError(exchange, error);
                return;
            } catch (RuntimeException e) {
                sendError(exchange, new QueryError(500, "InternalFailure", e.toString()));
                return;
            }
            StringBuilder xml = new StringBuilder();
            xml.append('<')
                    .append(action)
                    .append("Response xmlns=\"")
                    .append(namespace)
                    .append("\">\n<")
                    .append(action)
                    .append("Result>\n")
                    .append(result)
                    .append("</")
                    .append(action)
                    .append("Result>\n<ResponseMetadata>\n<RequestId>")
                    .append(UUID.randomUUID())
                    .append("</RequestId>\n</ResponseMetadata>\n</")
                    .append(action)
                    .append("Response>\n");
            send(exchange, 200, xml.toString());
        }
    }

    private void sendError(HttpExchange exchange, QueryError error) throws IOException {
        Xml xml = new Xml();
        xml.open("Error")
                .element("Type", error.status() >= 500 ? "Receiver" : "Sender")
                .element("Code", error.code())
                .element("Message", error.getMessage())
                .close("Error")
                .element("RequestId", UUID.randomUUID());
        send(exchange, error.status(), "<ErrorResponse xmlns=\"" + namespace + "\">\n" + xml + "</ErrorResponse>\n");
    }

    private static void send(HttpExchange exchange, int status, String xml) throws IOException {
        byte[] body = xml.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/xml");
        exchange.getResponseHeaders().set("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
    }

    static String escape(String text) {
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
            String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            form.put(key, value);
        }
        return form;
    }

    @Override
    public void close() {
        server.stop(0);
        ((ExecutorService) server.getExecutor()).shutdownNow();
    }

    @Override
    public String toString() {
        return name + " at " + endpoint();
    }
}
