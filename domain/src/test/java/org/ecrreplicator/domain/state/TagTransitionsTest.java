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
    void shouldRejectAMissingExecutionArnNamingTheFix() {
        assertThatThrownBy(() -> TagTransitions.check(null, push(D1, T0, "a"), " ", T0, LEASE))
                .hasMessageContaining("$$.Execution.Id");
    }
}
