package org.ecrreplicator.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.ecrreplicator.domain.Digest;
import org.junit.jupiter.api.Test;

class DigestRemovalTest {
    private static final Digest D = Digest.parse("sha256:" + "d".repeat(64));
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final Duration LEASE = Duration.ofMinutes(90);
    private static final String E1 = "arn:aws:states:us-east-1:123456789012:execution:replicate:one";
    private static final String E2 = "arn:aws:states:us-east-1:123456789012:execution:replicate:two";

    private static final DigestRemoval NONE = DigestRemoval.none("team/app", D);

    @Test
    void shouldTrustEveryClaimWhenNothingWasRemoved() {
        assertThat(NONE.trusts(null, T0, LEASE)).isTrue();
        assertThat(NONE.trusts(T0, T0, LEASE)).isTrue();
        assertThat(NONE.key()).isEqualTo("#removal#team/app@" + D);
    }

    @Test
    void shouldTrustNoClaimWhileARemovalIsUnderWay() {
        DigestRemoval started = DigestRemoval.started(NONE, E1, T0);

        assertThat(started.trusts(T0.plusSeconds(10), T0.plusSeconds(20), LEASE))
                .as("even a claim made after the removal started")
                .isFalse();
        assertThat(started.version()).isEqualTo(1);
        assertThat(started.inProgress()).containsEntry(E1, T0);
    }

    @Test
    void shouldTrustOnlyClaimsWhoseCopyStartedAfterTheRemovalEnded() {
        DigestRemoval done =
                DigestRemoval.finished(DigestRemoval.started(NONE, E1, T0), E1, true, T0.plusSeconds(30), LEASE);

        assertThat(done.inProgress()).isEmpty();
        assertThat(done.lastRemovedAt()).isEqualTo(T0.plusSeconds(30));
        assertThat(done.trusts(T0.plusSeconds(29), T0.plusSeconds(60), LEASE)).isFalse();
        assertThat(done.trusts(T0.plusSeconds(31), T0.plusSeconds(60), LEASE)).isTrue();
        assertThat(done.trusts(null, T0.plusSeconds(60), LEASE)).isFalse();
    }

    @Test
    void shouldLeaveTheLastRemovalAloneWhenTheBuildKeptTheDigest() {
        DigestRemoval kept =
                DigestRemoval.finished(DigestRemoval.started(NONE, E1, T0), E1, false, T0.plusSeconds(30), LEASE);

        assertThat(kept.inProgress()).isEmpty();
        assertThat(kept.lastRemovedAt()).isNull();
        assertThat(kept.trusts(T0.minusSeconds(600), T0.plusSeconds(31), LEASE)).isTrue();
    }

    @Test
    void shouldChangeNothingWhenAnExecutionNotOnRecordRemovedNothing() {
        DigestRemoval started = DigestRemoval.started(NONE, E1, T0);

        assertThat(DigestRemoval.finished(started, E2, false, T0.plusSeconds(5), LEASE))
                .isSameAs(started);
    }

    @Test
    void shouldCountARemovalThatNeverReportedBackAsEndedWhenItsLeaseWouldHaveExpired() {
        DigestRemoval abandoned = DigestRemoval.started(NONE, E1, T0);
        Instant afterLease = T0.plus(LEASE).plusSeconds(1);

        assertThat(abandoned.trusts(T0.plusSeconds(10), afterLease, LEASE)).isFalse();
        assertThat(abandoned.trusts(afterLease, afterLease.plusSeconds(1), LEASE))
                .isTrue();

        DigestRemoval folded = DigestRemoval.finished(abandoned, E2, true, afterLease.plusSeconds(5), LEASE);
        assertThat(folded.inProgress()).isEmpty();
        assertThat(folded.lastRemovedAt()).isEqualTo(afterLease.plusSeconds(5));
    }

    @Test
    void shouldKeepOtherRemovalsUnderWayWhenOneEnds() {
        DigestRemoval both = DigestRemoval.started(DigestRemoval.started(NONE, E1, T0), E2, T0.plusSeconds(1));

        DigestRemoval oneEnded = DigestRemoval.finished(both, E1, true, T0.plusSeconds(10), LEASE);

        assertThat(oneEnded.inProgress()).containsOnlyKeys(E2);
        assertThat(oneEnded.trusts(T0.plusSeconds(20), T0.plusSeconds(30), LEASE))
                .isFalse();
    }

    @Test
    void shouldEndAnAbandonedRemovalAsDoneOnlyWhenItsBuildRan() {
        DigestRemoval started = DigestRemoval.started(NONE, E1, T0);

        DigestRemoval neverStarted = DigestRemoval.abandoned(started, E1, false, T0.plusSeconds(5), LEASE);
        DigestRemoval failed = DigestRemoval.abandoned(started, E1, true, T0.plusSeconds(5), LEASE);

        assertThat(neverStarted.inProgress()).isEmpty();
        assertThat(neverStarted.lastRemovedAt()).isNull();
        assertThat(failed.inProgress()).isEmpty();
        assertThat(failed.lastRemovedAt())
                .as("it may have deleted before it failed")
                .isEqualTo(T0.plusSeconds(5));
        assertThat(DigestRemoval.abandoned(NONE, E2, true, T0, LEASE)).isSameAs(NONE);
    }
}
