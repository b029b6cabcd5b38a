package org.ecrreplicator.domain.contract;

/**
 * The environment of a replication build: set by the CDK build project (defaults) and by StartBuild (per
 * build, as overrides), read by the worker's {@code replicate} command and by Completion and the sweep (from
 * the build's description). docs/contracts.md says who writes and reads each.
 */
public final class BuildVariables {
    /** The replication request as JSON (PLAINTEXT). */
    public static final String REPLICATION_REQUEST = "REPLICATION_REQUEST";

    /**
     * The build's attempt (PLAINTEXT): a random id under which the state table keeps the Step Functions task token
     * the build's end is reported to (decision 0071). Useless without the table item, so reading the build's
     * description does not let anyone report its result.
     */
    public static final String ATTEMPT_ID = "ATTEMPT_ID";

    /**
     * The SHA-256 (hex) of the worker jar the stack packaged as {@code replicator.jar} (PLAINTEXT, a project
     * default): buildspec.yml refuses to run a jar that does not match it.
     */
    public static final String WORKER_JAR_SHA256 = "WORKER_JAR_SHA256";

    /** The execution that started the build (PLAINTEXT). */
    public static final String EXECUTION_ARN = "EXECUTION_ARN";

    /** host[:port] of the source registry. */
    public static final String SOURCE_REGISTRY = "SOURCE_REGISTRY";

    /** host[:port] of the destination registry. */
    public static final String DESTINATION_REGISTRY = "DESTINATION_REGISTRY";

    /** The destination's region, for its ECR API. */
    public static final String DESTINATION_REGION = "DESTINATION_REGION";

    /** true|false: create a missing destination repository. */
    public static final String CREATE_REPOSITORIES = "CREATE_REPOSITORIES";

    /** MUTABLE|IMMUTABLE: for repositories the build creates. */
    public static final String IMAGE_TAG_MUTABILITY = "IMAGE_TAG_MUTABILITY";

    /** true|false: for repositories the build creates. */
    public static final String SCAN_ON_PUSH = "SCAN_ON_PUSH";

    /** true|false: plain HTTP to the registries (local runs only; the stack sets false). */
    public static final String REGISTRY_INSECURE = "REGISTRY_INSECURE";

    /** true|false: a source tag or digest that is gone is removed at the destination too. Default false. */
    public static final String REPLICATE_DELETES = "REPLICATE_DELETES";

    /** true|false: manifests that refer to the copied image (OCI 1.1 {@code subject}) travel with it. Default true. */
    public static final String COPY_REFERRERS = "COPY_REFERRERS";

    /**
     * The destination IAM user's access key id (SECRETS_MANAGER: {@code <secret>:accesskey::<versionId>}, the
     * version ReadSecret validated; the project's default has no version).
     */
    public static final String DESTINATION_ACCESS_KEY_ID = "DESTINATION_ACCESS_KEY_ID";

    /** The destination IAM user's secret access key (SECRETS_MANAGER: as {@link #DESTINATION_ACCESS_KEY_ID}). */
    public static final String DESTINATION_SECRET_ACCESS_KEY = "DESTINATION_SECRET_ACCESS_KEY";

    /** true: treat a local source registry as ECR (local stand-in runs only; never set by the stack). */
    public static final String SOURCE_REGISTRY_IS_ECR = "SOURCE_REGISTRY_IS_ECR";

    /** true: treat a local destination registry as ECR (local stand-in runs only; never set by the stack). */
    public static final String DESTINATION_REGISTRY_IS_ECR = "DESTINATION_REGISTRY_IS_ECR";

    /**
     * A reconcile build (decision 0068): the run id (the reconcile execution's name). Absent on replication
     * builds.
     */
    public static final String RECONCILE_RUN = "RECONCILE_RUN";

    /** A reconcile shard build: the shard's number. Absent on the plan build, which makes the shards. */
    public static final String RECONCILE_SHARD = "RECONCILE_SHARD";

    /** The plan build: only repositories under this prefix (on-demand runs); empty for all. */
    public static final String RECONCILE_PREFIX = "RECONCILE_PREFIX";

    /** The plan build: tags per shard, at most (a larger repository makes a shard of its own). */
    public static final String RECONCILE_SHARD_SIZE = "RECONCILE_SHARD_SIZE";

    /**
     * The stack's repository filter: {@code prefix:} or {@code wildcard:} and the comma-separated patterns
     * ({@code prefix:} alone matches every repository).
     */
    public static final String REPOSITORY_FILTER = "REPOSITORY_FILTER";

    /**
     * The state table: every build's shared blob index (decision 0072); reconcile builds' shard plan and per-tag
     * leases. A project default, set by the stack.
     */
    public static final String TABLE_NAME = "TABLE_NAME";

    /** Reconcile builds: how long a tag's lease lasts, in seconds (the stack's lease). */
    public static final String LEASE_SECONDS = "LEASE_SECONDS";

    private BuildVariables() {}
}
