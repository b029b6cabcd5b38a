package org.ecrreplicator.state;

import static org.ecrreplicator.domain.state.StateTable.*;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.state.DigestRemoval;
import org.ecrreplicator.domain.state.EventMark;
import org.ecrreplicator.domain.state.Lease;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagStatus;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/**
 * The per-tag state and the digest removal records as DynamoDB items (layout in {@link StateTable}); optimistic
 * locking on {@code version}.
 */
public final class DynamoTagStateStore implements TagStateStore {
    /** What a per-tag item holds in {@link StateTable#KIND}; history rows and removal records hold others. */
    static final String TAG_KIND = "TAG";

    private final DynamoDbClient dynamo;
    private final String table;

    /** The caller owns {@code dynamo}: its region, credentials, endpoint and timeouts are the caller's choice. */
    public DynamoTagStateStore(DynamoDbClient dynamo, String table) {
        this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
        this.table = Objects.requireNonNull(table, "table");
    }

    @Override
    public Optional<TagState> load(String imageKey) {
        Map<String, AttributeValue> item = dynamo.getItem(request ->
                        request.tableName(table).key(Map.of(KEY, s(imageKey))).consistentRead(true))
                .item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(fromItem(item));
    }

    @Override
    public List<TagState> scanTags(int pageSize) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("pageSize must be at least 1, not " + pageSize);
        }
        List<TagState> tags = new ArrayList<>();
        // The paginator follows LastEvaluatedKey; the filter is applied after each page is read, so a page may
        // hold fewer than pageSize tags (or none) and the scan still goes on.
        dynamo.scanPaginator(request -> request.tableName(table)
                        .limit(pageSize)
                        .filterExpression("#kind = :tag")
                        .expressionAttributeNames(Map.of("#kind", KIND))
                        .expressionAttributeValues(Map.of(":tag", s(TAG_KIND))))
                .items()
                .forEach(item -> tags.add(fromItem(item)));
        return tags;
    }

    @Override
    public void save(TagState next) {
        conditionalPut(toItem(next), next.version(), next.imageKey());
    }

    /** Creates the item at version 1, else replaces it only if it is still at {@code version - 1}. */
    private void conditionalPut(Map<String, AttributeValue> item, long version, String key) {
        try {
            if (version == 1) {
                dynamo.putItem(request -> request.tableName(table)
                        .item(item)
                        .conditionExpression("attribute_not_exists(#key)")
                        .expressionAttributeNames(Map.of("#key", KEY)));
            } else {
                dynamo.putItem(request -> request.tableName(table)
                        .item(item)
                        .conditionExpression("#version = :expected")
                        .expressionAttributeNames(Map.of("#version", VERSION))
                        .expressionAttributeValues(Map.of(":expected", n(version - 1))));
            }
        } catch (ConditionalCheckFailedException e) {
            throw new ConflictException(key);
        }
    }

    @Override
    public Optional<DigestRemoval> loadRemoval(String repository, Digest digest) {
        Map<String, AttributeValue> item = dynamo.getItem(request -> request.tableName(table)
                        .key(Map.of(KEY, s(StateTable.removalKey(repository, digest))))
                        .consistentRead(true))
                .item();
        if (item == null || item.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Instant> inProgress = new java.util.LinkedHashMap<>();
        AttributeValue entries = item.get(IN_PROGRESS);
        if (entries != null && entries.hasM()) {
            entries.m().forEach((execution, started) -> inProgress.put(execution, Instant.parse(started.s())));
        }
        return Optional.of(new DigestRemoval(
                repository,
                digest,
                Long.parseLong(item.get(VERSION).n()),
                inProgress,
                instant(item, LAST_REMOVED_AT),
                instant(item, UPDATED_AT)));
    }

    @Override
    public void saveRemoval(DigestRemoval next, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KEY, s(next.key()));
        item.put(KIND, s("REMOVAL"));
        item.put(VERSION, n(next.version()));
        Map<String, AttributeValue> inProgress = new HashMap<>();
        next.inProgress().forEach((execution, started) -> inProgress.put(execution, s(started.toString())));
        item.put(IN_PROGRESS, AttributeValue.fromM(inProgress));
        put(item, LAST_REMOVED_AT, next.lastRemovedAt());
        put(item, UPDATED_AT, next.updatedAt());
        item.put(TTL, n(expiresAt.getEpochSecond()));
        conditionalPut(item, next.version(), next.key());
    }

    @Override
    public void appendHistory(TagState state, String executionArn, String outcome, Instant expiresAt) {
        if (state.applied() == null) {
            return;
        }
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KEY, s(StateTable.historyKey(state.imageKey(), state.applied())));
        item.put(KIND, s("HISTORY"));
        item.put("tagKey", s(state.imageKey()));
        item.put("executionArn", s(executionArn));
        item.put("outcome", s(outcome));
        put(item, REPLICATED_DIGEST, state.replicatedDigest());
        put(item, BUILD_ID, state.buildId());
        item.put(UPDATED_AT, s(state.updatedAt().toString()));
        item.put(TTL, n(expiresAt.getEpochSecond()));
        try {
            dynamo.putItem(request -> request.tableName(table)
                    .item(item)
                    .conditionExpression("attribute_not_exists(#key)")
                    .expressionAttributeNames(Map.of("#key", KEY)));
        } catch (ConditionalCheckFailedException e) {
            // Written by an earlier try of the same invocation: history rows are write-once.
        }
    }

    static Map<String, AttributeValue> toItem(TagState state) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KEY, s(state.imageKey()));
        item.put(KIND, s(TAG_KIND));
        item.put(VERSION, n(state.version()));
        if (state.lastSeen() != null) {
            item.put(LAST_SEEN_EVENT_ID, s(state.lastSeen().eventId()));
            item.put(LAST_SEEN_EVENT_TIME, s(state.lastSeen().time().toString()));
        }
        put(item, LAST_SEEN_DIGEST, state.lastSeenDigest());
        if (state.applied() != null) {
            item.put(APPLIED_EVENT_ID, s(state.applied().eventId()));
            item.put(APPLIED_EVENT_TIME, s(state.applied().time().toString()));
        }
        put(item, REPLICATED_DIGEST, state.replicatedDigest());
        put(item, REPLICATED_AT, state.replicatedAt());
        item.put(DESTINATION_DELETED, AttributeValue.fromBool(state.destinationDeleted()));
        put(item, ATTEMPT_STARTED_AT, state.attemptStartedAt());
        put(item, SYNCED_AT, state.syncedAt());
        item.put(STATUS, s(state.status().name()));
        if (state.lease() != null) {
            item.put(LEASE_OWNER, s(state.lease().owner()));
            item.put(LEASE_EXPIRES_AT, s(state.lease().expiresAt().toString()));
        }
        put(item, BUILD_ID, state.buildId());
        put(item, TASK_TOKEN_HASH, state.taskTokenHash());
        put(item, ERROR, state.error());
        put(item, CAUSE, state.cause());
        put(item, FAILED_EXECUTION, state.failedExecution());
        item.put(UPDATED_AT, s(state.updatedAt().toString()));
        return item;
    }

    static TagState fromItem(Map<String, AttributeValue> item) {
        TagState.Builder builder = new TagState.Builder(text(item, KEY))
                .version(Long.parseLong(item.get(VERSION).n()))
                .lastSeen(mark(item, LAST_SEEN_EVENT_TIME, LAST_SEEN_EVENT_ID), digest(item, LAST_SEEN_DIGEST))
                .applied(mark(item, APPLIED_EVENT_TIME, APPLIED_EVENT_ID))
                .replicated(
                        digest(item, REPLICATED_DIGEST),
                        instant(item, REPLICATED_AT),
                        item.containsKey(DESTINATION_DELETED)
                                && Boolean.TRUE.equals(
                                        item.get(DESTINATION_DELETED).bool()))
                .attemptStarted(instant(item, ATTEMPT_STARTED_AT))
                .synced(instant(item, SYNCED_AT))
                .status(TagStatus.valueOf(text(item, STATUS)))
                .build(text(item, BUILD_ID), text(item, TASK_TOKEN_HASH))
                .error(text(item, ERROR), text(item, CAUSE), text(item, FAILED_EXECUTION))
                .updatedAt(instant(item, UPDATED_AT));
        String owner = text(item, LEASE_OWNER);
        if (owner != null) {
            builder.lease(new Lease(owner, instant(item, LEASE_EXPIRES_AT)));
        }
        return builder.done();
    }

    private static EventMark mark(Map<String, AttributeValue> item, String time, String id) {
        String eventId = text(item, id);
        return eventId == null ? null : new EventMark(instant(item, time), eventId);
    }

    private static Digest digest(Map<String, AttributeValue> item, String name) {
        String value = text(item, name);
        return value == null ? null : Digest.parse(value);
    }

    private static Instant instant(Map<String, AttributeValue> item, String name) {
        String value = text(item, name);
        return value == null ? null : Instant.parse(value);
    }

    private static String text(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    private static void put(Map<String, AttributeValue> item, String name, Object value) {
        if (value != null) {
            item.put(name, s(value.toString()));
        }
    }

    private static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    private static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }
}
