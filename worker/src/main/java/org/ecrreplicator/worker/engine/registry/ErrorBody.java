package org.ecrreplicator.worker.engine.registry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.ecrreplicator.worker.engine.manifest.JsonTree;

/** The distribution error body: {@code {"errors":[{"code","message","detail"}]}}. */
record ErrorBody(String code, String message) {
    static ErrorBody parse(byte[] body) {
        if (body == null || body.length == 0) {
            return new ErrorBody(null, null);
        }
        try {
            List<Object> errors = JsonTree.array(JsonTree.parse(body), "errors");
            if (!errors.isEmpty() && errors.get(0) instanceof Map<?, ?> first) {
                return new ErrorBody(JsonTree.string(first, "code"), JsonTree.string(first, "message"));
            }
        } catch (IOException e) {
            // not JSON: fall through to the raw text
        }
        String text = new String(Arrays.copyOf(body, Math.min(body.length, 200)), StandardCharsets.UTF_8)
                .replaceAll("\\s+", " ")
                .trim();
        return new ErrorBody(null, text.isEmpty() ? null : text);
    }

    boolean isEmpty() {
        return code == null && message == null;
    }

    String summary() {
        if (isEmpty()) {
            return "";
        }
        return code == null ? message : message == null ? code : code + ": " + message;
    }

    /** Registries word it differently: ECR says immutable, distribution says the tag is invalid and exists. */
    boolean saysTagIsImmutable() {
        String text = (code + " " + message).toLowerCase(Locale.ROOT);
        return text.contains("immutable") || text.contains("tag_invalid") && text.contains("already exists");
    }
}
