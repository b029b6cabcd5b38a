package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.engines.DynamoDbLocalEngine;
import org.ecrreplicator.engines.LocalStateTable;
import org.ecrreplicator.state.DynamoBlobIndex;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/** The builds' view of the shared blob index against DynamoDB Local: a hint whose failures cost only mounts. */
class SharedBlobIndexIT {
    private static final String REGISTRY = "dest.example.com";
    private static final Digest BASE = Digest.parse("sha256:" + "c".repeat(64));
    private static final Digest APP = Digest.parse("sha256:" + "d".repeat(64));
    private static DynamoDbLocalEngine engine;
    private static DynamoDbClient dynamo;

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

    @Test
    void shouldSayOneLineAndCarryOnWhenTheIndexCannotBeReadOrWritten() {
        StringWriter log = new StringWriter();
        SharedBlobIndex index =
                new SharedBlobIndex(new DynamoBlobIndex(dynamo, "no-such-table"), new PrintWriter(log, true));

        assertThat(index.read(REGISTRY, List.of(BASE))).isEmpty();
        index.write(REGISTRY, "team/one", List.of(BASE));

        assertThat(log.toString().lines().toList())
                .hasSize(2)
                .satisfiesExactly(
                        read -> assertThat(read).startsWith("warning: cannot read the shared blob index"),
                        write -> assertThat(write).startsWith("warning: cannot write the shared blob index"));
    }

    @Test
    void shouldNotWriteAgainWhatTheIndexAlreadyHoldsWhenCopiesRepeatTheSameBlobs() {
        String table = "state-" + UUID.randomUUID();
        LocalStateTable.create(dynamo, table, StateTable.KEY);
        new DynamoBlobIndex(dynamo, table).add(REGISTRY, "team/one", List.of(BASE));
        SharedBlobIndex index =
                new SharedBlobIndex(new DynamoBlobIndex(dynamo, table), new PrintWriter(new StringWriter()));

        assertThat(index.read(REGISTRY, List.of(BASE, APP))).isEqualTo(Map.of(BASE, List.of("team/one")));
        // Remove the item behind the reader's back: a write of what it read must not put it back.
        dynamo.deleteItem(delete -> delete.tableName(table)
                .key(Map.of(StateTable.KEY, AttributeValue.fromS(StateTable.blobKey(REGISTRY, BASE)))));
        index.write(REGISTRY, "team/one", List.of(BASE, APP));

        DynamoBlobIndex direct = new DynamoBlobIndex(dynamo, table);
        assertThat(direct.read(REGISTRY, List.of(BASE, APP)))
                .as("only the entry the index did not hold was written")
                .containsOnlyKeys(APP);
    }
}
