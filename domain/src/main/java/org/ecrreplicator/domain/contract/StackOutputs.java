package org.ecrreplicator.domain.contract;

import java.util.List;
import java.util.Locale;

/**
 * The replication stack's CloudFormation outputs: written by the stack ({@code infra}, {@code ReplicationStack})
 * and by the local pipeline's CloudFormation stand-in, read by the worker's operator commands through {@code
 * DescribeStacks}. An operator command finds a deployment by these keys and nothing else, so renaming one breaks
 * every {@code replicator} built before the rename: add a key, never rename one.
 */
public final class StackOutputs {
    /** The per-tag state table. */
    public static final String TABLE_NAME = "TableName";

    /** The replication workflow (Step Functions state machine). */
    public static final String STATE_MACHINE_ARN = "StateMachineArn";

    /** The replication queue (SQS FIFO) that Enqueue writes and Dispatch reads. */
    public static final String QUEUE_URL = "QueueUrl";

    /** The replication queue's dead-letter queue: messages Dispatch could not hand to the workflow. */
    public static final String DEAD_LETTER_QUEUE_URL = "DeadLetterQueueUrl";

    /** Where EventBridge puts an event it could not deliver to a function. */
    public static final String EVENT_DELIVERY_DEAD_LETTER_QUEUE_URL = "EventDeliveryDeadLetterQueueUrl";

    /** Lambda's on-failure destination of Enqueue and Completion. */
    public static final String INVOCATION_FAILURE_QUEUE_URL = "InvocationFailureQueueUrl";

    /** The destination secret: its ARN, or its name when the stack imports an existing one. */
    public static final String DESTINATION_SECRET_ID = "DestinationSecretId";

    /** The CodeBuild project that runs the worker. */
    public static final String BUILD_PROJECT_NAME = "BuildProjectName";

    /** The reconcile state machine (decision 0068): {@code backfill} starts it. */
    public static final String RECONCILE_STATE_MACHINE_ARN = "ReconcileStateMachineArn";

    /**
     * The destination registry's region: where {@code replicator doctor} checks the destination keys and
     * repositories, and, with the account in the destination secret (which holds no region), where {@code
     * status --live} finds the destination.
     */
    public static final String DESTINATION_REGION = "DestinationRegion";

    /**
     * Which repositories replicate, as {@link #repositoryFilter(String, List)} writes it: {@code prefix:} or
     * {@code wildcard:} and the patterns, comma-separated ({@code prefix:team/,apps/}).
     */
    public static final String REPOSITORY_FILTER = "RepositoryFilter";

    /** The destination-access stack's name (it lives in the destination partition). */
    public static final String DESTINATION_ACCESS_STACK_NAME = "DestinationAccessStackName";

    /** Every key, in the order the stack declares them. */
    public static final List<String> ALL = List.of(
            DESTINATION_SECRET_ID,
            DESTINATION_REGION,
            QUEUE_URL,
            STATE_MACHINE_ARN,
            BUILD_PROJECT_NAME,
            TABLE_NAME,
            INVOCATION_FAILURE_QUEUE_URL,
            DEAD_LETTER_QUEUE_URL,
            EVENT_DELIVERY_DEAD_LETTER_QUEUE_URL,
            RECONCILE_STATE_MACHINE_ARN,
            REPOSITORY_FILTER,
            DESTINATION_ACCESS_STACK_NAME);

    private StackOutputs() {}

    /**
     * The value of {@link #REPOSITORY_FILTER}: {@code kind} ({@code prefix} or {@code wildcard}, any case), a
     * colon, the patterns joined by commas. Repository patterns hold neither character.
     */
    public static String repositoryFilter(String kind, List<String> patterns) {
        return kind.toLowerCase(Locale.ROOT) + ":" + String.join(",", patterns);
    }

    /** The name the replication stack of {@code environment} ({@code dev}, {@code prod}) deploys under. */
    public static String replicationStackName(String environment) {
        return "ecr-replicator-" + environment + "-replication";
    }
}
