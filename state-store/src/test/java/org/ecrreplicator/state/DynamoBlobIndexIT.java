package org.ecrreplicator.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.engines.DynamoDbLocalEngine;
import org.ecrreplicator.engines.LocalStateTable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The shared blob index against DynamoDB Local, with the table shaped as the stack creates it. */
class DynamoBlobIndexIT {
    private static final String REGISTRY = "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com";
    private static DynamoDbLocalEngine engine;
    private static DynamoDbClient dynamo;
    private String table;
    private DynamoBlobIndex index;

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
        index = new DynamoBlobIndex(dynamo, table);
    }

    @Test
    void shouldReadTheRepositoriesWrittenForEachBlobWhenSeveralCopiesAddedThem() {
        Digest base = DynamoTagStateStoreIT.digest("base");
        Digest app = DynamoTagStateStoreIT.digest("app");

        index.add(REGISTRY, "team/one", List.of(base, app));
        index.add(REGISTRY, "team/two", List.of(base));
        index.add(REGISTRY, "team/two", List.of(base));

        assertThat(index.read(REGISTRY, List.of(base, app, DynamoTagStateStoreIT.digest("unknown"))))
                .isEqualTo(Map.of(base, Set.of("team/one", "team/two"), app, Set.of("team/one")));
        assertThat(index.read("other.example.com", List.of(base))).isEmpty();
    }

    @Test
    void shouldKeepItsItemsUnderTheBlobPrefixWhenWriting() {
        Digest base = DynamoTagStateStoreIT.digest("base");

        index.add(REGISTRY, "team/one", List.of(base));

        Map<String, AttributeValue> item = dynamo.getItem(get -> get.tableName(table)
                        .key(Map.of(StateTable.KEY, AttributeValue.fromS("#blob#" + REGISTRY + "#" + base))))
                .item();
        assertThat(item.get(StateTable.BLOB_REPOSITORIES).ss()).containsExactly("team/one");
    }

    @Test
    void shouldReadMoreBlobsThanOneBatchHoldsWhenAnImageHasMany() {
        List<Digest> digests = new ArrayList<>();
        for (int i = 0; i < 2 * DynamoBlobIndex.BATCH + 7; i++) {
            digests.add(DynamoTagStateStoreIT.digest("layer-" + i));
        }
        index.add(REGISTRY, "team/one", digests);

        Map<Digest, Set<String>> found = index.read(REGISTRY, digests);

        assertThat(found).hasSize(digests.size());
        assertThat(found.values())
                .allSatisfy(repositories -> assertThat(repositories).containsExactly("team/one"));
    }

    @Test
    void shouldStopAddingRepositoriesWhenABlobIsKnownInTheMaximum() {
        Digest base = DynamoTagStateStoreIT.digest("base");
        for (int i = 0; i < StateTable.MAX_BLOB_REPOSITORIES + 5; i++) {
            index.add(REGISTRY, "team/repo-" + i, List.of(base));
        }

        Set<String> repositories = index.read(REGISTRY, List.of(base)).get(base);

        assertThat(repositories).hasSize(StateTable.MAX_BLOB_REPOSITORIES).contains("team/repo-0");
        assertThat(repositories).doesNotContain("team/repo-" + StateTable.MAX_BLOB_REPOSITORIES);
    }
}
