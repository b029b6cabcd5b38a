package org.ecrreplicator.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.state.DigestRemoval;
import org.ecrreplicator.domain.state.EventMark;
import org.ecrreplicator.domain.state.Lease;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagStatus;
import org.ecrreplicator.engines.DynamoDbLocalEngine;
import org.ecrreplicator.engines.LocalStateTable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The store against DynamoDB Local, with the table shaped as the stack creates it. */
class DynamoTagStateStoreIT {
    private static final Instant NOW = Instant.parse("2025-03-01T10:15:30Z");
    private static DynamoDbLocalEngine engine;
    private static DynamoDbClient dynamo;
    private DynamoTagStateStore store;

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
        String table = "state-" + UUID.randomUUID();
        LocalStateTable.create(dynamo, table, StateTable.KEY);
        store = new DynamoTagStateStore(dynamo, table);
    }

    static Digest digest(String seed) {
        try {
            return Digest.sha256(MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static TagState replicated(String imageKey) {
        return new TagState.Builder(imageKey)
                .version(1)
                .lastSeen(new EventMark(NOW, "event-" + imageKey), digest(imageKey))
                .applied(new EventMark(NOW, "event-" + imageKey))
                .replicated(digest(imageKey), NOW.plusSeconds(40), false)
                .attemptStarted(NOW.plusSeconds(5))
                .synced(NOW.plusSeconds(5))
                .status(TagStatus.REPLICATED)
                .build("replicator-copy:" + imageKey, "token-hash")
                .updatedAt(NOW.plusSeconds(41))
                .done();
    }

    @Test
    void shouldReadBackEveryFieldWhenATagIsSavedAndLoaded() {
        TagState failed = new TagState.Builder("team/app:1.0")
                .version(1)
                .lastSeen(new EventMark(NOW, "e1"), digest("a"))
                .attemptStarted(NOW)
                .status(TagStatus.FAILED)
                .lease(new Lease("arn:aws:states:us-east-1:123456789012:execution:replicate:x", NOW.plusSeconds(60)))
                .build("replicator-copy:1", "hash")
                .error("BuildFailed", "the build failed in phase BUILD", "arn:execution")
                .updatedAt(NOW)
                .done();

        store.save(failed);

        assertThat(store.load("team/app:1.0")).contains(failed);
        assertThat(store.load("team/app:2.0")).isEmpty();
    }

    @Test
    void shouldRefuseASaveWhenTheStoredVersionMovedOn() {
        TagState first = replicated("team/app:1.0");
        store.save(first);

        assertThatThrownBy(() -> store.save(first)).isInstanceOf(TagStateStore.ConflictException.class);
    }

    @Test
    void shouldScanEveryTagAcrossPagesAndLeaveHistoryAndRemovalsOutWhenThePageIsSmall() {
        for (int i = 0; i < 5; i++) {
            TagState tag = replicated("team/app:" + i);
            store.save(tag);
            store.appendHistory(tag, "arn:execution:" + i, "replicated", NOW.plus(Duration.ofDays(30)));
        }
        store.save(replicated("team/app@" + digest("by-digest")));
        store.saveRemoval(
                DigestRemoval.started(DigestRemoval.none("team/app", digest("gone")), "arn:execution:r", NOW),
                NOW.plus(Duration.ofDays(30)));

        // Page size 2 over 12 items: six pages at least, some holding only rows the filter drops.
        assertThat(store.scanTags(2))
                .extracting(TagState::imageKey)
                .containsExactlyInAnyOrder(
                        "team/app:0",
                        "team/app:1",
                        "team/app:2",
                        "team/app:3",
                        "team/app:4",
                        "team/app@" + digest("by-digest"));
        assertThat(store.scanTags(100)).hasSize(6).contains(replicated("team/app:3"));
    }

    @Test
    void shouldRefuseAPageSizeBelowOne() {
        assertThatThrownBy(() -> store.scanTags(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
