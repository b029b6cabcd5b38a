package org.ecrreplicator.state;

import static org.ecrreplicator.domain.state.StateTable.*;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.state.StateTable;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;

/** {@link AttemptStore} on the state table (layout in {@link StateTable}); items of kind ATTEMPT. */
public final class DynamoAttemptStore implements AttemptStore {
    static final String ATTEMPT_KIND = "ATTEMPT";

    /** 128 bits: an id nobody can guess, so only one read from the table leads to a token. */
    private static final int ID_BYTES = 16;

    private static final Pattern ID = Pattern.compile("[0-9a-f]{" + 2 * ID_BYTES + "}");

    private static final SecureRandom RANDOM = new SecureRandom();

    private final DynamoDbClient dynamo;
    private final String table;

    /** The caller owns {@code dynamo}. */
    public DynamoAttemptStore(DynamoDbClient dynamo, String table) {
        this.dynamo = Objects.requireNonNull(dynamo, "dynamo");
        this.table = Objects.requireNonNull(table, "table");
    }

    /** A new attempt id: 128 random bits as lowercase hex. */
    public static String newAttemptId() {
        byte[] bytes = new byte[ID_BYTES];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    @Override
    public String attemptFor(String taskToken, Instant expiresAt) {
        String tokenKey = attemptTokenKey(Sha256.hex(taskToken));
        Optional<String> known = get(tokenKey).map(item -> item.get(ATTEMPT_ID).s());
        if (known.isPresent()) {
            return known.get();
        }
        String attemptId = newAttemptId();
        // The token's item first: whoever finds the id through the second item also finds the token.
        Map<String, AttributeValue> attempt = item(attemptKey(attemptId), expiresAt);
        attempt.put(TASK_TOKEN, AttributeValue.fromS(taskToken));
        dynamo.putItem(put -> put.tableName(table)
                .item(attempt)
                .conditionExpression("attribute_not_exists(#key)")
                .expressionAttributeNames(Map.of("#key", KEY)));
        Map<String, AttributeValue> byToken = item(tokenKey, expiresAt);
        byToken.put(ATTEMPT_ID, AttributeValue.fromS(attemptId));
        try {
            dynamo.putItem(put -> put.tableName(table)
                    .item(byToken)
                    .conditionExpression("attribute_not_exists(#key)")
                    .expressionAttributeNames(Map.of("#key", KEY)));
            return attemptId;
        } catch (ConditionalCheckFailedException concurrent) {
            // Another invocation of the same attempt got there first: its id is the one; ours expires unused.
            return get(tokenKey)
                    .map(item -> item.get(ATTEMPT_ID).s())
                    .orElseThrow(() -> new IllegalStateException("the attempt item of a task token vanished"));
        }
    }

    @Override
    public Optional<String> taskToken(String attemptId) {
        // Anything but an id this class makes is not looked up: no other key under the prefix can be named.
        if (attemptId == null || !ID.matcher(attemptId).matches()) {
            return Optional.empty();
        }
        return get(attemptKey(attemptId)).map(item -> item.get(TASK_TOKEN)).map(AttributeValue::s);
    }

    private static Map<String, AttributeValue> item(String key, Instant expiresAt) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put(KEY, AttributeValue.fromS(key));
        item.put(KIND, AttributeValue.fromS(ATTEMPT_KIND));
        item.put(TTL, AttributeValue.fromN(Long.toString(expiresAt.getEpochSecond())));
        return item;
    }

    private Optional<Map<String, AttributeValue>> get(String key) {
        Map<String, AttributeValue> item = dynamo.getItem(request -> request.tableName(table)
                        .key(Map.of(KEY, AttributeValue.fromS(key)))
                        .consistentRead(true))
                .item();
        return item == null || item.isEmpty() ? Optional.empty() : Optional.of(item);
    }
}
