package org.ecrreplicator.worker.redrive;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagStatus;
import org.ecrreplicator.state.TagStateStore;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.redrive.RedriveReport.Action;
import org.ecrreplicator.worker.redrive.RedriveReport.ExecutionRow;
import org.ecrreplicator.worker.redrive.RedriveReport.QueueRow;
import org.ecrreplicator.worker.status.Deployment;
import org.ecrreplicator.worker.status.TagStatusRow;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sfn.model.DescribeExecutionResponse;
import software.amazon.awssdk.services.sfn.model.ExecutionListItem;
import software.amazon.awssdk.services.sfn.model.ExecutionNotRedrivableException;
import software.amazon.awssdk.services.sfn.model.ExecutionRedriveStatus;
import software.amazon.awssdk.services.sfn.model.ExecutionStatus;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * Bulk redrive (decision 0066): the workflow's failed, timed-out and aborted executions that stopped within the
 * window, the newest per tag redriven unless the tag converged since it stopped; with {@code deadLetters}, the
 * replication DLQ's messages moved back to the replication queue and the depths of the queues that cannot be
 * moved.
 */
public final class Redrive {
    static final String CONVERGED = "converged since";
    static final String SUPERSEDED = "superseded by a newer execution";
    static final String NOT_REDRIVABLE = "not redrivable";
    static final String NOT_CONVERGED = "not converged since it stopped";
    private static final List<ExecutionStatus> STOPPED_UNSUCCESSFULLY =
            List.of(ExecutionStatus.FAILED, ExecutionStatus.TIMED_OUT, ExecutionStatus.ABORTED);

    /**
     * @param since how far back to look at stop dates
     * @param dryRun redrive and move nothing; say what would be done
     * @param deadLetters also the dead-letter queues
     */
    public record Options(Duration since, boolean dryRun, boolean deadLetters) {}

    private final SfnClient sfn;
    private final TagStateStore states;
    private final SqsClient sqs;
    private final Clock clock;

    /** @param sqs null unless {@link Options#deadLetters()} */
    public Redrive(SfnClient sfn, TagStateStore states, SqsClient sqs, Clock clock) {
        this.sfn = sfn;
        this.states = states;
        this.sqs = sqs;
        this.clock = clock;
    }

    private record Candidate(ExecutionListItem item, String tag, DescribeExecutionResponse described) {}

    public RedriveReport run(Deployment deployment, Options options) {
        String stateMachine = deployment.output(StackOutputs.STATE_MACHINE_ARN);
        Instant cutoff = clock.instant().minus(options.since());
        List<Candidate> candidates = new ArrayList<>();
        for (ExecutionListItem item : stopped(stateMachine, cutoff)) {
            candidates.add(describe(item));
        }
        // Newest first: the first candidate of a tag is the one that may be redriven.
        candidates.sort(
                Comparator.comparing((Candidate candidate) -> candidate.item().startDate())
                        .thenComparing(candidate -> candidate.item().stopDate())
                        .reversed());
        Map<String, String> newestOfTag = new HashMap<>();
        Map<String, Optional<TagState>> tagStates = new HashMap<>();
        Map<String, ExecutionRow> rows = new LinkedHashMap<>();
        for (Candidate candidate : candidates) {
            ExecutionListItem item = candidate.item();
            String tag = candidate.tag();
            if (tag == null) {
                rows.put(item.executionArn(), row(candidate, Action.SKIPPED, "its input is not a replication request"));
                continue;
            }
            String newer = newestOfTag.putIfAbsent(tag, item.name());
            if (newer != null) {
                rows.put(item.executionArn(), row(candidate, Action.SKIPPED, SUPERSEDED + " (" + newer + ")"));
                continue;
            }
            Optional<TagState> state = tagStates.computeIfAbsent(tag, key -> load(deployment, key));
            if (state.isPresent() && convergedSince(state.get(), item.stopDate())) {
                rows.put(
                        item.executionArn(),
                        row(
                                candidate,
                                Action.SKIPPED,
                                CONVERGED + " (" + state.get().status() + " at " + settledAt(state.get()) + ")"));
                continue;
            }
            DescribeExecutionResponse described = candidate.described();
            if (described != null && described.redriveStatus() == ExecutionRedriveStatus.NOT_REDRIVABLE) {
                rows.put(item.executionArn(), row(candidate, Action.SKIPPED, notRedrivable(described)));
                continue;
            }
            rows.put(
                    item.executionArn(),
                    options.dryRun() ? row(candidate, Action.WOULD_REDRIVE, NOT_CONVERGED) : redrive(candidate));
        }
        // The table lists them oldest stop first, as a log would.
        List<ExecutionRow> ordered = new ArrayList<>(rows.values());
        ordered.sort(Comparator.comparing(ExecutionRow::stopDate).thenComparing(ExecutionRow::name));
        List<QueueRow> queues = options.deadLetters() ? queues(deployment, options.dryRun()) : List.of();
        return new RedriveReport(deployment.stackName(), options.since(), options.dryRun(), ordered, queues);
    }

    /**
     * The rule of decision 0066: the tag converged after the execution stopped when its record is settled
     * ({@link TagStatusRow#SETTLED}) by a build whose result was recorded after the stop ({@code replicatedAt};
     * {@code updatedAt} for SOURCE_GONE, which keeps the earlier replicatedAt). A failure records FAILED before
     * its execution stops, so only a later execution's success can make this true.
     */
    static boolean convergedSince(TagState state, Instant stopped) {
        if (!TagStatusRow.SETTLED.contains(state.status())) {
            return false;
        }
        Instant settled = settledAt(state);
        return settled != null && stopped != null && settled.isAfter(stopped);
    }

    private static Instant settledAt(TagState state) {
        return state.status() == TagStatus.SOURCE_GONE ? state.updatedAt() : state.replicatedAt();
    }

    private List<ExecutionListItem> stopped(String stateMachine, Instant cutoff) {
        List<ExecutionListItem> items = new ArrayList<>();
        for (ExecutionStatus status : STOPPED_UNSUCCESSFULLY) {
            try {
                for (ExecutionListItem item : sfn.listExecutionsPaginator(
                                request -> request.stateMachineArn(stateMachine)
                                        .statusFilter(status)
                                        .maxResults(1000))
                        .executions()) {
                    if (item.stopDate() != null && !item.stopDate().isBefore(cutoff)) {
                        items.add(item);
                    }
                }
            } catch (SdkException e) {
                throw new ReplicatorException("ListExecutions of " + stateMachine + " failed: " + oneLine(e)
                        + " (check the credentials' states:ListExecutions on it)");
            }
        }
        return items;
    }

    private Candidate describe(ExecutionListItem item) {
        DescribeExecutionResponse described;
        try {
            described = sfn.describeExecution(request -> request.executionArn(item.executionArn()));
        } catch (SdkException e) {
            throw new ReplicatorException("DescribeExecution of " + item.executionArn() + " failed: " + oneLine(e)
                    + " (check the credentials' states:DescribeExecution on the state machine's executions)");
        }
        String tag;
        try {
            tag = ReplicationRequest.fromJson(described.input()).imageKey();
        } catch (IllegalArgumentException | NullPointerException e) {
            tag = null;
        }
        return new Candidate(item, tag, described);
    }

    private Optional<TagState> load(Deployment deployment, String tag) {
        try {
            return states.load(tag);
        } catch (SdkException e) {
            throw new ReplicatorException("reading " + tag + " from the state table " + deployment.tableName()
                    + " failed: " + oneLine(e) + " (check the credentials' dynamodb:GetItem on it)");
        }
    }

    private ExecutionRow redrive(Candidate candidate) {
        try {
            sfn.redriveExecution(
                    request -> request.executionArn(candidate.item().executionArn()));
            return row(candidate, Action.REDRIVEN, NOT_CONVERGED);
        } catch (ExecutionNotRedrivableException e) {
            return row(candidate, Action.SKIPPED, NOT_REDRIVABLE + ": " + errorMessage(e));
        } catch (SdkException e) {
            return row(
                    candidate,
                    Action.FAILED,
                    "RedriveExecution failed: " + oneLine(e) + " (check states:RedriveExecution, then run again)");
        }
    }

    private static String notRedrivable(DescribeExecutionResponse described) {
        String reason = described.redriveStatusReason();
        return NOT_REDRIVABLE + (reason == null || reason.isBlank() ? "" : ": " + reason);
    }

    private static ExecutionRow row(Candidate candidate, Action action, String reason) {
        ExecutionListItem item = candidate.item();
        return new ExecutionRow(
                item.name(),
                item.executionArn(),
                candidate.tag(),
                item.statusAsString(),
                item.startDate(),
                item.stopDate(),
                action,
                reason);
    }

    private List<QueueRow> queues(Deployment deployment, boolean dryRun) {
        List<QueueRow> rows = new ArrayList<>();
        String deadLetters = deployment.output(StackOutputs.DEAD_LETTER_QUEUE_URL);
        String queue = deployment.output(StackOutputs.QUEUE_URL);
        int depth = depth(deadLetters);
        if (depth == 0) {
            rows.add(new QueueRow(StackOutputs.DEAD_LETTER_QUEUE_URL, deadLetters, 0, "nothing to move", "empty"));
        } else if (dryRun) {
            rows.add(new QueueRow(
                    StackOutputs.DEAD_LETTER_QUEUE_URL,
                    deadLetters,
                    depth,
                    "would move",
                    "to the replication queue (" + StackOutputs.QUEUE_URL + ")"));
        } else {
            rows.add(move(deadLetters, queue, depth));
        }
        String eventDelivery = deployment.output(StackOutputs.EVENT_DELIVERY_DEAD_LETTER_QUEUE_URL);
        rows.add(new QueueRow(
                StackOutputs.EVENT_DELIVERY_DEAD_LETTER_QUEUE_URL,
                eventDelivery,
                depth(eventDelivery),
                "not moved",
                "EventBridge's undelivered events have no source queue: invoke the function in each message's"
                        + " TARGET_ARN attribute with its body (docs/deploy.md, When events are lost)"));
        String invocationFailures = deployment.output(StackOutputs.INVOCATION_FAILURE_QUEUE_URL);
        rows.add(new QueueRow(
                StackOutputs.INVOCATION_FAILURE_QUEUE_URL,
                invocationFailures,
                depth(invocationFailures),
                "not moved",
                "Lambda's on-failure records, not queue messages: replay them (docs/deploy.md, When events are"
                        + " lost)"));
        return rows;
    }

    private QueueRow move(String deadLetters, String queue, int depth) {
        try {
            String source = arn(deadLetters);
            String destination = arn(queue);
            String handle = sqs.startMessageMoveTask(
                            request -> request.sourceArn(source).destinationArn(destination))
                    .taskHandle();
            return new QueueRow(
                    StackOutputs.DEAD_LETTER_QUEUE_URL,
                    deadLetters,
                    depth,
                    "move started",
                    "move task started to the replication queue (" + StackOutputs.QUEUE_URL + "), handle "
                            + handle + "; aws sqs list-message-move-tasks --source-arn " + source
                            + " shows its progress");
        } catch (SdkException e) {
            return new QueueRow(
                    StackOutputs.DEAD_LETTER_QUEUE_URL,
                    deadLetters,
                    depth,
                    "failed",
                    "StartMessageMoveTask failed: " + oneLine(e)
                            + " (check sqs:StartMessageMoveTask and that no move task is running, then run again)");
        }
    }

    private String arn(String queueUrl) {
        return sqs.getQueueAttributes(
                        request -> request.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes()
                .get(QueueAttributeName.QUEUE_ARN);
    }

    /** Visible messages, the metric the queues' alarms watch; -1 when it cannot be read. */
    private int depth(String queueUrl) {
        try {
            String value = sqs.getQueueAttributes(request -> request.queueUrl(queueUrl)
                            .attributeNames(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES))
                    .attributes()
                    .get(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
            return value == null ? -1 : Integer.parseInt(value);
        } catch (SdkException | NumberFormatException e) {
            return -1;
        }
    }

    private static String errorMessage(software.amazon.awssdk.awscore.exception.AwsServiceException e) {
        return e.awsErrorDetails() == null || e.awsErrorDetails().errorMessage() == null
                ? oneLine(e)
                : e.awsErrorDetails().errorMessage();
    }

    private static String oneLine(Exception e) {
        String text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
