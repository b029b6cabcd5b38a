package org.ecrreplicator.state;

import static org.ecrreplicator.domain.state.StateTable.BLOB_REPOSITORIES;
import static org.ecrreplicator.domain.state.StateTable.KEY;
import static org.ecrreplicator.domain.state.StateTable.MAX_BLOB_REPOSITORIES;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.state.StateTable;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BatchGetItemResponse;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeysAndAttributes;

/**
 * The pipeline's shared index of where blobs are at the destination, in the state table under {@link
 * StateTable#BLOB_PREFIX} (docs/decisions/0072-blob-mounts.md): every build starts in a fresh container, so what
 * one build copied reaches the next only through the table.
 *
 * <p>Errors are the caller's to swallow: the index is a hint, and a copy never fails for it.
 */
public final class DynamoBlobIndex {
    /** BatchGetItem's limit on keys per call. */
    static final int BATCH = 100;

    /** Rounds of UnprocessedKeys retried before the rest is given up: a hint is not worth waiting for. */
    static final int MAX_ROUNDS = 5;

    private final DynamoDbClient dynamo;
    private final String table;

    /** The caller owns {@code dynamo}. */
    public DynamoBlobIndex(DynamoDbClient dynamo, String table) {
        this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
        this.table = Objects.requireNonNull(table, "table");
    }

    /** The repositories of {@code registry} the index says hold each blob; blobs it knows nothing of are absent. */
    public Map<Digest, Set<String>> read(String registry, Collection<Digest> digests) {
        Map<String, Digest> byKey = new LinkedHashMap<>();
        for (Digest digest : digests) {
            byKey.put(StateTable.blobKey(registry, digest), digest);
        }
        Map<Digest, Set<String>> found = new HashMap<>();
        List<String> keys = new ArrayList<>(byKey.keySet());
        for (int from = 0; from < keys.size(); from += BATCH) {
            List<Map<String, AttributeValue>> batch = keys.subList(from, Math.min(keys.size(), from + BATCH)).stream()
                    .map(key -> Map.of(KEY, AttributeValue.fromS(key)))
                    .toList();
            Map<String, KeysAndAttributes> request = Map.of(
                    table,
                    KeysAndAttributes.builder()
                            .keys(batch)
                            .projectionExpression("#k, #r")
                            .expressionAttributeNames(Map.of("#k", KEY, "#r", BLOB_REPOSITORIES))
                            .build());
            for (int round = 0; round < MAX_ROUNDS && !request.isEmpty(); round++) {
                Map<String, KeysAndAttributes> asked = request;
                BatchGetItemResponse response = dynamo.batchGetItem(get -> get.requestItems(asked));
                for (Map<String, AttributeValue> item : response.responses().getOrDefault(table, List.of())) {
                    Digest digest = byKey.get(item.get(KEY).s());
                    AttributeValue repositories = item.get(BLOB_REPOSITORIES);
                    if (digest != null && repositories != null && repositories.hasSs()) {
                        found.put(digest, new LinkedHashSet<>(repositories.ss()));
                    }
                }
                request = response.hasUnprocessedKeys() ? response.unprocessedKeys() : Map.of();
            }
        }
        return found;
    }

    /**
     * Records that {@code repository} of {@code registry} holds each blob: an ADD to each item's set, unless the
     * set is full already (it then names enough repositories to mount from).
     */
    public void add(String registry, String repository, Collection<Digest> digests) {
        for (Digest digest : new LinkedHashSet<>(digests)) {
            try {
                dynamo.updateItem(update -> update.tableName(table)
                        .key(Map.of(KEY, AttributeValue.fromS(StateTable.blobKey(registry, digest))))
                        .updateExpression("ADD #r :repo")
                        .conditionExpression("attribute_not_exists(#r) OR contains(#r, :name) OR size(#r) < :max")
                        .expressionAttributeNames(Map.of("#r", BLOB_REPOSITORIES))
                        .expressionAttributeValues(Map.of(
                                ":repo", AttributeValue.fromSs(List.of(repository)),
                                ":name", AttributeValue.fromS(repository),
                                ":max", AttributeValue.fromN(Integer.toString(MAX_BLOB_REPOSITORIES)))));
            } catch (ConditionalCheckFailedException e) {
                // Full: the blob is known in enough repositories already.
            }
        }
    }
}
