package org.ecrreplicator.worker.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageAction;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.state.Lease;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagStatus;
import org.ecrreplicator.domain.state.TagTransitions;
import org.ecrreplicator.state.InMemoryTagStateStore;
import org.ecrreplicator.worker.engine.sync.TagAction;
import org.ecrreplicator.worker.engine.sync.TagDifference;
import org.junit.jupiter.api.Test;

class LeaseGuardTest {
    private static final Instant T0 = Instant.parse("2026-11-22T03:00:00Z");
    private static final Duration LEASE = Duration.ofMinutes(60);
    private static final String OWNER = "arn:aws:states:us-east-1:123456789012:execution:reconcile:run-1#shard-0";
    private static final String BUILD = "ecr-replicator-dev:shard-0";
    private static final String EVENT_EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:replicate:one";
    private static final Digest SOURCE = Digest.parse("sha256:" + "1".repeat(64));
    private static final Digest OLD = Digest.parse("sha256:" + "2".repeat(64));
    private static final TagDifference MISSING =
            new TagDifference(TagDifference.Kind.MISSING, "team/app", "1.4.2", SOURCE, null);
    private static final String KEY = "team/app:1.4.2";

    private final InMemoryTagStateStore store = new InMemoryTagStateStore();
    private final MutableClock clock = new MutableClock(T0);
    private final LeaseGuard guard = new LeaseGuard(store, OWNER, BUILD, LEASE, clock);

    private static TagAction copied(TagDifference difference, Digest digest) {
        return new TagAction(difference, TagAction.Outcome.COPIED, digest, 1024, 0, 0, List.of(), null);
    }

    private static TagAction failed(TagDifference difference, String error) {
        return new TagAction(difference, TagAction.Outcome.FAILED, null, 0, 0, 0, List.of(), error);
    }

    /** The item as an event execution leaves it once CheckState let it proceed. */
    private static TagState heldByAnEvent(TagState current, Instant at) {
        ReplicationRequest request =
                new ReplicationRequest("team/app", "1.4.2", SOURCE, ImageAction.PUSH, at, "e1", "123456789012");
        return TagTransitions.check(current, request, EVENT_EXECUTION, at, LEASE)
                .next();
    }

    private TagState stored() {
        return store.load(KEY).orElseThrow();
    }

    @Test
    void shouldTakeTheTagsLeaseWhenItAdmitsAFreeTag() {
        assertThat(guard.admit(MISSING)).isNull();

        TagState leased = stored();
        assertThat(leased.lease()).isEqualTo(new Lease(OWNER, T0.plus(LEASE)));
        assertThat(leased.status()).isEqualTo(TagStatus.BUILDING);
        assertThat(leased.buildId()).isEqualTo(BUILD);
        assertThat(leased.attemptStartedAt()).isEqualTo(T0);
    }

    @Test
    void shouldDeferWithTheHoldersNameWhenAnEventExecutionHoldsTheLease() {
        TagState held = heldByAnEvent(null, T0);
        store.put(held);

        String reason = guard.admit(MISSING);

        assertThat(reason).contains(EVENT_EXECUTION).contains(KEY);
        assertThat(stored()).isEqualTo(held);
        assertThat(store.saved()).isEmpty();
    }

    @Test
    void shouldDeferWhenAnEventExecutionTakesTheLeaseBetweenTheReadAndTheWrite() {
        AtomicBoolean raced = new AtomicBoolean();
        store.beforeSave(next -> {
            if (raced.compareAndSet(false, true)) {
                store.put(heldByAnEvent(null, T0));
            }
        });

        String reason = guard.admit(MISSING);

        assertThat(reason).as("the conflict is re-decided on fresh state").contains(EVENT_EXECUTION);
        assertThat(stored().lease().owner()).isEqualTo(EVENT_EXECUTION);
    }

    @Test
    void shouldRecordReplicatedAndFreeTheLeaseWhenTheCopySucceeded() {
        guard.admit(MISSING);
        clock.advance(Duration.ofSeconds(40));

        guard.release(copied(MISSING, SOURCE));

        TagState done = stored();
        assertThat(done.status()).isEqualTo(TagStatus.REPLICATED);
        assertThat(done.replicatedDigest()).isEqualTo(SOURCE);
        assertThat(done.replicatedAt()).isEqualTo(T0.plusSeconds(40));
        assertThat(done.syncedAt()).as("when the repair took the lease").isEqualTo(T0);
        assertThat(done.lease()).isNull();
        assertThat(done.buildId()).isEqualTo(BUILD);
    }

    @Test
    void shouldRecordDeletedWhenTheExtraTagWasRemoved() {
        TagDifference extra = new TagDifference(TagDifference.Kind.EXTRA, "team/app", "1.4.2", null, OLD);
        guard.admit(extra);

        guard.release(new TagAction(extra, TagAction.Outcome.DELETED, OLD, 0, 0, 0, List.of(), null));

        assertThat(stored().status()).isEqualTo(TagStatus.DELETED);
        assertThat(stored().destinationDeleted()).isTrue();
        assertThat(stored().lease()).isNull();
    }

    @Test
    void shouldRecordFailedWithReconcileFailedWhenTheCopyFailed() {
        guard.admit(MISSING);

        guard.release(failed(MISSING, "manifest unknown at the source"));

        TagState failed = stored();
        assertThat(failed.status()).isEqualTo(TagStatus.FAILED);
        assertThat(failed.error()).isEqualTo(LeaseGuard.RECONCILE_FAILED).isEqualTo("ReconcileFailed");
        assertThat(failed.cause()).isEqualTo("manifest unknown at the source");
        assertThat(failed.failedExecution()).isEqualTo(OWNER);
        assertThat(failed.lease()).isNull();
    }

    @Test
    void shouldLeaveTheItemToTheExecutionThatTookTheLeaseWhenTheRepairOutlivedIt() {
        guard.admit(MISSING);
        clock.advance(LEASE.plusSeconds(1));
        store.put(heldByAnEvent(stored(), clock.instant()));
        TagState before = stored();

        guard.release(copied(MISSING, SOURCE));
        guard.release(failed(MISSING, "late"));

        assertThat(stored()).isEqualTo(before);
        assertThat(stored().lease().owner()).isEqualTo(EVENT_EXECUTION);
    }
}
