package org.ecrreplicator.domain.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageAction;
import org.ecrreplicator.domain.ReplicationRequest;
import org.junit.jupiter.api.Test;

class TagTransitionsTest {
    private static final Digest D1 = Digest.parse("sha256:" + "1".repeat(64));
    private static final Digest D2 = Digest.parse("sha256:" + "2".repeat(64));
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Duration LEASE = Duration.ofMinutes(90);
    private static final String E1 = "arn:aws:states:us-east-1:123456789012:execution:replicate:one";
    private static final String E2 = "arn:aws:states:us-east-1:123456789012:execution:replicate:two";
    private static final String SHARD = "arn:aws:states:us-east-1:123456789012:execution:reconcile:run-1#shard-0";
    private static final String SHARD_BUILD = "ecr-replicator-dev:shard-0";

    private static ReplicationRequest push(Digest digest, Instant time, String eventId) {
        return new ReplicationRequest("team/app", "1.4.2", digest, ImageAction.PUSH, time, eventId, "123456789012");
    }

    private static ReplicationRequest delete(Instant time, String eventId) {
        return new ReplicationRequest("team/app", "1.4.2", D1, ImageAction.DELETE, time, eventId, "123456789012");
    }

    private static TagState replicated(ReplicationRequest request, String execution, Digest digest) {
        TagState leased =
                TagTransitions.check(null, request, execution, T0, LEASE).next();
        return TagTransitions.recorded(leased, request, execution, Outcome.REPLICATED, digest, "b:1", T0);
    }

    @Test
    void shouldProceedAndTakeTheLeaseWhenTheTagIsNew() {
        TagTransitions.Check check = TagTransitions.check(null, push(D1, T0, "a"), E1, T0, LEASE);

        assertThat(check.decision()).isEqualTo(Decision.PROCEED);
        assertThat(check.leaseExpiresAt()).isEqualTo(T0.plus(LEASE));
        assertThat(check.next().lease()).isEqualTo(new Lease(E1, T0.plus(LEASE)));
        assertThat(check.next().version()).isEqualTo(1);
        assertThat(check.next().lastSeen()).isEqualTo(new EventMark(T0, "a"));
    }

    @Test
    void shouldSkipAsDuplicateWhenTheDestinationAlreadyHoldsTheDigest() {
        TagState state = replicated(push(D1, T0, "a"), E1, D1);

        TagTransitions.Check check = TagTransitions.check(state, push(D1, T0.plusSeconds(5), "b"), E2, T0, LEASE);

        assertThat(check.decision()).isEqualTo(Decision.SKIP_DUPLICATE);
        assertThat(check.reason()).contains("already holds " + D1);
        assertThat(check.next().applied()).isEqualTo(new EventMark(T0.plusSeconds(5), "b"));
        assertThat(check.next().lease()).isNull();
    }

    @Test
    void shouldSkipAsDuplicateWhenTheSameEventWasAlreadyApplied() {
        TagState state = replicated(push(D1, T0, "a"), E1, D2);

        TagTransitions.Check check = TagTransitions.check(state, push(D1, T0, "a"), E2, T0, LEASE);

        assertThat(check.decision()).isEqualTo(Decision.SKIP_DUPLICATE);
        assertThat(check.next()).isNull();
    }

    @Test
    void shouldSkipAsStaleWhenANewerEventWasApplied() {
        TagState state = replicated(push(D2, T0.plusSeconds(60), "b"), E1, D2);

        TagTransitions.Check check = TagTransitions.check(state, push(D1, T0, "a"), E2, T0, LEASE);

        assertThat(check.decision()).isEqualTo(Decision.SKIP_STALE);
        assertThat(check.reason()).contains("older than event b");
        assertThat(check.next()).isNull();
    }

    @Test
    void shouldBreakTiesOnTheEventIdWhenTimesAreEqual() {
        TagState state = replicated(push(D2, T0, "b"), E1, D2);

        assertThat(TagTransitions.check(state, push(D1, T0, "a"), E2, T0, LEASE).decision())
                .isEqualTo(Decision.SKIP_STALE);
        assertThat(TagTransitions.check(state, push(D1, T0, "c"), E2, T0, LEASE).decision())
                .isEqualTo(Decision.PROCEED);
    }

    @Test
    void shouldWaitWhenAnotherExecutionHoldsAnUnexpiredLease() {
        TagState held =
                TagTransitions.check(null, push(D1, T0, "a"), E1, T0, LEASE).next();

        TagTransitions.Check check =
                TagTransitions.check(held, push(D2, T0.plusSeconds(1), "b"), E2, T0.plusSeconds(30), LEASE);

        assertThat(check.decision()).isEqualTo(Decision.WAIT);
        assertThat(check.leaseExpiresAt()).isEqualTo(T0.plus(LEASE));
        assertThat(check.reason()).contains(E1);
        assertThat(check.next()).isNull();
    }

    @Test
    void shouldTakeOverTheLeaseWhenTheHolderCrashedAndItExpired() {
        TagState held =
                TagTransitions.check(null, push(D1, T0, "a"), E1, T0, LEASE).next();
        Instant later = T0.plus(LEASE).plusSeconds(1);

        TagTransitions.Check check = TagTransitions.check(held, push(D2, T0.plusSeconds(1), "b"), E2, later, LEASE);

        assertThat(check.decision()).isEqualTo(Decision.PROCEED);
        assertThat(check.reason()).contains("took over the expired lease of " + E1);
        assertThat(check.next().lease().owner()).isEqualTo(E2);
    }

    @Test
    void shouldRenewTheLeaseWhenTheSameExecutionChecksAgain() {
        TagState held =
                TagTransitions.check(null, push(D1, T0, "a"), E1, T0, LEASE).next();

        TagTransitions.Check check = TagTransitions.check(held, push(D1, T0, "a"), E1, T0.plusSeconds(10), LEASE);

        assertThat(check.decision()).isEqualTo(Decision.PROCEED);
        assertThat(check.reason()).startsWith("lease renewed");
        assertThat(check.next().version()).isEqualTo(2);
    }

    @Test
    void shouldSkipADeleteWhenTheDestinationHasNothingLeft() {
        TagState leased =
                TagTransitions.check(null, delete(T0, "a"), E1, T0, LEASE).next();
        TagState deleted = TagTransitions.recorded(leased, delete(T0, "a"), E1, Outcome.DELETED, null, "b:1", T0);

        TagTransitions.Check check = TagTransitions.check(deleted, delete(T0.plusSeconds(5), "b"), E2, T0, LEASE);

        assertThat(deleted.destinationDeleted()).isTrue();
        assertThat(deleted.status()).isEqualTo(TagStatus.DELETED);
        assertThat(check.decision()).isEqualTo(Decision.SKIP_DUPLICATE);
    }

    @Test
    void shouldTreatAnOlderDeleteAsStaleAfterANewerPush() {
        TagState state = replicated(push(D1, T0.plusSeconds(60), "b"), E1, D1);

        assertThat(TagTransitions.check(state, delete(T0, "a"), E2, T0, LEASE).decision())
                .isEqualTo(Decision.SKIP_STALE);
    }

    @Test
    void shouldRecordTheBuildDigestAndReleaseTheLeaseWhenTheBuildSucceeded() {
        ReplicationRequest request = push(D1, T0, "a");
        TagState leased = TagTransitions.check(null, request, E1, T0, LEASE).next();

        TagState done = TagTransitions.recorded(leased, request, E1, Outcome.REPLICATED, D2, "p:42", T0);

        assertThat(done.replicatedDigest()).isEqualTo(D2);
        assertThat(done.status()).isEqualTo(TagStatus.REPLICATED);
        assertThat(done.lease()).isNull();
        assertThat(done.buildId()).isEqualTo("p:42");
        assertThat(done.applied()).isEqualTo(new EventMark(T0, "a"));
    }

    @Test
    void shouldLeaveTheDestinationAsItWasWhenTheSourceWasGone() {
        TagState leased =
                TagTransitions.check(null, delete(T0, "a"), E1, T0, LEASE).next();
        TagState deleted = TagTransitions.recorded(leased, delete(T0, "a"), E1, Outcome.DELETED, null, "b:1", T0);
        ReplicationRequest push = push(D1, T0.plusSeconds(5), "b");
        TagState again = TagTransitions.check(deleted, push, E2, T0, LEASE).next();

        TagState gone = TagTransitions.recorded(again, push, E2, Outcome.SOURCE_GONE, null, "b:2", T0);

        assertThat(gone.destinationDeleted()).isTrue();
        assertThat(gone.status()).isEqualTo(TagStatus.SOURCE_GONE);
        assertThat(gone.applied()).isEqualTo(new EventMark(T0.plusSeconds(5), "b"));
    }

    @Test
    void shouldNeverMoveTheAppliedEventBackWhenAStaleBuildFinishesLate() {
        TagState newer = replicated(push(D2, T0.plusSeconds(60), "b"), E2, D2);

        TagState late = TagTransitions.recorded(newer, push(D1, T0, "a"), E1, Outcome.REPLICATED, D2, "p:7", T0);

        assertThat(late.applied()).isEqualTo(new EventMark(T0.plusSeconds(60), "b"));
    }

    @Test
    void shouldKeepTheOtherExecutionsLeaseWhenRecordingAfterATakeover() {
        ReplicationRequest request = push(D1, T0, "a");
        TagState takenOver = TagTransitions.check(null, request, E2, T0, LEASE).next();

        TagState done = TagTransitions.recorded(takenOver, request, E1, Outcome.REPLICATED, D1, "p:1", T0);

        assertThat(done.lease().owner()).isEqualTo(E2);
        assertThat(done.status()).isEqualTo(TagStatus.LEASED);
        assertThat(done.replicatedDigest()).isEqualTo(D1);
    }

    @Test
    void shouldRefuseTheBuildLeaseWhenAnotherExecutionHoldsIt() {
        ReplicationRequest request = push(D1, T0, "a");
        TagState held = TagTransitions.check(null, request, E1, T0, LEASE).next();

        assertThatThrownBy(() -> TagTransitions.leaseForBuild(held, request, E2, "hash", T0, LEASE))
                .isInstanceOf(LeaseHeldException.class)
                .hasMessageContaining(E1);
    }

    @Test
    void shouldKeepTheStateWhenTheSameAttemptAsksForTheBuildLeaseAgain() {
        ReplicationRequest request = push(D1, T0, "a");
        TagState held = TagTransitions.check(null, request, E1, T0, LEASE).next();
        TagState first = TagTransitions.leaseForBuild(held, request, E1, "hash", T0, LEASE);

        assertThat(first.taskTokenHash()).isEqualTo("hash");
        assertThat(TagTransitions.leaseForBuild(first, request, E1, "hash", T0, LEASE))
                .isSameAs(first);
        assertThat(TagTransitions.leaseForBuild(first, request, E1, "other", T0, LEASE)
                        .version())
                .isEqualTo(first.version() + 1);
    }

    @Test
    void shouldRetakeItsOwnLeaseForTheNewAttemptWhenStartBuildIsRetriedAfterATimeout() {
        // The timed-out invocation took the lease and may have started a build; Step Functions retries the task
        // with a new token, and that attempt owns the item from then on.
        ReplicationRequest request = push(D1, T0, "a");
        TagState held = TagTransitions.check(null, request, E1, T0, LEASE).next();
        TagState timedOut = TagTransitions.buildStarted(
                TagTransitions.leaseForBuild(held, request, E1, "first", T0, LEASE), E1, "first", "p:1", T0);

        TagState retried = TagTransitions.leaseForBuild(timedOut, request, E1, "second", T0.plusSeconds(900), LEASE);

        assertThat(retried.lease().owner()).isEqualTo(E1);
        assertThat(retried.lease().expiresAt()).isEqualTo(T0.plusSeconds(900).plus(LEASE));
        assertThat(retried.taskTokenHash()).isEqualTo("second");
        assertThat(retried.buildId()).isNull();
        assertThat(retried.status()).isEqualTo(TagStatus.LEASED);
        assertThatThrownBy(() -> TagTransitions.buildStarted(retried, E1, "first", "p:2", T0.plusSeconds(901)))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldRetakeAnExpiredLeaseForARedrivenBuild() {
        ReplicationRequest request = push(D1, T0, "a");
        TagState held = TagTransitions.check(null, request, E2, T0, LEASE).next();

        TagState redriven = TagTransitions.leaseForBuild(
                held, request, E1, "hash", T0.plus(LEASE).plusSeconds(1), LEASE);

        assertThat(redriven.lease().owner()).isEqualTo(E1);
    }

    @Test
    void shouldRefuseToRecordABuildOfAnAttemptThatWasReplaced() {
        ReplicationRequest request = push(D1, T0, "a");
        TagState attempt = TagTransitions.leaseForBuild(null, request, E1, "second", T0, LEASE);

        assertThatThrownBy(() -> TagTransitions.buildStarted(attempt, E1, "first", "p:1", T0))
                .isInstanceOf(IllegalStateException.class);
        assertThat(TagTransitions.buildStarted(attempt, E1, "second", "p:1", T0).status())
                .isEqualTo(TagStatus.BUILDING);
    }

    @Test
    void shouldMarkFailedAndReleaseTheLeaseWhenTheHolderFails() {
        TagState held =
                TagTransitions.check(null, push(D1, T0, "a"), E1, T0, LEASE).next();

        TagState failed = TagTransitions.failed(held, held.imageKey(), E1, "BuildFailed", "build p:1 failed", T0);

        assertThat(failed.status()).isEqualTo(TagStatus.FAILED);
        assertThat(failed.lease()).isNull();
        assertThat(failed.error()).isEqualTo("BuildFailed");
        assertThat(failed.failedExecution()).isEqualTo(E1);
    }

    @Test
    void shouldOnlyNoteTheErrorWhenAnotherExecutionHoldsTheLease() {
        TagState held =
                TagTransitions.check(null, push(D1, T0, "a"), E1, T0, LEASE).next();

        TagState noted = TagTransitions.failed(held, held.imageKey(), E2, "LeaseTimeout", "waited", T0);

        assertThat(noted.status()).isEqualTo(TagStatus.LEASED);
        assertThat(noted.lease().owner()).isEqualTo(E1);
        assertThat(noted.error()).isEqualTo("LeaseTimeout");
    }

    /** A push whose copy replicated, through the real sequence: CheckState, StartBuild's lease, RecordResult. */
    private static TagState replicatedThroughBuild(ReplicationRequest request, Instant buildStart, Digest copied) {
        TagState leased =
                TagTransitions.check(null, request, E1, buildStart, LEASE).next();
        TagState building = TagTransitions.leaseForBuild(leased, request, E1, "token-1", buildStart, LEASE);
        return TagTransitions.recorded(
                building, request, E1, Outcome.REPLICATED, copied, "b:1", buildStart.plusSeconds(30));
    }

    @Test
    void shouldSkipANewerEventWhenTheLastCopyStartedAfterIt() {
        // Event a (D1) ran first and its copy, started at T0+60s, found the source at D2 already.
        TagState state = replicatedThroughBuild(push(D1, T0, "a"), T0.plusSeconds(60), D2);
        ReplicationRequest newerButCovered = push(D1, T0.plusSeconds(10), "b");

        TagTransitions.Check check = TagTransitions.check(state, newerButCovered, E2, T0.plusSeconds(90), LEASE);

        assertThat(state.syncedAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(check.decision()).isEqualTo(Decision.SKIP_STALE);
        assertThat(check.reason()).contains("older than the copy that started at " + T0.plusSeconds(60));
    }

    @Test
    void shouldBuildForAnEventTooCloseToOrAfterTheLastCopyStart() {
        TagState state = replicatedThroughBuild(push(D1, T0, "a"), T0.plusSeconds(60), D1);

        TagTransitions.Check withinMargin =
                TagTransitions.check(state, push(D2, T0.plusSeconds(59), "b"), E2, T0.plusSeconds(90), LEASE);
        TagTransitions.Check after =
                TagTransitions.check(state, push(D2, T0.plusSeconds(61), "c"), E2, T0.plusSeconds(90), LEASE);

        assertThat(withinMargin.decision()).isEqualTo(Decision.PROCEED);
        assertThat(after.decision()).isEqualTo(Decision.PROCEED);
    }

    @Test
    void shouldNotCountACopyThatFoundTheSourceGoneAsASync() {
        ReplicationRequest request = push(D1, T0, "a");
        TagState leased = TagTransitions.check(null, request, E1, T0.plusSeconds(60), LEASE)
                .next();
        TagState building = TagTransitions.leaseForBuild(leased, request, E1, "token-1", T0.plusSeconds(60), LEASE);

        TagState gone =
                TagTransitions.recorded(building, request, E1, Outcome.SOURCE_GONE, null, "b:1", T0.plusSeconds(90));

        assertThat(gone.syncedAt()).isNull();
        assertThat(TagTransitions.check(gone, push(D2, T0.plusSeconds(5), "b"), E2, T0.plusSeconds(95), LEASE)
                        .decision())
                .isEqualTo(Decision.PROCEED);
    }

    @Test
    void shouldWaitInsteadOfSkippingAsDuplicateWhileADeleteBuildHoldsTheLease() {
        // Push, delete, re-push of the same digest: the delete build runs; the re-push must not be skipped on
        // the strength of the item, which still says the destination holds the digest.
        TagState replicated = replicated(push(D1, T0, "a"), E1, D1);
        TagState deleting = TagTransitions.check(replicated, delete(T0.plusSeconds(10), "b"), E1, T0, LEASE)
                .next();

        TagTransitions.Check repush =
                TagTransitions.check(deleting, push(D1, T0.plusSeconds(20), "c"), E2, T0.plusSeconds(25), LEASE);

        assertThat(deleting.replicatedDigest()).isEqualTo(D1);
        assertThat(repush.decision()).isEqualTo(Decision.WAIT);
        assertThat(repush.reason()).contains(E1).contains("decided once it ends");
    }

    @Test
    void shouldWaitInsteadOfSkippingAsStaleOrAppliedWhileAnotherExecutionHoldsTheLease() {
        TagState replicated = replicated(push(D2, T0.plusSeconds(60), "b"), E1, D2);
        TagState held = TagTransitions.check(replicated, push(D1, T0.plusSeconds(90), "c"), E1, T0, LEASE)
                .next();

        assertThat(TagTransitions.check(held, push(D1, T0, "a"), E2, T0, LEASE).decision())
                .isEqualTo(Decision.WAIT);
        assertThat(TagTransitions.check(held, push(D2, T0.plusSeconds(60), "b"), E2, T0, LEASE)
                        .decision())
                .isEqualTo(Decision.WAIT);
        // Once the lease is gone, the same events are decided as before.
        TagState released = TagTransitions.recorded(
                held, push(D1, T0.plusSeconds(90), "c"), E1, Outcome.UNCHANGED, D2, "b:2", T0.plusSeconds(100));
        assertThat(TagTransitions.check(released, push(D1, T0, "a"), E2, T0.plusSeconds(101), LEASE)
                        .decision())
                .isEqualTo(Decision.SKIP_STALE);
    }

    @Test
    void shouldRecordKeptAsTheDigestTheDestinationHoldsWhenTheSourceOvertookTheDelete() {
        ReplicationRequest delete = delete(T0.plusSeconds(10), "b");
        TagState leased = TagTransitions.check(replicated(push(D1, T0, "a"), E1, D1), delete, E2, T0, LEASE)
                .next();
        TagState building = TagTransitions.leaseForBuild(leased, delete, E2, "token", T0.plusSeconds(60), LEASE);

        TagState kept = TagTransitions.recorded(building, delete, E2, Outcome.KEPT, D1, "b:2", T0.plusSeconds(90));

        assertThat(kept.replicatedDigest()).isEqualTo(D1);
        assertThat(kept.destinationDeleted()).isFalse();
        assertThat(kept.status()).isEqualTo(TagStatus.REPLICATED);
        assertThat(kept.lease()).isNull();
        assertThat(kept.syncedAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(TagTransitions.check(kept, push(D1, T0.plusSeconds(30), "c"), E1, T0.plusSeconds(91), LEASE)
                        .decision())
                .as("a re-push within the build's view of the source is covered")
                .isEqualTo(Decision.SKIP_STALE);
    }

    @Test
    void shouldCountADeleteBuildAsASyncBecauseItLooksAtTheSourceFirst() {
        ReplicationRequest delete = delete(T0.plusSeconds(10), "b");
        TagState leased = TagTransitions.check(null, delete, E1, T0, LEASE).next();
        TagState building = TagTransitions.leaseForBuild(leased, delete, E1, "token", T0.plusSeconds(60), LEASE);

        TagState deleted =
                TagTransitions.recorded(building, delete, E1, Outcome.DELETED, D1, "b:1", T0.plusSeconds(70));

        assertThat(deleted.syncedAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(TagTransitions.check(deleted, push(D1, T0.plusSeconds(20), "c"), E2, T0.plusSeconds(71), LEASE)
                        .decision())
                .isEqualTo(Decision.SKIP_STALE);
    }

    @Test
    void shouldRequireTheDigestForEveryOutcomeThatLeavesTheImageAtTheDestination() {
        ReplicationRequest request = push(D1, T0, "a");
        TagState leased = TagTransitions.check(null, request, E1, T0, LEASE).next();

        assertThatThrownBy(() -> TagTransitions.recorded(leased, request, E1, Outcome.UNCHANGED, null, "b:1", T0))
                .hasMessageContaining("UNCHANGED outcome needs the digest");
    }

    @Test
    void shouldBuildInsteadOfTrustingAClaimOnADigestRemovedAfterItsCopy() {
        TagState state = replicatedThroughBuild(push(D1, T0, "a"), T0.plusSeconds(60), D1);
        DigestRemoval removal = DigestRemoval.finished(
                DigestRemoval.started(DigestRemoval.none("team/app", D1), E2, T0.plusSeconds(100)),
                E2,
                true,
                T0.plusSeconds(120),
                LEASE);
        ReplicationRequest repush = push(D1, T0.plusSeconds(200), "b");

        TagTransitions.Check check = TagTransitions.check(state, repush, E1, T0.plusSeconds(201), LEASE, removal);

        assertThat(check.decision()).isEqualTo(Decision.PROCEED);
        assertThat(TagTransitions.check(state, repush, E1, T0.plusSeconds(201), LEASE, null)
                        .decision())
                .as("without the removal the claim is trusted")
                .isEqualTo(Decision.SKIP_DUPLICATE);
    }

    @Test
    void shouldTrustAClaimWhoseCopyStartedAfterTheRemovalEnded() {
        DigestRemoval removal = DigestRemoval.finished(
                DigestRemoval.started(DigestRemoval.none("team/app", D1), E2, T0), E2, true, T0.plusSeconds(5), LEASE);
        TagState state = replicatedThroughBuild(push(D1, T0.plusSeconds(6), "a"), T0.plusSeconds(60), D1);

        TagTransitions.Check check = TagTransitions.check(
                state, push(D1, T0.plusSeconds(200), "b"), E1, T0.plusSeconds(201), LEASE, removal);

        assertThat(check.decision()).isEqualTo(Decision.SKIP_DUPLICATE);
    }

    // --- the reconcile's lease (decision 0068) ---

    @Test
    void shouldTakeTheLeaseForAReconcileWhenTheTagIsNew() {
        TagState leased = TagTransitions.leaseForReconcile(null, "team/app:1.4.2", SHARD, SHARD_BUILD, T0, LEASE);

        assertThat(leased.imageKey()).isEqualTo("team/app:1.4.2");
        assertThat(leased.version()).isEqualTo(1);
        assertThat(leased.lease()).isEqualTo(new Lease(SHARD, T0.plus(LEASE)));
        assertThat(leased.status()).isEqualTo(TagStatus.BUILDING);
        assertThat(leased.attemptStartedAt()).isEqualTo(T0);
        assertThat(leased.buildId()).isEqualTo(SHARD_BUILD);
        assertThat(leased.lastSeen()).isNull();
        assertThat(leased.applied()).isNull();
    }

    @Test
    void shouldLeaveTheEventMarksAsTheyWereWhenAReconcileLeasesAFreeTag() {
        TagState replicated = replicated(push(D1, T0, "a"), E1, D1);
        Instant later = T0.plusSeconds(600);

        TagState leased =
                TagTransitions.leaseForReconcile(replicated, replicated.imageKey(), SHARD, SHARD_BUILD, later, LEASE);

        assertThat(leased.lease()).isEqualTo(new Lease(SHARD, later.plus(LEASE)));
        assertThat(leased.status()).isEqualTo(TagStatus.BUILDING);
        assertThat(leased.attemptStartedAt()).isEqualTo(later);
        assertThat(leased.version()).isEqualTo(replicated.version() + 1);
        assertThat(leased.lastSeen()).isEqualTo(replicated.lastSeen()).isEqualTo(new EventMark(T0, "a"));
        assertThat(leased.lastSeenDigest()).isEqualTo(D1);
        assertThat(leased.applied()).isEqualTo(replicated.applied()).isEqualTo(new EventMark(T0, "a"));
        assertThat(leased.replicatedDigest()).isEqualTo(D1);
    }

    @Test
    void shouldTakeTheExpiredLeaseOfAnotherExecutionForAReconcile() {
        TagState held =
                TagTransitions.check(null, push(D1, T0, "a"), E1, T0, LEASE).next();
        Instant expired = T0.plus(LEASE).plusSeconds(1);

        TagState leased = TagTransitions.leaseForReconcile(held, held.imageKey(), SHARD, SHARD_BUILD, expired, LEASE);

        assertThat(leased.lease()).isEqualTo(new Lease(SHARD, expired.plus(LEASE)));
        assertThat(leased.attemptStartedAt()).isEqualTo(expired);
    }

    @Test
    void shouldRefuseTheReconcileLeaseWhenAnotherExecutionHoldsAnUnexpiredOne() {
        TagState held =
                TagTransitions.check(null, push(D1, T0, "a"), E1, T0, LEASE).next();

        assertThatThrownBy(() -> TagTransitions.leaseForReconcile(
                        held,
                        held.imageKey(),
                        SHARD,
                        SHARD_BUILD,
                        T0.plus(LEASE).minusSeconds(1),
                        LEASE))
                .isInstanceOf(LeaseHeldException.class)
                .hasMessageContaining(E1)
                .satisfies(e -> assertThat(((LeaseHeldException) e).owner()).isEqualTo(E1));
    }

    @Test
    void shouldRenewItsOwnLeaseWhenTheReconcileLeasesTheTagAgain() {
        TagState first = TagTransitions.leaseForReconcile(null, "team/app:1.4.2", SHARD, SHARD_BUILD, T0, LEASE);
        Instant later = T0.plusSeconds(60);

        TagState again = TagTransitions.leaseForReconcile(first, first.imageKey(), SHARD, SHARD_BUILD, later, LEASE);

        assertThat(again.lease()).isEqualTo(new Lease(SHARD, later.plus(LEASE)));
        assertThat(again.attemptStartedAt()).isEqualTo(later);
        assertThat(again.version()).isEqualTo(2);
    }

    @Test
    void shouldRecordTheDigestAndTheRepairStartAndReleaseTheLeaseWhenAReconcileReplicated() {
        TagState failed = TagTransitions.failed(null, "team/app:1.4.2", E1, "BuildFailed", "build b:1 failed", T0);
        Instant start = T0.plusSeconds(100);
        TagState leased = TagTransitions.leaseForReconcile(failed, failed.imageKey(), SHARD, SHARD_BUILD, start, LEASE);

        TagState done =
                TagTransitions.reconciled(leased, SHARD, Outcome.REPLICATED, D2, SHARD_BUILD, start.plusSeconds(30));

        assertThat(done.replicatedDigest()).isEqualTo(D2);
        assertThat(done.replicatedAt()).isEqualTo(start.plusSeconds(30));
        assertThat(done.destinationDeleted()).isFalse();
        assertThat(done.syncedAt()).as("the moment the repair started").isEqualTo(start);
        assertThat(done.status()).isEqualTo(TagStatus.REPLICATED);
        assertThat(done.lease()).isNull();
        assertThat(done.error()).isNull();
        assertThat(done.cause()).isNull();
        assertThat(done.failedExecution()).isNull();
        assertThat(done.buildId()).isEqualTo(SHARD_BUILD);
        assertThat(TagTransitions.check(done, push(D1, start.minusSeconds(10), "b"), E2, start.plusSeconds(31), LEASE)
                        .decision())
                .as("an event older than the repair is covered by it")
                .isEqualTo(Decision.SKIP_STALE);
    }

    @Test
    void shouldMarkTheDestinationDeletedWhenAReconcileDeletedTheTag() {
        TagState replicated = replicated(push(D1, T0, "a"), E1, D1);
        TagState leased = TagTransitions.leaseForReconcile(
                replicated, replicated.imageKey(), SHARD, SHARD_BUILD, T0.plusSeconds(100), LEASE);

        TagState done =
                TagTransitions.reconciled(leased, SHARD, Outcome.DELETED, null, SHARD_BUILD, T0.plusSeconds(110));

        assertThat(done.destinationDeleted()).isTrue();
        assertThat(done.replicatedDigest()).isNull();
        assertThat(done.status()).isEqualTo(TagStatus.DELETED);
        assertThat(done.lease()).isNull();
        assertThat(done.syncedAt()).isEqualTo(T0.plusSeconds(100));
    }

    @Test
    void shouldWriteNothingWhenTheReconcileLostItsLeaseToAnotherExecution() {
        TagState leased = TagTransitions.leaseForReconcile(null, "team/app:1.4.2", SHARD, SHARD_BUILD, T0, LEASE);
        Instant expired = T0.plus(LEASE).plusSeconds(1);
        TagState takenOver = TagTransitions.check(leased, push(D1, expired, "a"), E1, expired, LEASE)
                .next();

        assertThat(takenOver.lease().owner()).isEqualTo(E1);
        assertThat(TagTransitions.reconciled(takenOver, SHARD, Outcome.REPLICATED, D1, SHARD_BUILD, expired))
                .isNull();
    }

    @Test
    void shouldRefuseAReconcileOutcomeOtherThanReplicatedOrDeleted() {
        TagState leased = TagTransitions.leaseForReconcile(null, "team/app:1.4.2", SHARD, SHARD_BUILD, T0, LEASE);

        for (Outcome outcome : new Outcome[] {Outcome.UNCHANGED, Outcome.KEPT, Outcome.SOURCE_GONE}) {
            assertThatThrownBy(() -> TagTransitions.reconciled(leased, SHARD, outcome, D1, SHARD_BUILD, T0))
                    .as(outcome.name())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(outcome.name());
        }
    }

    @Test
    void shouldRejectAMissingExecutionArnNamingTheFix() {
        assertThatThrownBy(() -> TagTransitions.check(null, push(D1, T0, "a"), " ", T0, LEASE))
                .hasMessageContaining("$$.Execution.Id");
    }
}
