package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.UUID;

/** EventBridge "ECR Image Action" events as ECR emits them, for the demo and the end-to-end tests. */
public final class EcrEvents {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EcrEvents() {}

    public static String push(String repository, String tag, String digest, Instant time) {
        return event("PUSH", repository, tag, digest, time, UUID.randomUUID().toString());
    }

    public static String delete(String repository, String tag, String digest, Instant time) {
        return event("DELETE", repository, tag, digest, time, UUID.randomUUID().toString());
    }

    public static String event(String action, String repository, String tag, String digest, Instant time, String id) {
        ObjectNode event = JSON.createObjectNode();
        event.put("version", "0");
        event.put("id", id);
        event.put("detail-type", "ECR Image Action");
        event.put("source", "aws.ecr");
        event.put("account", LocalPipeline.ACCOUNT);
        event.put("time", time.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString());
        event.put("region", LocalPipeline.REGION);
        event.putArray("resources");
        ObjectNode detail = event.putObject("detail");
        detail.put("result", "SUCCESS");
        detail.put("repository-name", repository);
        detail.put("image-digest", digest);
        detail.put("action-type", action);
        if (tag != null) {
            detail.put("image-tag", tag);
        }
        return event.toString();
    }
}
