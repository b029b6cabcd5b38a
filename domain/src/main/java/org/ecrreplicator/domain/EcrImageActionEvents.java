package org.ecrreplicator.domain;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * Maps an EventBridge "ECR Image Action" or "ECR Referrer Action" event to a replication request, or to a named
 * rejection. ECR reports a manifest pushed with an OCI 1.1 {@code subject} (a signature, an SBOM) as a referrer
 * action with the same detail fields; both map to the same request, and the build copies a referrer with its
 * subject's fallback tag. Only successful PUSH and DELETE actions replicate; everything else is rejected with
 * a reason, never thrown, so the caller can log it once and move on instead of retrying forever.
 */
public final class EcrImageActionEvents {
    public static final String SOURCE = "aws.ecr";
    public static final String DETAIL_TYPE = "ECR Image Action";
    public static final String REFERRER_DETAIL_TYPE = "ECR Referrer Action";

    /** The detail types that replicate, as the EventBridge rule matches them. */
    public static final java.util.List<String> DETAIL_TYPES = java.util.List.of(DETAIL_TYPE, REFERRER_DETAIL_TYPE);

    private EcrImageActionEvents() {}

    /** The outcome of mapping one event. */
    public sealed interface Mapping permits Accepted, Rejected {}

    public record Accepted(ReplicationRequest request) implements Mapping {}

    /** @param eventId the event's id when it could be read, for the log line */
    public record Rejected(Rejection reason, String detail, String eventId) implements Mapping {}

    /** Why an event does not replicate. */
    public enum Rejection {
        MALFORMED_JSON,
        NOT_AN_ECR_EVENT,
        WRONG_DETAIL_TYPE,
        NOT_SUCCESSFUL,
        UNSUPPORTED_ACTION,
        INVALID_FIELD
    }

    public static Mapping map(String eventJson) {
        JsonNode event;
        try {
            event = Json.parse(eventJson);
        } catch (IllegalArgumentException e) {
            return new Rejected(Rejection.MALFORMED_JSON, e.getMessage(), null);
        }
        return map(event);
    }

    public static Mapping map(JsonNode event) {
        if (event == null || !event.isObject()) {
            return new Rejected(Rejection.MALFORMED_JSON, "event is not a JSON object", null);
        }
        String id = text(event, "id");
        String source = text(event, "source");
        if (!SOURCE.equals(source)) {
            return new Rejected(Rejection.NOT_AN_ECR_EVENT, "source is '" + source + "', expected " + SOURCE, id);
        }
        String detailType = text(event, "detail-type");
        if (!DETAIL_TYPES.contains(detailType)) {
            return new Rejected(
                    Rejection.WRONG_DETAIL_TYPE,
                    "detail-type is '" + detailType + "', expected one of " + DETAIL_TYPES,
                    id);
        }
        JsonNode detail = event.get("detail");
        if (detail == null || !detail.isObject()) {
            return new Rejected(Rejection.INVALID_FIELD, "detail is missing", id);
        }
        String result = text(detail, "result");
        if (!"SUCCESS".equals(result)) {
            return new Rejected(Rejection.NOT_SUCCESSFUL, "result is '" + result + "', only SUCCESS replicates", id);
        }
        String actionType = text(detail, "action-type");
        ImageAction action;
        try {
            action = ImageAction.parse(actionType);
        } catch (InvalidRequestException e) {
            return new Rejected(
                    Rejection.UNSUPPORTED_ACTION, "action-type is '" + actionType + "', expected PUSH or DELETE", id);
        }
        Instant time;
        try {
            String timeText = text(event, "time");
            if (timeText == null) {
                return new Rejected(Rejection.INVALID_FIELD, "time is missing", id);
            }
            time = Instant.parse(timeText);
        } catch (DateTimeParseException e) {
            return new Rejected(Rejection.INVALID_FIELD, "time is not an ISO-8601 instant", id);
        }
        String digestText = text(detail, "image-digest");
        try {
            Digest digest = digestText == null ? null : Digest.parse(digestText);
            return new Accepted(new ReplicationRequest(
                    text(detail, "repository-name"),
                    text(detail, "image-tag"),
                    digest,
                    action,
                    time,
                    id,
                    text(event, "account")));
        } catch (IllegalArgumentException e) {
            return new Rejected(Rejection.INVALID_FIELD, e.getMessage(), id);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || !value.isTextual() || value.textValue().isEmpty()) {
            return null;
        }
        return value.textValue();
    }
}
