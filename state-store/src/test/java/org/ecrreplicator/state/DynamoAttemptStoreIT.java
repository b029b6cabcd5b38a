package org.ecrreplicator.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.engines.DynamoDbLocalEngine;
import org.ecrreplicator.engines.LocalStateTable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** Attempt ids and their task tokens against DynamoDB Local (decision 0071). */
class DynamoAttemptStoreIT {
    private static final Instant EXPIRES = Instant.parse("2025-03-01T12:15:30Z");
    private static DynamoDbLocalEngine engine;
    private static DynamoDbClient dynamo;
    private String table;
    private DynamoAttemptStore store;

    @BeforeAll
    static void start() {
        engine = DynamoDbLocalEngine.start();
        dynamo = engine.client();
    }

    @AfterAll
    static void stop() {
        dynamo.close();
        engine.close();
    }

    @BeforeEach
    void createTable() {
        table = "state-" + UUID.randomUUID();
        LocalStateTable.create(dynamo, table, StateTable.KEY);
        store = new DynamoAttemptStore(dynamo, table);
    }

    private Map<String, AttributeValue> item(String key) {
        return dynamo.getItem(get -> get.tableName(table).key(Map.of(StateTable.KEY, AttributeValue.fromS(key))))
                .item();
    }

    @Test
    void shouldGiveTheSameAttemptIdWhenTheSameTokenAsksAgain() {
        String first = store.attemptFor("token-1", EXPIRES);
        String again = store.attemptFor("token-1", EXPIRES);
        String other = store.attemptFor("token-2", EXPIRES);

        assertThat(again).isEqualTo(first);
        assertThat(other).isNotEqualTo(first);
        assertThat(first).matches("[0-9a-f]{32}");
        assertThat(store.taskToken(first)).contains("token-1");
        assertThat(store.taskToken(other)).contains("token-2");
    }

    @Test
    void shouldKeepBothItemsUnderTheAttemptPrefixWithTheirExpiry() {
        String attemptId = store.attemptFor("token-1", EXPIRES);

        Map<String, AttributeValue> attempt = item(StateTable.attemptKey(attemptId));
        Map<String, AttributeValue> byToken = item(StateTable.attemptTokenKey(Sha256.hex("token-1")));

        assertThat(attempt.get(StateTable.TASK_TOKEN).s()).isEqualTo("token-1");
        assertThat(attempt.get(StateTable.TTL).n()).isEqualTo(Long.toString(EXPIRES.getEpochSecond()));
        assertThat(byToken.get(StateTable.ATTEMPT_ID).s()).isEqualTo(attemptId);
        assertThat(byToken.get(StateTable.TTL).n()).isEqualTo(Long.toString(EXPIRES.getEpochSecond()));
        assertThat(byToken.toString())
                .as("the token itself is only on the id's item")
                .doesNotContain("token-1");
        assertThat(StateTable.attemptKey(attemptId)).doesNotContain(":", "@");
    }

    @Test
    void shouldFindNoTokenWhenTheIdWasNeverGivenOut() {
        store.attemptFor("token-1", EXPIRES);

        assertThat(store.taskToken("0123456789abcdef0123456789abcdef")).isEmpty();
        assertThat(store.taskToken("token#" + Sha256.hex("token-1")))
                .as("the token-hash item holds no token")
                .isEmpty();
        assertThat(store.taskToken("")).isEmpty();
        assertThat(store.taskToken(null)).isEmpty();
    }
}
