package org.ecrreplicator.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.ReplicationRequest;

/** JSON in and out of the stream handlers, and the small field readers their payloads need. */
final class JsonIo {
    private JsonIo() {}

    static JsonNode read(InputStream input) {
        try {
            return Json.parse(new String(input.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the invocation payload", e);
        }
    }

    static void write(OutputStream output, JsonNode value) {
        try {
            output.write(Json.MAPPER.writeValueAsBytes(value));
            output.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the handler result", e);
        }
    }

    static ObjectNode object() {
        return Json.MAPPER.createObjectNode();
    }

    /** The payload's {@code request}, bound strictly; the message names the field and the fix. */
    static ReplicationRequest request(JsonNode payload) {
        JsonNode request = payload.get("request");
        if (request == null || !request.isObject()) {
            throw new IllegalArgumentException(
                    "payload field 'request' is missing: the state machine must pass the replication request"
                            + " (the execution input) as \"request\", e.g. \"request.$\": \"$.request\"");
        }
        return ReplicationRequest.fromJsonNode(request);
    }

    static String text(JsonNode payload, String field) {
        JsonNode value = payload.get(field);
        if (value == null
                || value.isNull()
                || !value.isTextual()
                || value.textValue().isBlank()) {
            throw new IllegalArgumentException("payload field '" + field + "' is missing or not a string");
        }
        return value.textValue();
    }

    static String optionalText(JsonNode payload, String field) {
        JsonNode value = payload == null ? null : payload.get(field);
        return value == null || value.isNull() || value.asText().isEmpty() ? null : value.asText();
    }

    static int integer(JsonNode payload, String field, int fallback) {
        JsonNode value = payload.get(field);
        if (value == null || value.isNull()) {
            return fallback;
        }
        if (!value.canConvertToInt()) {
            throw new IllegalArgumentException("payload field '" + field + "' must be a whole number");
        }
        return value.intValue();
    }
}
