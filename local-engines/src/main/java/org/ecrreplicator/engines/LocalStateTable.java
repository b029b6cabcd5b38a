package org.ecrreplicator.engines;

import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;

/**
 * The replicator's state table on DynamoDB Local, shaped as the replication stack creates it: one String partition
 * key, no sort key, on demand. The stack's TTL on history rows is left out: nothing local runs long enough for a
 * row to expire.
 */
public final class LocalStateTable {
    private LocalStateTable() {}

    /**
     * Creates the table {@code name}; on a {@link DynamoDbLocalEngine} it is ACTIVE at once.
     *
     * @param key the partition key's name: the domain's {@code StateTable.KEY}, which callers pass because this
     *     module does not depend on the domain
     */
    public static void create(DynamoDbClient dynamo, String name, String key) {
        dynamo.createTable(table -> table.tableName(name)
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .attributeDefinitions(AttributeDefinition.builder()
                        .attributeName(key)
                        .attributeType(ScalarAttributeType.S)
                        .build())
                .keySchema(KeySchemaElement.builder()
                        .attributeName(key)
                        .keyType(KeyType.HASH)
                        .build()));
    }
}
