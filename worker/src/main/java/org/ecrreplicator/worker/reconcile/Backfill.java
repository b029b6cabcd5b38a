package org.ecrreplicator.worker.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.state.ReconcileStore;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;

/**
 * Starts a reconcile run now and follows it to its end (decision 0068): the execution's status from Step
 * Functions, the shards' progress from the state table, where the plan and shard builds record it.
 */
public final class Backfill {
    /** Where the run ended. {@code run} is absent when the run failed before its plan was recorded. */
    public record Result(
            String executionArn,
            ExecutionStatus status,
            Optional<ReconcileRun> run,
            int shardsDone,
            ReconcileCounts soFar,
            String error,
            String cause) {
        public boolean inSync() {
            return status == ExecutionStatus.SUCCEEDED;
        }
    }

    /** Progress as the run goes: shards done of planned (planned is 0 until the plan is recorded). */
    public record Progress(int shardsDone, int shards, ReconcileCounts soFar) {}

    /** Pauses between looks; tests pass one that does not sleep. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final SfnClient sfn;
    private final ReconcileStore runs;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Duration poll;

    public Backfill(SfnClient sfn, ReconcileStore runs, Clock clock, Sleeper sleeper, Duration poll) {
        this.sfn = sfn;
        this.runs = runs;
        this.clock = clock;
        this.sleeper = sleeper;
        this.poll = poll;
    }

    /** The run's name: {@code backfill-<UTC time>}, readable in the console and unique per second. */
    public static String runName(Instant now) {
        return "backfill-" + now.toString().replace(":", "").replace(".", "-");
    }

    /** Starts the run; its execution ARN. */
    public String start(String stateMachineArn, String prefix) {
        var body = Json.MAPPER.createObjectNode();
        if (prefix != null && !prefix.isEmpty()) {
            body.put("prefix", prefix);
        }
        String input = Json.write(body);
        return sfn.startExecution(start -> start.stateMachineArn(stateMachineArn)
                        .name(runName(clock.instant()))
                        .input(input))
                .executionArn();
    }

    /** Follows the execution until it ends or {@code timeout} passes (then the status is RUNNING). */
    public Result follow(String executionArn, Duration timeout, Consumer<Progress> progress) {
        Instant deadline = clock.instant().plus(timeout);
        Progress last = null;
        for (; ; ) {
            DescribeExecutionResponse execution =
                    sfn.describeExecution(describe -> describe.executionArn(executionArn));
            Optional<ReconcileRun> run = runs.loadRun(execution.name());
            int shards = run.map(ReconcileRun::shards).orElse(0);
            List<Optional<ReconcileCounts>> counts = runs.shardCounts(execution.name(), shards);
            int done = (int) counts.stream().filter(Optional::isPresent).count();
            ReconcileCounts soFar =
                    counts.stream().flatMap(Optional::stream).reduce(ReconcileCounts.NONE, ReconcileCounts::plus);
            Progress now = new Progress(done, shards, soFar);
            if (!now.equals(last)) {
                progress.accept(now);
                last = now;
            }
            if (execution.status() != ExecutionStatus.RUNNING
                    || !clock.instant().isBefore(deadline)) {
                return new Result(
                        executionArn, execution.status(), run, done, soFar, execution.error(), execution.cause());
            }
            try {
                sleeper.sleep(poll);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Result(
                        executionArn, execution.status(), run, done, soFar, "Interrupted", "stopped following");
            }
        }
    }
}
