package org.ecrreplicator.domain.contract;

/**
 * The functions' environment variables: set by the CDK replication stack (and by the local pipeline), read
 * once per cold start by the functions' configuration. docs/contracts.md says which function gets which.
 */
public final class FunctionEnvironment {
    public static final String TABLE_NAME = "TABLE_NAME";
    public static final String QUEUE_URL = "QUEUE_URL";
    public static final String STATE_MACHINE_ARN = "STATE_MACHINE_ARN";
    public static final String SECRET_ID = "SECRET_ID";
    public static final String DESTINATION_REGION = "DESTINATION_REGION";
    public static final String BUILD_PROJECT_NAME = "BUILD_PROJECT_NAME";
    public static final String LEASE_SECONDS = "LEASE_SECONDS";
    public static final String MAX_LEASE_WAITS = "MAX_LEASE_WAITS";
    public static final String CREATE_REPOSITORIES = "CREATE_REPOSITORIES";
    public static final String IMAGE_TAG_MUTABILITY = "IMAGE_TAG_MUTABILITY";
    public static final String SCAN_ON_PUSH = "SCAN_ON_PUSH";
    public static final String HISTORY_TTL_DAYS = "HISTORY_TTL_DAYS";
    /** Set by Lambda itself. */
    public static final String AWS_REGION = "AWS_REGION";
    /** Local runs only: host[:port] instead of the ECR host derived from account and region. */
    public static final String SOURCE_REGISTRY = "SOURCE_REGISTRY";
    /** Local runs only: host[:port] instead of the destination ECR host. */
    public static final String DESTINATION_REGISTRY = "DESTINATION_REGISTRY";
    /** Local runs only. */
    public static final String REGISTRY_INSECURE = "REGISTRY_INSECURE";

    public static final String REPLICATE_DELETES = BuildVariables.REPLICATE_DELETES;
    public static final String COPY_REFERRERS = BuildVariables.COPY_REFERRERS;
    /** StartReconcileBuild: the stack's repository filter, as {@link BuildVariables#REPOSITORY_FILTER}. */
    public static final String REPOSITORY_FILTER = BuildVariables.REPOSITORY_FILTER;

    /** StartReconcileBuild: tags per reconcile shard ({@code reconcileShardSize}). */
    public static final String RECONCILE_SHARD_SIZE = BuildVariables.RECONCILE_SHARD_SIZE;

    /** RecordReconcile: the stack's name, the {@code Stack} dimension of the reconcile metrics. */
    public static final String STACK_NAME = "STACK_NAME";

    public static final String SWEEP_LOOKBACK_SECONDS = "SWEEP_LOOKBACK_SECONDS";
    public static final String SWEEP_GRACE_SECONDS = "SWEEP_GRACE_SECONDS";

    /**
     * StartBuild and StartReconcileBuild: the build task's timeout in seconds, how long they keep a task token
     * under its attempt id (decision 0071).
     */
    public static final String BUILD_TASK_TIMEOUT_SECONDS = "BUILD_TASK_TIMEOUT_SECONDS";

    private FunctionEnvironment() {}
}
