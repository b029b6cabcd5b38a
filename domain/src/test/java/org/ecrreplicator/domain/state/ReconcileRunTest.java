package org.ecrreplicator.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class ReconcileRunTest {
    private static final Instant START = Instant.parse("2026-11-22T03:00:00Z");
    private static final Instant END = START.plus(Duration.ofMinutes(40));
    private static final ReconcileRun STARTED = ReconcileRun.started("run-1", "team-a/", START, 4);

    private static ReconcileCounts repairedOnly() {
        return new ReconcileCounts(900, 50, 20, 5, 75, 0, 0, 0, 123_456, 0);
    }

    @Test
    void shouldEndInSyncWhenNoShardFailedAndNoDriftIsLeft() {
        ReconcileRun ended = STARTED.ended(END, 0, repairedOnly());

        assertThat(ended.status()).isEqualTo(ReconcileRun.Status.IN_SYNC);
        assertThat(ended.endedAt()).isEqualTo(END);
        assertThat(ended.counts()).isEqualTo(repairedOnly());
        assertThat(ended.failedShards()).isZero();
        assertThat(ended.runId()).isEqualTo("run-1");
        assertThat(ended.prefix()).isEqualTo("team-a/");
        assertThat(ended.startedAt()).isEqualTo(START);
        assertThat(ended.shards()).isEqualTo(4);
    }

    @Test
    void shouldEndWithDriftLeftWhenAShardFailedEvenIfTheOthersLeftNoDrift() {
        ReconcileRun ended = STARTED.ended(END, 1, repairedOnly());

        assertThat(ended.status()).isEqualTo(ReconcileRun.Status.DRIFT_LEFT);
        assertThat(ended.failedShards()).isEqualTo(1);
    }

    @Test
    void shouldEndWithDriftLeftWhenATagWasDeferredOrFailedButNotWhenExtraTagsWereKept() {
        assertThat(STARTED.ended(END, 0, new ReconcileCounts(1, 1, 0, 0, 0, 1, 0, 0, 0, 0))
                        .status())
                .isEqualTo(ReconcileRun.Status.DRIFT_LEFT);
        assertThat(STARTED.ended(END, 0, new ReconcileCounts(1, 1, 0, 0, 0, 0, 1, 0, 0, 0))
                        .status())
                .isEqualTo(ReconcileRun.Status.DRIFT_LEFT);
        assertThat(STARTED.ended(END, 0, new ReconcileCounts(1, 0, 0, 1, 0, 0, 0, 1, 0, 0))
                        .status())
                .as("deletes do not replicate: the extra tag stays by policy")
                .isEqualTo(ReconcileRun.Status.IN_SYNC);
    }

    @Test
    void shouldStartRunningWithNoCountsWhenThePlanIsRecorded() {
        assertThat(STARTED.status()).isEqualTo(ReconcileRun.Status.RUNNING);
        assertThat(STARTED.endedAt()).isNull();
        assertThat(STARTED.counts()).isEqualTo(ReconcileCounts.NONE);
        assertThat(STARTED.age(START.plusSeconds(30))).isEqualTo(Duration.ofSeconds(30));
        assertThat(STARTED.ended(END, 0, repairedOnly()).age(END.plusSeconds(5)))
                .as("an ended run's age counts from its end")
                .isEqualTo(Duration.ofSeconds(5));
    }
}
