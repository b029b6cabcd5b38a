package org.ecrreplicator.domain.state;

/**
 * The state table's layout, shared by the functions (which write it) and operator tools (which read it).
 * One item per image key; history rows share the table under keys starting with {@link #HISTORY_PREFIX}
 * (a character no repository name contains) and expire through the TTL attribute, and so do the removal
 * records of digests, under {@link #REMOVAL_PREFIX}.
 */
public final class StateTable {
    /** Partition key (String): {@code repo:tag} or {@code repo@digest}. No sort key. */
    public static final String KEY = "imageKey";

    /** TTL attribute (Number, epoch seconds), set on history rows only. */
    public static final String TTL = "expiresAt";

    public static final String HISTORY_PREFIX = "#history#";

    /** Removal records of a digest in a repository ({@link DigestRemoval}): {@code #removal#repo@digest}. */
    public static final String REMOVAL_PREFIX = "#removal#";

    public static final String VERSION = "version";
    public static final String KIND = "kind";
    public static final String LAST_SEEN_EVENT_ID = "lastSeenEventId";
    public static final String LAST_SEEN_EVENT_TIME = "lastSeenEventTime";
    public static final String LAST_SEEN_DIGEST = "lastSeenDigest";
    public static final String APPLIED_EVENT_ID = "appliedEventId";
    public static final String APPLIED_EVENT_TIME = "appliedEventTime";
    public static final String REPLICATED_DIGEST = "replicatedDigest";
    public static final String REPLICATED_AT = "replicatedAt";
    public static final String DESTINATION_DELETED = "destinationDeleted";
    public static final String ATTEMPT_STARTED_AT = "attemptStartedAt";
    public static final String SYNCED_AT = "syncedAt";
    public static final String STATUS = "status";
    public static final String LEASE_OWNER = "leaseOwner";
    public static final String LEASE_EXPIRES_AT = "leaseExpiresAt";
    public static final String BUILD_ID = "buildId";
    public static final String TASK_TOKEN_HASH = "taskTokenHash";
    public static final String ERROR = "error";
    public static final String CAUSE = "cause";
    public static final String FAILED_EXECUTION = "failedExecution";
    public static final String UPDATED_AT = "updatedAt";

    /** On removal records: a map from execution ARN to the start of its attempt (String, ISO-8601). */
    public static final String IN_PROGRESS = "inProgress";

    public static final String LAST_REMOVED_AT = "lastRemovedAt";

    /**
     * Reconcile runs (decision 0068): {@code #reconcile#run#<runId>} (a {@link ReconcileRun}), {@code
     * #reconcile#run#<runId>#shard#<n>} (the repositories of shard n, then its counts) and {@link
     * #RECONCILE_LATEST} (a copy of the newest run). All expire through the TTL attribute.
     */
    public static final String RECONCILE_PREFIX = "#reconcile#";

    public static final String RECONCILE_LATEST = RECONCILE_PREFIX + "latest";

    public static final String RUN_ID = "runId";
    public static final String PREFIX = "prefix";
    public static final String STARTED_AT = "startedAt";
    public static final String ENDED_AT = "endedAt";
    public static final String SHARDS = "shards";
    public static final String FAILED_SHARDS = "failedShards";
    public static final String REPOSITORIES = "repositories";

    /** On shard items and runs: a map of {@link ReconcileCounts#asMap()}; absent until the shard ended. */
    public static final String COUNTS = "counts";

    /**
     * Build attempts (decision 0071): {@code #attempt#<attemptId>} holds the task token of the attempt whose
     * build carries that {@code ATTEMPT_ID}, and {@code #attempt#token#<sha256 of the token>} holds the attempt
     * id of that token, so a retried StartBuild finds the id it gave the build. Both expire through the TTL
     * attribute. Attempt ids are hex, so these keys hold neither ':' nor '@' and no repository key pattern the
     * build role may read ({@code repo:*}, {@code repo@*}) matches them.
     */
    public static final String ATTEMPT_PREFIX = "#attempt#";

    /** On {@code #attempt#<id>} items: the task token (String). */
    public static final String TASK_TOKEN = "taskToken";

    /** On {@code #attempt#token#<hash>} items: the attempt id (String). */
    public static final String ATTEMPT_ID = "attemptId";

    /**
     * The pipeline's shared index of where blobs are at the destination (decision 0072): {@code
     * #blob#<registry>#<digest>}, holding the destination repositories known to hold the blob in {@link
     * #BLOB_REPOSITORIES} (a string set of at most {@link #MAX_BLOB_REPOSITORIES}). A hint only: the registry
     * declines a mount from a repository that no longer holds the blob, and the copy uploads it.
     */
    public static final String BLOB_PREFIX = "#blob#";

    /** On blob-index items: the repositories (String set). */
    public static final String BLOB_REPOSITORIES = "repositories";

    /**
     * Repositories an index item keeps, at most: one is enough to mount from, and a base layer under hundreds
     * of repositories would otherwise grow its item without bound.
     */
    public static final int MAX_BLOB_REPOSITORIES = 32;

    private StateTable() {}

    /** The key of the item holding the task token of attempt {@code attemptId}. */
    public static String attemptKey(String attemptId) {
        return ATTEMPT_PREFIX + attemptId;
    }

    /** The key of the item holding the attempt id of the task token whose SHA-256 (hex) is {@code tokenHash}. */
    public static String attemptTokenKey(String tokenHash) {
        return ATTEMPT_PREFIX + "token#" + tokenHash;
    }

    /** The key of the blob-index item of {@code digest} at the registry {@code registry} (its authority). */
    public static String blobKey(String registry, org.ecrreplicator.domain.Digest digest) {
        return BLOB_PREFIX + registry + "#" + digest;
    }

    /** The key of the removal record of {@code digest} in {@code repository}. */
    public static String removalKey(String repository, org.ecrreplicator.domain.Digest digest) {
        return REMOVAL_PREFIX + repository + "@" + digest;
    }

    public static String reconcileRunKey(String runId) {
        return RECONCILE_PREFIX + "run#" + runId;
    }

    public static String reconcileShardKey(String runId, int shard) {
        return reconcileRunKey(runId) + "#shard#" + shard;
    }

    /** The key of the history row of one event's outcome on one image key. */
    public static String historyKey(String imageKey, EventMark event) {
        return HISTORY_PREFIX + imageKey + "#" + event.time() + "#" + event.eventId();
    }
}
