package org.ecrreplicator.worker.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.state.ReconcileStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionRequest;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sfn.model.StartExecutionRequest;
import software.amazon.awssdk.services.sfn.model.StartExecutionResponse;

class BackfillTest {
    private static final Instant T0 = Instant.parse("2026-11-22T03:00:00Z");
    private static final String RUN = Backfill.runName(T0);
    private static final String STATE_MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:reconcile";
    private static final String EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:reconcile:" + RUN;
    private static final Duration POLL = Duration.ofSeconds(30);
    private static final ReconcileCounts SHARD_0 = new ReconcileCounts(10, 2, 1, 0, 3, 0, 0, 0, 4096, 0);
    private static final ReconcileCounts SHARD_1 = new ReconcileCounts(20, 0, 0, 1, 1, 1, 0, 0, 0, 0);
    private static final ReconcileRun PLANNED = ReconcileRun.started(RUN, "", T0.plusSeconds(60), 2);

    /** What one look finds: the execution in Step Functions, the run and its shards in the state table. */
    private record Look(
            ExecutionStatus status,
            ReconcileRun run,
            List<Optional<ReconcileCounts>> shards,
            String error,
            String cause) {
        static Look running(ReconcileRun run, List<Optional<ReconcileCounts>> shards) {
            return new Look(ExecutionStatus.RUNNING, run, shards, null, null);
        }
    }

    private final MutableClock clock = new MutableClock(T0);
    private final List<Look> script = new ArrayList<>();
    private final AtomicInteger look = new AtomicInteger();
    private final List<Duration> sleeps = new ArrayList<>();
    private final FakeSfn sfn = new FakeSfn();
    private final List<Backfill.Progress> progress = new ArrayList<>();
    private final Backfill backfill = new Backfill(
            sfn,
            new FakeRuns(),
            clock,
            pause -> {
                sleeps.add(pause);
                clock.advance(pause);
                look.incrementAndGet();
            },
            POLL);

    private Look current() {
        return script.get(Math.min(look.get(), script.size() - 1));
    }

    /** Step Functions' execution API: DescribeExecution from the script, StartExecution recorded. */
    private final class FakeSfn implements SfnClient {
        final List<StartExecutionRequest> started = new ArrayList<>();
        int describes;

        @Override
        public DescribeExecutionResponse describeExecution(DescribeExecutionRequest request) {
            assertThat(request.executionArn()).isEqualTo(EXECUTION);
            describes++;
            Look now = current();
            return DescribeExecutionResponse.builder()
                    .executionArn(EXECUTION)
                    .name(RUN)
                    .status(now.status())
                    .error(now.error())
                    .cause(now.cause())
                    .build();
        }

        @Override
        public StartExecutionResponse startExecution(StartExecutionRequest request) {
            started.add(request);
            return StartExecutionResponse.builder()
                    .executionArn(STATE_MACHINE.replace(":stateMachine:", ":execution:") + ":" + request.name())
                    .build();
        }

        @Override
        public String serviceName() {
            return SERVICE_NAME;
        }

        @Override
        public void close() {}
    }

    /** The state table's reconcile items, as the script says they are at each look. */
    private final class FakeRuns implements ReconcileStore {
        @Override
        public Optional<ReconcileRun> loadRun(String runId) {
            assertThat(runId).isEqualTo(RUN);
            return Optional.ofNullable(current().run());
        }

        @Override
        public List<Optional<ReconcileCounts>> shardCounts(String runId, int shards) {
            assertThat(runId).isEqualTo(RUN);
            List<Optional<ReconcileCounts>> counts = current().shards();
            assertThat(counts).hasSize(shards);
            return counts;
        }

        @Override
        public void savePlan(ReconcileRun run, List<List<String>> shards, Instant expiresAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<String> shardRepositories(String runId, int shard) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void saveShardCounts(String runId, int shard, ReconcileCounts counts) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void saveRun(ReconcileRun run, Instant expiresAt) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Optional<ReconcileRun> latest() {
            throw new UnsupportedOperationException();
        }
    }

    @AfterEach
    void clearInterrupt() {
        Thread.interrupted();
    }

    @Test
    void shouldReportProgressOnlyWhenItChangesAndTheResultWhenTheRunSucceeds() {
        ReconcileRun ended = PLANNED.ended(T0.plusSeconds(300), 0, SHARD_0.plus(SHARD_1));
        script.add(Look.running(null, List.of()));
        script.add(Look.running(null, List.of()));
        script.add(Look.running(PLANNED, List.of(Optional.empty(), Optional.empty())));
        script.add(Look.running(PLANNED, List.of(Optional.empty(), Optional.empty())));
        script.add(Look.running(PLANNED, List.of(Optional.of(SHARD_0), Optional.empty())));
        script.add(Look.running(PLANNED, List.of(Optional.of(SHARD_0), Optional.empty())));
        script.add(new Look(
                ExecutionStatus.SUCCEEDED, ended, List.of(Optional.of(SHARD_0), Optional.of(SHARD_1)), null, null));

        Backfill.Result result = backfill.follow(EXECUTION, Duration.ofHours(6), progress::add);

        assertThat(progress)
                .containsExactly(
                        new Backfill.Progress(0, 0, ReconcileCounts.NONE),
                        new Backfill.Progress(0, 2, ReconcileCounts.NONE),
                        new Backfill.Progress(1, 2, SHARD_0),
                        new Backfill.Progress(2, 2, SHARD_0.plus(SHARD_1)));
        assertThat(result.status()).isEqualTo(ExecutionStatus.SUCCEEDED);
        assertThat(result.inSync()).isTrue();
        assertThat(result.executionArn()).isEqualTo(EXECUTION);
        assertThat(result.run()).contains(ended);
        assertThat(result.shardsDone()).isEqualTo(2);
        assertThat(result.soFar()).isEqualTo(SHARD_0.plus(SHARD_1));
        assertThat(sleeps).hasSize(6).containsOnly(POLL);
        assertThat(sfn.describes).isEqualTo(7);
    }

    @Test
    void shouldReturnTheErrorAndStopLookingWhenTheExecutionFails() {
        script.add(Look.running(PLANNED, List.of(Optional.of(SHARD_0), Optional.empty())));
        script.add(new Look(
                ExecutionStatus.FAILED,
                PLANNED.ended(T0.plusSeconds(300), 1, SHARD_0),
                List.of(Optional.of(SHARD_0), Optional.empty()),
                "ReconcileIncomplete",
                "1 shard failed"));

        Backfill.Result result = backfill.follow(EXECUTION, Duration.ofHours(6), progress::add);

        assertThat(result.status()).isEqualTo(ExecutionStatus.FAILED);
        assertThat(result.inSync()).isFalse();
        assertThat(result.error()).isEqualTo("ReconcileIncomplete");
        assertThat(result.cause()).isEqualTo("1 shard failed");
        assertThat(result.shardsDone()).isEqualTo(1);
        assertThat(result.soFar()).isEqualTo(SHARD_0);
        assertThat(result.run().orElseThrow().status()).isEqualTo(ReconcileRun.Status.DRIFT_LEFT);
        assertThat(progress).containsExactly(new Backfill.Progress(1, 2, SHARD_0));
        assertThat(sleeps).hasSize(1);
        assertThat(sfn.describes).isEqualTo(2);
    }

    @Test
    void shouldReturnNoRunWhenTheExecutionFailedBeforeThePlanWasRecorded() {
        script.add(new Look(ExecutionStatus.FAILED, null, List.of(), "BuildFailed", "the plan build failed"));

        Backfill.Result result = backfill.follow(EXECUTION, Duration.ofHours(6), progress::add);

        assertThat(result.run()).isEmpty();
        assertThat(result.shardsDone()).isZero();
        assertThat(result.error()).isEqualTo("BuildFailed");
        assertThat(sleeps).isEmpty();
    }

    @Test
    void shouldStopFollowingWithStatusRunningWhenTheTimeoutPasses() {
        script.add(Look.running(PLANNED, List.of(Optional.of(SHARD_0), Optional.empty())));

        Backfill.Result result = backfill.follow(EXECUTION, Duration.ofMinutes(5), progress::add);

        assertThat(result.status()).isEqualTo(ExecutionStatus.RUNNING);
        assertThat(result.inSync()).isFalse();
        assertThat(result.shardsDone()).isEqualTo(1);
        assertThat(clock.instant()).isEqualTo(T0.plus(Duration.ofMinutes(5)));
        assertThat(sleeps).as("five minutes of 30 s pauses").hasSize(10);
        assertThat(sfn.describes).isEqualTo(11);
        assertThat(progress).hasSize(1);
    }

    @Test
    void shouldStopFollowingAndKeepTheInterruptWhenInterruptedWhilePausing() {
        script.add(Look.running(null, List.of()));
        Backfill interrupted = new Backfill(
                sfn,
                new FakeRuns(),
                clock,
                pause -> {
                    throw new InterruptedException("stop");
                },
                POLL);

        Backfill.Result result = interrupted.follow(EXECUTION, Duration.ofHours(6), progress::add);

        assertThat(result.status()).isEqualTo(ExecutionStatus.RUNNING);
        assertThat(result.error()).isEqualTo("Interrupted");
        assertThat(Thread.currentThread().isInterrupted()).isTrue();
    }

    @Test
    void shouldStartTheRunNamedForTheTimeWithThePrefixAsInput() {
        String arn = backfill.start(STATE_MACHINE, "team-a/");
        backfill.start(STATE_MACHINE, "");

        StartExecutionRequest withPrefix = sfn.started.get(0);
        assertThat(withPrefix.stateMachineArn()).isEqualTo(STATE_MACHINE);
        assertThat(withPrefix.name()).isEqualTo("backfill-2026-11-22T030000Z").isEqualTo(RUN);
        assertThat(Json.parse(withPrefix.input()))
                .isEqualTo(Json.MAPPER.createObjectNode().put("prefix", "team-a/"));
        assertThat(Json.parse(sfn.started.get(1).input())).isEqualTo(Json.MAPPER.createObjectNode());
        assertThat(arn).isEqualTo(EXECUTION);
    }
}
