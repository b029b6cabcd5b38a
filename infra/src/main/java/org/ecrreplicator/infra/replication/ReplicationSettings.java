package org.ecrreplicator.infra.replication;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.Partition;
import org.ecrreplicator.infra.EnvironmentContext;
import org.ecrreplicator.infra.EnvironmentContext.InvalidContextException;
import org.ecrreplicator.infra.EnvironmentContext.Section;
import software.amazon.awscdk.services.logs.RetentionDays;

/**
 * Everything the replication stack is configured with, read once from the {@code replication} section of the
 * environment's context and validated as a whole: stacks receive this record and never read context.
 *
 * @param copyReferrers whether builds also copy the manifests that refer to an image (OCI 1.1 {@code subject}:
 *     signatures, SBOMs, attestations)
 * @param buildQueuedTimeoutMinutes how long a build may wait for a free slot (concurrency limit) before
 *     CodeBuild gives up; part of the StartBuild task timeout
 * @param alarmTopicArn an existing SNS topic the alarms notify, when set
 * @param destinationSecretName an existing secret to use instead of creating one, when set
 * @param reconcileSchedule the EventBridge schedule expression that starts the reconcile workflow ({@code rate(...)}
 *     or {@code cron(...)}); empty when the setting is {@code off} (decision 0068)
 * @param reconcileConcurrency shard builds a reconcile run runs at once
 * @param reconcileShardSize tags per reconcile shard, at most (a larger repository is a shard of its own)
 * @param rotationDays days between automatic rotations of the destination access key; empty when the setting is
 *     {@code off} (decision 0075)
 */
public record ReplicationSettings(
        String environment,
        Optional<String> account,
        String region,
        String destinationRegion,
        RepositoryFilter repositories,
        boolean replicateDeletes,
        boolean copyReferrers,
        boolean createRepositories,
        String imageTagMutability,
        boolean scanOnPush,
        Optional<String> destinationSecretName,
        String lambdaArchitecture,
        boolean snapStart,
        int logRetentionDays,
        BuildCompute buildCompute,
        int buildTimeoutMinutes,
        int buildQueuedTimeoutMinutes,
        int buildConcurrency,
        int leaseSeconds,
        int leaseWaitSeconds,
        int maxLeaseWaits,
        int historyTtlDays,
        int queueMaxReceiveCount,
        Optional<String> alarmTopicArn,
        Optional<String> reconcileSchedule,
        int reconcileConcurrency,
        int reconcileShardSize,
        OptionalInt rotationDays) {

    public static final String SECTION = "replication";
    public static final String ARM64 = "arm64";
    public static final String X86_64 = "x86_64";

    static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");
    static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    static final Pattern SECRET_NAME = Pattern.compile("[A-Za-z0-9/_+=.@-]{1,512}");
    static final Pattern TOPIC_ARN =
            Pattern.compile("arn:aws(-us-gov|-cn)?:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]{1,256}");

    /** The {@code reconcileSchedule} that runs no scheduled reconcile ({@code replicator backfill} still can). */
    public static final String SCHEDULE_OFF = "off";

    public static final String DEFAULT_RECONCILE_SCHEDULE = "rate(1 day)";

    /** Days between rotations of the destination key unless {@code rotationDays} says otherwise. */
    public static final int DEFAULT_ROTATION_DAYS = 90;

    /** Secrets Manager's bounds for {@code AutomaticallyAfterDays}. */
    static final int MAX_ROTATION_DAYS = 1000;

    /** EventBridge's rate expression: a whole number and its unit, singular for 1 and plural otherwise. */
    static final Pattern RATE = Pattern.compile("rate\\(([1-9][0-9]{0,5}) (minute|minutes|hour|hours|day|days)\\)");

    /** EventBridge's cron expression: six fields (minutes hours day-of-month month day-of-week year). */
    static final Pattern CRON = Pattern.compile("cron\\(([0-9A-Za-z*?,/#-]+( [0-9A-Za-z*?,/#-]+){5})\\)");

    static final String SCHEDULE_CHOICES = "rate(<n> <minutes|hours|days>) such as rate(1 day), cron(<minutes> <hours>"
            + " <day-of-month> <month> <day-of-week> <year>) such as cron(0 3 * * ? *), or off";

    /** The CloudWatch Logs retention periods offered here, in days. */
    static final Map<Integer, RetentionDays> RETENTION = retention();

    /** Margin between the latest possible end of a build and the StartBuild task timeout (event delivery). */
    static final int TASK_TIMEOUT_MARGIN_SECONDS = 300;

    public ReplicationSettings {
        account = account == null ? Optional.empty() : account;
        destinationSecretName = destinationSecretName == null ? Optional.empty() : destinationSecretName;
        alarmTopicArn = alarmTopicArn == null ? Optional.empty() : alarmTopicArn;
        reconcileSchedule = reconcileSchedule == null ? Optional.empty() : reconcileSchedule;
        rotationDays = rotationDays == null ? OptionalInt.empty() : rotationDays;
    }

    /** Reads and validates {@code environments.<env>.replication}; the exception names the path and the fix. */
    public static ReplicationSettings from(EnvironmentContext context) {
        Section section = context.section(SECTION);
        String region = section.matching("region", REGION, "a region code such as us-east-1");
        String destinationRegion = section.matching("destinationRegion", REGION, "a region code such as us-gov-west-1");

        RepositoryFilter repositories = repositoryFilter(section);

        String architecture = section.oneOf(
                "lambdaArchitecture", List.of(ARM64, X86_64), RegionFeatures.lambdaArm64(region) ? ARM64 : X86_64);
        if (ARM64.equals(architecture) && !RegionFeatures.lambdaArm64(region)) {
            throw section.invalid(
                    "lambdaArchitecture",
                    architecture,
                    X86_64 + ": arm64 Lambda functions are not offered in " + region
                            + " (see RegionFeatures.LAMBDA_ARM64)");
        }
        boolean snapStart = section.bool("snapStart", RegionFeatures.snapStart(region));
        if (snapStart && !RegionFeatures.snapStart(region)) {
            throw section.invalid(
                    "snapStart",
                    true,
                    "false: Lambda SnapStart is not offered in " + region + " (see RegionFeatures.SNAPSTART)");
        }

        BuildCompute compute = BuildCompute.valueOf(
                section.oneOf("buildComputeType", BuildCompute.names(), BuildCompute.BUILD_GENERAL1_SMALL.name()));
        if (compute.lambda() && !RegionFeatures.codeBuildLambdaCompute(region)) {
            throw section.invalid(
                    "buildComputeType",
                    compute.name(),
                    "an EC2 compute type such as BUILD_GENERAL1_SMALL: CodeBuild Lambda compute is not offered in "
                            + region + " (see RegionFeatures.CODEBUILD_LAMBDA_COMPUTE)");
        }
        int maxBuildMinutes = compute.lambda() ? BuildCompute.LAMBDA_MAX_BUILD_MINUTES : 480;
        int buildTimeout = section.integer("buildTimeoutMinutes", 5, maxBuildMinutes, Math.min(30, maxBuildMinutes));
        int queuedTimeout = section.integer("buildQueuedTimeoutMinutes", 5, 480, 30);
        int taskTimeout = buildTaskTimeoutSeconds(buildTimeout, queuedTimeout);

        // The lease must outlive the longest wait for a build, or a second execution could start a
        // concurrent build for the same tag while the first one still runs.
        int leaseSeconds = section.integer("leaseSeconds", taskTimeout, 86_400, taskTimeout + 60);
        int leaseWaitSeconds = section.integer("leaseWaitSeconds", 5, 3_600, 30);
        int maxLeaseWaits =
                section.integer("maxLeaseWaits", 1, 10_000, (leaseSeconds + leaseWaitSeconds - 1) / leaseWaitSeconds);

        int retention = section.integer("logRetentionDays", 1, 3653, 90);
        if (!RETENTION.containsKey(retention)) {
            throw section.invalid("logRetentionDays", retention, "one of " + RETENTION.keySet());
        }

        Optional<String> account = optionalMatching(section, "account", ACCOUNT, "a 12-digit AWS account id");
        Optional<String> secretName =
                optionalMatching(section, "destinationSecretName", SECRET_NAME, "a Secrets Manager secret name");
        Optional<String> topic = optionalMatching(
                section, "alarmTopicArn", TOPIC_ARN, "an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:ops");
        topic.ifPresent(arn -> {
            String partition = Partition.fromRegion(region).id();
            if (!arn.startsWith("arn:" + partition + ":sns:" + region + ":")) {
                throw section.invalid(
                        "alarmTopicArn",
                        arn,
                        "a topic in the stack's region " + region + " (partition " + partition + ")");
            }
        });

        int buildConcurrency = section.integer("buildConcurrency", 1, 100, 5);
        return new ReplicationSettings(
                context.name(),
                account,
                region,
                destinationRegion,
                repositories,
                section.bool("replicateDeletes", true),
                section.bool("copyReferrers", true),
                section.bool("createRepositories", true),
                section.oneOf("imageTagMutability", List.of("MUTABLE", "IMMUTABLE"), "MUTABLE"),
                section.bool("scanOnPush", true),
                secretName,
                architecture,
                snapStart,
                retention,
                compute,
                buildTimeout,
                queuedTimeout,
                buildConcurrency,
                leaseSeconds,
                leaseWaitSeconds,
                maxLeaseWaits,
                section.integer("historyTtlDays", 1, 3_650, 90),
                section.integer("queueMaxReceiveCount", 1, 100, 5),
                topic,
                reconcileSchedule(section),
                reconcileConcurrency(section, buildConcurrency),
                section.integer("reconcileShardSize", 10, 10_000, 500),
                rotationDays(section));
    }

    /**
     * A whole number of days (1 to 1000, as Secrets Manager takes them; 90 unset) or {@code off}, which deploys
     * no rotation function and leaves the key to an operator.
     */
    static OptionalInt rotationDays(Section section) {
        String key = "rotationDays";
        if (!section.has(key)) {
            return OptionalInt.of(DEFAULT_ROTATION_DAYS);
        }
        if (section.isString(key)) {
            String value = section.optionalString(key).orElseThrow();
            if (SCHEDULE_OFF.equals(value)) {
                return OptionalInt.empty();
            }
            throw section.invalid(key, value, "a whole number of days from 1 to " + MAX_ROTATION_DAYS + ", or off");
        }
        return OptionalInt.of(section.integer(key, 1, MAX_ROTATION_DAYS));
    }

    /**
     * Shard builds at once, below the project's concurrent-build limit: CodeBuild refuses builds past the limit
     * rather than queueing them, so a reconcile that took every slot would throttle the event builds. Unset, it
     * is 4 or one less than {@code buildConcurrency}, whichever is smaller (at least 1).
     */
    static int reconcileConcurrency(Section section, int buildConcurrency) {
        String key = "reconcileConcurrency";
        if (!section.has(key)) {
            return Math.max(1, Math.min(4, buildConcurrency - 1));
        }
        int value = section.integer(key, 1, 40);
        if (buildConcurrency > 1 && value >= buildConcurrency) {
            throw section.invalid(
                    key,
                    value,
                    "a number below buildConcurrency (" + buildConcurrency + "), so that event builds keep a slot"
                            + " while a reconcile runs: lower it or raise buildConcurrency");
        }
        return value;
    }

    /**
     * {@code rate(...)}, {@code cron(...)} or {@code off}, checked for the shape EventBridge accepts so that a
     * typo fails synth instead of the deployment.
     */
    static Optional<String> reconcileSchedule(Section section) {
        String key = "reconcileSchedule";
        String schedule = section.optionalString(key).orElse(DEFAULT_RECONCILE_SCHEDULE);
        if (SCHEDULE_OFF.equals(schedule)) {
            return Optional.empty();
        }
        Matcher rate = RATE.matcher(schedule);
        if (rate.matches()) {
            boolean one = rate.group(1).equals("1");
            String unit = rate.group(2);
            if (one == unit.endsWith("s")) {
                String fixed =
                        "rate(" + rate.group(1) + " " + (one ? unit.substring(0, unit.length() - 1) : unit + "s") + ")";
                throw section.invalid(
                        key, schedule, fixed + ": EventBridge takes the singular unit for 1 and the plural otherwise");
            }
            return Optional.of(schedule);
        }
        Matcher cron = CRON.matcher(schedule);
        if (cron.matches()) {
            String[] fields = cron.group(1).split(" ");
            if ("?".equals(fields[2]) == "?".equals(fields[4])) {
                throw section.invalid(
                        key,
                        schedule,
                        "a cron expression with '?' in exactly one of day-of-month and day-of-week (the third and"
                                + " fifth fields), such as cron(0 3 * * ? *)");
            }
            return Optional.of(schedule);
        }
        throw section.invalid(key, schedule, SCHEDULE_CHOICES);
    }

    private static RepositoryFilter repositoryFilter(Section section) {
        List<String> prefixes = section.stringList("repositoryPrefixes");
        List<String> wildcards = section.stringList("repositoryWildcards");
        String path = section.path();
        if (!prefixes.isEmpty() && !wildcards.isEmpty()) {
            throw new InvalidContextException("context '" + path + "' sets both repositoryPrefixes and"
                    + " repositoryWildcards: set only one of them (a prefix 'team/' is the wildcard 'team/*')");
        }
        if (prefixes.isEmpty() && wildcards.isEmpty()) {
            throw new InvalidContextException("context '" + path + "' sets neither repositoryPrefixes nor"
                    + " repositoryWildcards: set one of them, e.g. \"repositoryPrefixes\": [\"team/\"]"
                    + " (\"repositoryWildcards\": [\"*\"] replicates every repository)");
        }
        boolean usePrefixes = !prefixes.isEmpty();
        try {
            return new RepositoryFilter(
                    usePrefixes ? RepositoryFilter.Kind.PREFIX : RepositoryFilter.Kind.WILDCARD,
                    usePrefixes ? prefixes : wildcards);
        } catch (IllegalArgumentException e) {
            throw new InvalidContextException("context '" + path + "."
                    + (usePrefixes ? "repositoryPrefixes" : "repositoryWildcards") + "': " + e.getMessage());
        }
    }

    private static Optional<String> optionalMatching(Section section, String key, Pattern pattern, String expected) {
        return section.has(key) ? Optional.of(section.matching(key, pattern, expected)) : Optional.empty();
    }

    static int buildTaskTimeoutSeconds(int buildTimeoutMinutes, int queuedTimeoutMinutes) {
        return (buildTimeoutMinutes + queuedTimeoutMinutes) * 60 + TASK_TIMEOUT_MARGIN_SECONDS;
    }

    /** The StartBuild task timeout: above the longest a build can take, queueing included. */
    public int buildTaskTimeoutSeconds() {
        return buildTaskTimeoutSeconds(buildTimeoutMinutes, buildQueuedTimeoutMinutes);
    }

    /** The name of the environment's build project, state machine and dashboard, and the prefix of its secret. */
    public String resourceName() {
        return "ecr-replicator-" + environment;
    }

    public Partition partition() {
        return Partition.fromRegion(region);
    }

    public Partition destinationPartition() {
        return Partition.fromRegion(destinationRegion);
    }

    public RetentionDays logRetention() {
        return RETENTION.get(logRetentionDays);
    }

    public boolean arm64() {
        return ARM64.equals(lambdaArchitecture);
    }

    private static Map<Integer, RetentionDays> retention() {
        Map<Integer, RetentionDays> map = new LinkedHashMap<>();
        map.put(1, RetentionDays.ONE_DAY);
        map.put(3, RetentionDays.THREE_DAYS);
        map.put(5, RetentionDays.FIVE_DAYS);
        map.put(7, RetentionDays.ONE_WEEK);
        map.put(14, RetentionDays.TWO_WEEKS);
        map.put(30, RetentionDays.ONE_MONTH);
        map.put(60, RetentionDays.TWO_MONTHS);
        map.put(90, RetentionDays.THREE_MONTHS);
        map.put(180, RetentionDays.SIX_MONTHS);
        map.put(365, RetentionDays.ONE_YEAR);
        map.put(731, RetentionDays.TWO_YEARS);
        map.put(1827, RetentionDays.FIVE_YEARS);
        map.put(3653, RetentionDays.TEN_YEARS);
        return Collections.unmodifiableMap(map);
    }
}
