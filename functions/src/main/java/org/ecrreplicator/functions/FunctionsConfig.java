package org.ecrreplicator.functions;

import static org.ecrreplicator.domain.contract.FunctionEnvironment.*;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.ecrreplicator.domain.Partition;

/**
 * The functions' configuration, read once from the environment the CDK stack sets. Each handler asks only
 * for what it uses; a missing or malformed variable fails at cold start with its name and the fix.
 *
 * @param sourceRegistry optional local override (host[:port]) of the ECR host derived from account + region
 * @param destinationRegistry optional local override of the destination ECR host
 * @param replicateDeletes whether builds remove at the destination what the source no longer has (and so may
 *     remove digests): passed to every build, and tells StartBuild to record a possible removal first
 * @param copyReferrers whether builds copy the manifests that refer to an image (signatures, SBOMs)
 * @param sweepLookback how far back the sweep looks for builds whose completion was lost: the StartBuild task
 *     timeout, since an older build has no waiting task
 * @param sweepGrace how long after a build's end the sweep leaves it to Completion
 * @param buildTaskTimeout the StartBuild task timeout: how long an attempt's task token can still be answered,
 *     so how long StartBuild keeps it under the build's attempt id (decision 0071)
 * @param repositoryFilter the stack's repository filter for reconcile plans ({@code prefix:} alone: all)
 * @param stackName the {@code Stack} dimension of the reconcile metrics
 */
public record FunctionsConfig(
        String tableName,
        String queueUrl,
        String stateMachineArn,
        String secretId,
        String destinationRegion,
        String buildProjectName,
        Duration lease,
        int maxLeaseWaits,
        boolean createRepositories,
        String imageTagMutability,
        boolean scanOnPush,
        int historyTtlDays,
        String awsRegion,
        String sourceRegistry,
        String destinationRegistry,
        boolean registryInsecure,
        boolean replicateDeletes,
        boolean copyReferrers,
        Duration sweepLookback,
        Duration sweepGrace,
        Duration buildTaskTimeout,
        String repositoryFilter,
        int reconcileShardSize,
        String stackName) {

    public static FunctionsConfig fromEnvironment() {
        return from(System.getenv());
    }

    /** Optional variables get defaults; required ones are checked when a handler asks for them. */
    public static FunctionsConfig from(Map<String, String> env) {
        String mutability = value(env, IMAGE_TAG_MUTABILITY);
        if (mutability == null) {
            mutability = "MUTABLE";
        } else if (!mutability.equals("MUTABLE") && !mutability.equals("IMMUTABLE")) {
            throw invalid(IMAGE_TAG_MUTABILITY, mutability, "MUTABLE or IMMUTABLE");
        }
        String destinationRegion = value(env, DESTINATION_REGION);
        if (destinationRegion != null) {
            try {
                Partition.requireValidRegion(destinationRegion);
            } catch (IllegalArgumentException e) {
                throw invalid(DESTINATION_REGION, destinationRegion, "a region code such as us-gov-west-1");
            }
        }
        return new FunctionsConfig(
                value(env, TABLE_NAME),
                value(env, QUEUE_URL),
                value(env, STATE_MACHINE_ARN),
                value(env, SECRET_ID),
                destinationRegion,
                value(env, BUILD_PROJECT_NAME),
                Duration.ofSeconds(positive(env, LEASE_SECONDS, 5400)),
                positive(env, MAX_LEASE_WAITS, 60),
                bool(env, CREATE_REPOSITORIES, true),
                mutability,
                bool(env, SCAN_ON_PUSH, false),
                positive(env, HISTORY_TTL_DAYS, 90),
                value(env, AWS_REGION),
                value(env, SOURCE_REGISTRY),
                value(env, DESTINATION_REGISTRY),
                bool(env, REGISTRY_INSECURE, false),
                bool(env, REPLICATE_DELETES, false),
                bool(env, COPY_REFERRERS, true),
                Duration.ofSeconds(positive(env, SWEEP_LOOKBACK_SECONDS, 7200)),
                Duration.ofSeconds(positive(env, SWEEP_GRACE_SECONDS, 60)),
                Duration.ofSeconds(positive(env, BUILD_TASK_TIMEOUT_SECONDS, 7200)),
                value(env, REPOSITORY_FILTER) == null ? "prefix:" : value(env, REPOSITORY_FILTER),
                positive(env, RECONCILE_SHARD_SIZE, 500),
                value(env, STACK_NAME));
    }

    public String tableName() {
        return required(tableName, TABLE_NAME, "the DynamoDB state table's name");
    }

    public String queueUrl() {
        return required(queueUrl, QUEUE_URL, "the SQS FIFO queue's URL");
    }

    public String stateMachineArn() {
        return required(stateMachineArn, STATE_MACHINE_ARN, "the replication state machine's ARN");
    }

    public String secretId() {
        return required(secretId, SECRET_ID, "the destination secret's name or ARN");
    }

    public String destinationRegion() {
        return required(destinationRegion, DESTINATION_REGION, "the destination region, e.g. us-gov-west-1");
    }

    public String buildProjectName() {
        return required(buildProjectName, BUILD_PROJECT_NAME, "the CodeBuild project's name");
    }

    public String stackName() {
        return required(stackName, STACK_NAME, "the stack's name, for the reconcile metrics");
    }

    public String awsRegion() {
        return required(awsRegion, AWS_REGION, "this function's region (Lambda sets it)");
    }

    private static String required(String value, String name, String what) {
        if (value == null) {
            throw new IllegalStateException(
                    "environment variable " + name + " is not set: it must hold " + what + " (the CDK stack sets it)");
        }
        return value;
    }

    private static String value(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static int positive(Map<String, String> env, String name, int fallback) {
        String value = value(env, name);
        if (value == null) {
            return fallback;
        }
        try {
            int number = Integer.parseInt(value);
            if (number > 0) {
                return number;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw invalid(name, value, "a positive whole number");
    }

    private static boolean bool(Map<String, String> env, String name, boolean fallback) {
        String value = value(env, name);
        if (value == null) {
            return fallback;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw invalid(name, value, "true or false");
        };
    }

    private static IllegalStateException invalid(String name, String value, String expected) {
        return new IllegalStateException("environment variable " + name + " is '" + value + "': expected " + expected);
    }
}
