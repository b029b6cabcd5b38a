package org.ecrreplicator.domain;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.Set;

/**
 * One replication to carry out: the SQS message body and the workflow input.
 *
 * @param tag null for digest-only pushes and deletes
 * @param sourceRegistry the source account id
 */
public record ReplicationRequest(
        String repository,
        String tag,
        Digest digest,
        ImageAction action,
        Instant eventTime,
        String eventId,
        String sourceRegistry) {

    /** SQS's limit on MessageGroupId. */
    public static final int MAX_GROUP_ID_LENGTH = 128;

    private static final int MAX_EVENT_ID_LENGTH = 128;
    private static final Set<String> FIELDS =
            Set.of("repository", "tag", "digest", "action", "eventTime", "eventId", "sourceRegistry");

    public ReplicationRequest {
        field("repository", () -> Names.requireRepository(repository));
        if (tag != null) {
            field("tag", () -> Names.requireTag(tag));
        }
        require(digest != null, "digest", "is missing");
        require(action != null, "action", "is missing");
        require(eventTime != null, "eventTime", "is missing");
        require(eventId != null && !eventId.isBlank(), "eventId", "is missing");
        require(eventId.length() <= MAX_EVENT_ID_LENGTH, "eventId", "is longer than " + MAX_EVENT_ID_LENGTH);
        require(
                eventId.chars().allMatch(c -> c > 0x20 && c < 0x7f),
                "eventId",
                "must be printable ASCII without spaces");
        require(sourceRegistry != null, "sourceRegistry", "is missing");
        field("sourceRegistry", () -> EcrRegistry.requireAccountId(sourceRegistry));
    }

    /** The per-tag key the queue orders by and the state table is keyed on: {@code repo:tag} or {@code repo@digest}. */
    public String imageKey() {
        return tag != null ? repository + ":" + tag : repository + "@" + digest;
    }

    /**
     * SQS FIFO message group: the image key, or when that exceeds 128 characters a readable prefix and
     * the key's sha256, so two long keys never share a group by truncation.
     */
    public String messageGroupId() {
        String key = imageKey();
        if (key.length() <= MAX_GROUP_ID_LENGTH) {
            return key;
        }
        String hash = Sha256.hex(key);
        int prefix = MAX_GROUP_ID_LENGTH - hash.length() - 1;
        return key.substring(0, prefix) + "#" + hash;
    }

    public ImageReference source(String registryAuthority) {
        return reference(registryAuthority);
    }

    public ImageReference reference(String registryAuthority) {
        ImageReference base = ImageReference.parse(registryAuthority + "/" + repository);
        return tag != null ? base.withTag(tag) : base.withDigest(digest);
    }

    public ObjectNode toJsonNode() {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("repository", repository);
        if (tag != null) {
            node.put("tag", tag);
        }
        node.put("digest", digest.toString());
        node.put("action", action.name());
        node.put("eventTime", eventTime.toString());
        node.put("eventId", eventId);
        node.put("sourceRegistry", sourceRegistry);
        return node;
    }

    public String toJson() {
        return Json.write(toJsonNode());
    }

    public static ReplicationRequest fromJson(String json) {
        JsonNode node;
        try {
            node = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("body", e.getMessage());
        }
        return fromJsonNode(node);
    }

    /** Strict binding: every field typed and validated, unknown fields refused, each error naming its field. */
    public static ReplicationRequest fromJsonNode(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new InvalidRequestException("body", "must be a JSON object");
        }
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw new InvalidRequestException(name, "is not a field of a replication request: expected " + FIELDS);
            }
        }
        String repository = text(node, "repository", true);
        String tag = text(node, "tag", false);
        String digestText = text(node, "digest", true);
        Digest digest = field("digest", () -> Digest.parse(digestText));
        ImageAction action = ImageAction.parse(text(node, "action", true));
        String time = text(node, "eventTime", true);
        Instant eventTime;
        try {
            eventTime = Instant.parse(time);
        } catch (DateTimeParseException e) {
            throw new InvalidRequestException(
                    "eventTime", "'" + time + "' is not an ISO-8601 instant such as 2026-11-22T10:00:00Z");
        }
        return new ReplicationRequest(
                repository,
                tag,
                digest,
                action,
                eventTime,
                text(node, "eventId", true),
                text(node, "sourceRegistry", true));
    }

    private static String text(JsonNode node, String field, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw new InvalidRequestException(field, "is missing");
            }
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidRequestException(
                    field, "must be a string, not " + value.getNodeType().name().toLowerCase());
        }
        return value.textValue();
    }

    private static void require(boolean condition, String field, String reason) {
        if (!condition) {
            throw new InvalidRequestException(field, reason);
        }
    }

    private static <T> T field(String field, java.util.function.Supplier<T> check) {
        try {
            return check.get();
        } catch (InvalidRequestException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field, e.getMessage());
        }
    }
}
