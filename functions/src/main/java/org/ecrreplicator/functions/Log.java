package org.ecrreplicator.functions;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.util.function.Consumer;
import org.ecrreplicator.domain.Json;

/**
 * One JSON object per line on standard output (Lambda sends it to CloudWatch Logs), so Logs Insights and
 * metric filters can query fields. Callers pass only non-secret facts; nothing here adds request bodies.
 */
final class Log {
    private final String function;
    private final Consumer<String> sink;
    private final Clock clock;

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

    ObjectNode line(String level, String message) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("time", clock.instant().toString());
        node.put("level", level);
        node.put("function", function);
        node.put("message", message);
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
