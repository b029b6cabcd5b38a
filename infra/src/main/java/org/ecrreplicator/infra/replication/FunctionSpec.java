package org.ecrreplicator.infra.replication;

/**
 * The Lambda functions (ten, and RotateSecret unless rotation is off): one shaded jar, one handler class
 * each. Memory is 1 GB throughout because a Java function's CPU share grows with memory and the SDK's start-up
 * is CPU-bound; timeouts are what each handler's slowest path (its SDK calls with their own timeouts and
 * retries) needs.
 */
public enum FunctionSpec {
    ENQUEUE("Enqueue", 1024, 30, "Validates ECR image events and queues replication requests"),
    DISPATCH("Dispatch", 1024, 60, "Starts one workflow execution per queued replication request"),
    READ_SECRET("ReadSecret", 1024, 30, "Validates the destination secret; returns no secret value"),
    CHECK_STATE("CheckState", 1024, 30, "Per-tag state: skips duplicates and stale events, takes the lease"),
    START_BUILD("StartBuild", 1024, 60, "Starts the replication build with the workflow's task token"),
    COMPLETION("Completion", 1024, 30, "Reports a finished build back to the waiting workflow execution"),
    RECORD_RESULT("RecordResult", 1024, 30, "Records the replicated digest and releases the lease"),
    // Pages of ListBuildsForProject and BatchGetBuilds, a state read per ended build and a task response per
    // lost completion, all in one run; a slow run only delays the next one.
    SWEEP("Sweep", 1024, 120, "Reports builds whose completion event was lost to the waiting execution"),
    // The reconcile workflow's (decision 0068): the same CodeBuild call as StartBuild, and a read of each shard's
    // counts (a few hundred items at most) with the run's summary.
    START_RECONCILE_BUILD(
            "StartReconcileBuild", 1024, 60, "Starts a reconcile plan or shard build with the workflow's task token"),
    RECORD_RECONCILE(
            "RecordReconcile", 1024, 60, "Records a reconcile run and publishes its metrics (embedded metric format)"),
    // Secrets Manager's rotation function (decision 0075): testSecret alone may wait a minute for IAM to
    // propagate the new key, and IAM and ECR are called across partitions.
    ROTATE_SECRET("RotateSecret", 1024, 180, "Rotates the destination user's access key (Secrets Manager rotation)");

    public static final String HANDLER_PACKAGE = "org.ecrreplicator.functions.";

    private final String id;
    private final int memoryMb;
    private final int timeoutSeconds;
    private final String description;

    FunctionSpec(String id, int memoryMb, int timeoutSeconds, String description) {
        this.id = id;
        this.memoryMb = memoryMb;
        this.timeoutSeconds = timeoutSeconds;
        this.description = description;
    }

    /** The construct id and the handler class prefix, e.g. {@code ReadSecret}. */
    public String id() {
        return id;
    }

    public String handler() {
        return HANDLER_PACKAGE + id + "Handler::handleRequest";
    }

    public int memoryMb() {
        return memoryMb;
    }

    public int timeoutSeconds() {
        return timeoutSeconds;
    }

    public String description() {
        return description;
    }
}
