package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.ecrreplicator.domain.Json;

/**
 * One JSON object per line on standard output (Lambda sends it to CloudWatch Logs), so Logs Insights and
 * metric filters can query fields. Callers pass only non-secret facts; nothing here adds request bodies.
 *
 * <p>Each invocation's lines carry its context, as the Lambda runtime gives it to the handler: the request id,
 * whether this was the function instance's first invocation (a cold start), the X-Ray trace id when tracing is
 * on, and whatever the handler said the invocation is about ({@link #about}, an image key, say), so that log
 * calls name only what is new. The context is per thread: the local pipeline runs one handler instance on
 * many threads at once.
 */
final class Log {
    /** The Java runtime puts each invocation's X-Ray trace header here. */
    static final String TRACE_HEADER_PROPERTY = "com.amazonaws.xray.traceHeader";

    private final String function;
    private final Consumer<String> sink;
    private final Clock clock;
    private final AtomicBoolean cold = new AtomicBoolean(true);
    private final ThreadLocal<ObjectNode> invocation = new ThreadLocal<>();

    Log(String function, Consumer<String> sink, Clock clock) {
        this.function = function;
        this.sink = sink;
        this.clock = clock;
    }

    static Consumer<String> stdout() {
        return line -> {
            System.out.println(line);
            System.out.flush();
        };
    }

    /** Starts an invocation's context; {@code context} is null when a test calls a handler directly. */
    void begin(Context context) {
        ObjectNode fields = Json.MAPPER.createObjectNode();
        if (context != null && context.getAwsRequestId() != null) {
            fields.put("requestId", context.getAwsRequestId());
        }
        fields.put("coldStart", cold.getAndSet(false));
        String trace = traceId(System.getProperty(TRACE_HEADER_PROPERTY));
        if (trace != null) {
            fields.put("traceId", trace);
        }
        invocation.set(fields);
    }

    /** Fields every later line of this invocation carries. */
    void about(Object... keyValues) {
        ObjectNode fields = invocation.get();
        if (fields == null) {
            fields = Json.MAPPER.createObjectNode();
            invocation.set(fields);
        }
        with(fields, keyValues);
    }

    /** {@code Root=1-5759e988-bd862e3fe1be46a994272793;Parent=...;Sampled=1} -> the root id. */
    static String traceId(String header) {
        if (header == null || header.isBlank()) {
            return null;
        }
        for (String part : header.split(";")) {
            String trimmed = part.trim();
            if (trimmed.startsWith("Root=")) {
                return trimmed.substring("Root=".length());
            }
        }
        return null;
    }

    ObjectNode line(String level, String message) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("time", clock.instant().toString());
        node.put("level", level);
        node.put("function", function);
        node.put("message", message);
        ObjectNode fields = invocation.get();
        if (fields != null) {
            node.setAll(fields);
        }
        return node;
    }

    void write(ObjectNode line) {
        sink.accept(Json.write(line));
    }

    void info(String message, Object... keyValues) {
        write(with(line("INFO", message), keyValues));
    }

    void warn(String message, Object... keyValues) {
        write(with(line("WARN", message), keyValues));
    }

    void error(String message, Object... keyValues) {
        write(with(line("ERROR", message), keyValues));
    }

    private static ObjectNode with(ObjectNode node, Object... keyValues) {
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            Object value = keyValues[i + 1];
            String key = String.valueOf(keyValues[i]);
            if (value == null) {
                node.putNull(key);
            } else if (value instanceof Number number) {
                node.put(key, number.longValue());
            } else if (value instanceof Boolean bool) {
                node.put(key, bool);
            } else {
                node.put(key, value.toString());
            }
        }
        return node;
    }

    /** Text cut to {@code max} characters, so a large body never floods a log line. */
    static String truncate(String text, int max) {
        if (text == null || text.length() <= max) {
            return text;
        }
        return text.substring(0, max) + "...(" + text.length() + " characters)";
    }
}
