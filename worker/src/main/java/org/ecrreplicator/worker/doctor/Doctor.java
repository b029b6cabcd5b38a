package org.ecrreplicator.worker.doctor;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.ecrreplicator.domain.DestinationSecret;
import org.ecrreplicator.domain.Durations;
import org.ecrreplicator.domain.SecretValidationException;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.state.DynamoReconcileStore;
import org.ecrreplicator.worker.status.Deployment;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackResourceSummary;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.AlarmType;
import software.amazon.awssdk.services.cloudwatch.model.DescribeAlarmsResponse;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.ecr.model.AuthorizationData;
import software.amazon.awssdk.services.ecr.model.RepositoryNotFoundException;
import software.amazon.awssdk.services.eventbridge.model.DescribeRuleResponse;
import software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException;
import software.amazon.awssdk.services.eventbridge.model.RuleState;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.InvalidRequestException;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * {@code replicator doctor}: checks a deployed pair end to end, the replication stack (source partition) and the
 * destination user its secret holds (destination partition), and says for each check what passed, or what is wrong
 * and what fixes it. Every check runs, whatever the others found, except those that need what an earlier one could
 * not get (no stack: nothing else; no usable secret: no destination check). Nothing is changed. The secret's keys
 * are used, never shown: no detail, fix or message carries a value of the secret.
 */
public final class Doctor {
    public static final String STACKS = "stacks";
    public static final String SECRET = "destination secret";
    public static final String LOGIN = "destination login";
    public static final String REPOSITORIES = "destination repositories";
    public static final String BLOB_MOUNTING = "blob mounting";

    /** The one command that lets the destination registry mount blobs across repositories (decision 0072). */
    public static final String ENABLE_BLOB_MOUNTING =
            "aws ecr put-account-setting --name BLOB_MOUNTING --value ENABLED";

    public static final String RULES = "event rules";
    public static final String DEAD_LETTERS = "replication DLQ";
    public static final String EVENT_DEAD_LETTERS = "event-delivery DLQ";
    public static final String INVOCATION_FAILURES = "invocation-failure queue";
    public static final String ALARMS = "alarm topic";
    public static final String RECONCILE = "last reconcile";

    /** The rotation period the stack deploys unless {@code rotationDays} says otherwise (decision 0075). */
    static final int DEFAULT_ROTATION_DAYS = 90;

    static final Set<String> HEALTHY_STACK = Set.of("CREATE_COMPLETE", "UPDATE_COMPLETE", "IMPORT_COMPLETE");
    static final String RULE_TYPE = "AWS::Events::Rule";
    static final Set<String> ALARM_TYPES = Set.of("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm");
    /** Names per {@code DescribeAlarms} call, the API's limit. */
    static final int ALARM_NAMES_PER_CALL = 100;

    /** @param maxReconcileAge how long ago the last reconcile may have ended before doctor warns */
    public record Options(Duration maxReconcileAge) {}

    private final DoctorClients clients;
    private final Clock clock;
    private final Options options;

    public Doctor(DoctorClients clients, Clock clock, Options options) {
        this.clients = clients;
        this.clock = clock;
        this.options = options;
    }

    /** A stack output the deployed stack predates: the check fails naming it. */
    private static final class MissingOutput extends RuntimeException {
        private static final long serialVersionUID = 1L;

        MissingOutput(String key) {
            super(key);
        }
    }

    /** What {@code ListStackResources} gave, or why it failed. */
    private record Resources(List<StackResourceSummary> all, String error) {
        List<StackResourceSummary> ofType(Set<String> types) {
            return all.stream()
                    .filter(resource -> types.contains(resource.resourceType()))
                    .filter(resource -> resource.physicalResourceId() != null)
                    .toList();
        }
    }

    public DoctorReport run(String stackName) {
        List<Check> checks = new ArrayList<>();
        Optional<Deployment> found = stacks(stackName, checks);
        if (found.isEmpty()) {
            return new DoctorReport(stackName, checks);
        }
        Deployment deployment = found.get();
        Optional<DestinationSecret> secret = secret(deployment, checks);
        boolean authenticated = login(deployment, secret.orElse(null), checks);
        checks.add(
                guard(deployment, REPOSITORIES, () -> repositories(deployment, authenticated ? secret.get() : null)));
        checks.add(
                guard(deployment, BLOB_MOUNTING, () -> blobMounting(deployment, authenticated ? secret.get() : null)));
        Resources resources = resources(deployment);
        checks.add(guard(deployment, RULES, () -> rules(deployment, resources)));
        checks.add(guard(
                deployment,
                DEAD_LETTERS,
                () -> queue(
                        deployment,
                        DEAD_LETTERS,
                        StackOutputs.DEAD_LETTER_QUEUE_URL,
                        "replication requests that Dispatch could not start an execution for",
                        "once their cause is fixed, move them back to the replication queue: replicator redrive"
                                + " --stack " + deployment.stackName() + " --region " + deployment.region()
                                + " --dlq")));
        checks.add(guard(
                deployment,
                EVENT_DEAD_LETTERS,
                () -> queue(
                        deployment,
                        EVENT_DEAD_LETTERS,
                        StackOutputs.EVENT_DELIVERY_DEAD_LETTER_QUEUE_URL,
                        "events EventBridge could not deliver to a function",
                        "invoke the function each message's TARGET_ARN attribute names with the message's body,"
                                + " then delete the message (docs/deploy.md, When events are lost)")));
        checks.add(guard(
                deployment,
                INVOCATION_FAILURES,
                () -> queue(
                        deployment,
                        INVOCATION_FAILURES,
                        StackOutputs.INVOCATION_FAILURE_QUEUE_URL,
                        "events Enqueue or Completion failed on after Lambda's retries",
                        "read the records' errors, fix their cause, then replay each record's requestPayload and"
                                + " delete it (docs/deploy.md, When events are lost)")));
        checks.add(guard(deployment, ALARMS, () -> alarms(deployment, resources)));
        checks.add(guard(deployment, RECONCILE, () -> reconcile(deployment)));
        return new DoctorReport(deployment.stackName(), checks);
    }

    // ------------------------------------------------------------------------------------------------ stacks

    private Optional<Deployment> stacks(String stackName, List<Check> checks) {
        CloudFormationClient cloudFormation = clients.cloudFormation();
        String region =
                String.valueOf(cloudFormation.serviceClientConfiguration().region());
        Stack stack;
        try {
            stack = describe(cloudFormation, stackName);
        } catch (SdkException e) {
            checks.add(Check.fail(
                    STACKS,
                    "DescribeStacks of " + stackName + " in " + region + " failed: " + message(e),
                    "give the profile cloudformation:DescribeStacks and cloudformation:ListStackResources on the"
                            + " stack, or pass the --region it is in"));
            return Optional.empty();
        }
        if (stack == null) {
            checks.add(Check.fail(
                    STACKS,
                    "stack " + stackName + " does not exist in " + region,
                    "deploy it (docs/deploy.md, step 3), or pass --stack NAME and --region of the replication"
                            + " stack"));
            return Optional.empty();
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        for (Output output : stack.outputs()) {
            outputs.put(output.outputKey(), output.outputValue());
        }
        Deployment deployment = new Deployment(stack.stackName(), stack.stackId(), region, outputs);
        List<Check> parts = new ArrayList<>();
        parts.add(stackHealth(stack.stackName(), region, stack.stackStatusAsString()));
        parts.add(destinationAccessStack(deployment));
        Check.Status worst =
                parts.stream().map(Check::status).max(Enum::compareTo).orElseThrow();
        String detail = String.join("; ", parts.stream().map(Check::detail).toList());
        String fix = String.join(
                "; ",
                parts.stream()
                        .filter(part -> part.status() != Check.Status.PASS)
                        .map(Check::fix)
                        .toList());
        checks.add(new Check(STACKS, worst, detail, worst == Check.Status.PASS ? null : fix));
        return Optional.of(deployment);
    }

    private static Stack describe(CloudFormationClient cloudFormation, String stackName) {
        try {
            return cloudFormation.describeStacks(request -> request.stackName(stackName)).stacks().stream()
                    .findFirst()
                    .orElse(null);
        } catch (CloudFormationException e) {
            if (e.awsErrorDetails() != null
                    && "ValidationError".equals(e.awsErrorDetails().errorCode())
                    && String.valueOf(e.awsErrorDetails().errorMessage()).contains("does not exist")) {
                return null;
            }
            throw e;
        }
    }

    /** A stack in a state that runs its template passes; one mid-operation or rolled back warns; others fail. */
    static Check stackHealth(String name, String region, String status) {
        String detail = name + " in " + region + ": " + status;
        if (HEALTHY_STACK.contains(status)) {
            return Check.pass(STACKS, detail);
        }
        if (status.endsWith("_IN_PROGRESS")) {
            return Check.warn(STACKS, detail, "let the operation on " + name + " end, then run doctor again");
        }
        if (status.equals("UPDATE_ROLLBACK_COMPLETE")) {
            return Check.warn(
                    STACKS,
                    detail + " (its last update failed; it runs the template before it)",
                    "read the events of " + name + ", fix the cause and deploy it again");
        }
        return Check.fail(
                STACKS,
                detail,
                "read its events (aws cloudformation describe-stack-events --stack-name " + name + " --region "
                        + region + "): after ROLLBACK_COMPLETE delete the stack and deploy it again; after a"
                        + " *_FAILED status continue or cancel the rollback, then deploy again");
    }

    private Check destinationAccessStack(Deployment deployment) {
        String name = deployment.outputs().get(StackOutputs.DESTINATION_ACCESS_STACK_NAME);
        String region = deployment.outputs().get(StackOutputs.DESTINATION_REGION);
        if (name == null || region == null) {
            return Check.pass(
                    STACKS,
                    "destination-access stack not looked up (this version of the replication stack has no output "
                            + StackOutputs.DESTINATION_ACCESS_STACK_NAME + ")");
        }
        Stack stack;
        try {
            Optional<CloudFormationClient> destination = clients.destinationCloudFormation(region);
            if (destination.isEmpty()) {
                return Check.pass(
                        STACKS,
                        "destination-access stack " + name + " in " + region + " not looked up (--dest-profile, a"
                                + " profile of the destination partition, looks it up)");
            }
            stack = describe(destination.get(), name);
        } catch (SdkException e) {
            // A profile that is not there fails here too, when its credentials are first asked for.
            return Check.fail(
                    STACKS,
                    "DescribeStacks of " + name + " in " + region + " failed: " + message(e),
                    "give --dest-profile a profile of the destination partition that may call"
                            + " cloudformation:DescribeStacks");
        }
        if (stack == null) {
            return Check.fail(
                    STACKS,
                    "destination-access stack " + name + " does not exist in " + region,
                    "deploy it with a profile of the destination partition (docs/deploy.md, step 1)");
        }
        return stackHealth(name, region, stack.stackStatusAsString());
    }

    // ------------------------------------------------------------------------------------------------ secret

    /** The secret as ReadSecret reads it: {@code GetSecretValue} without a version, so {@code AWSCURRENT}. */
    private Optional<DestinationSecret> secret(Deployment deployment, List<Check> checks) {
        DestinationSecret[] parsed = new DestinationSecret[1];
        checks.add(guard(deployment, SECRET, () -> {
            String id = output(deployment, StackOutputs.DESTINATION_SECRET_ID);
            String region = output(deployment, StackOutputs.DESTINATION_REGION);
            String putValue = "put a value with the fields " + String.join(", ", DestinationSecret.FIELDS)
                    + ": aws secretsmanager put-secret-value --secret-id " + id + " --secret-string"
                    + " file://destination-secret.json --region " + deployment.region()
                    + " (docs/deploy.md, step 4); until then every replication fails at ReadSecret";
            GetSecretValueResponse value;
            try {
                value = clients.secretsManager().getSecretValue(request -> request.secretId(id));
            } catch (software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException e) {
                return Check.fail(SECRET, "secret " + id + " has no current value, or does not exist", putValue);
            } catch (InvalidRequestException e) {
                return Check.fail(
                        SECRET,
                        "secret " + id + " cannot be read: " + message(e),
                        "restore it if it is marked for deletion: aws secretsmanager restore-secret --secret-id " + id
                                + " --region " + deployment.region());
            } catch (AwsServiceException e) {
                return Check.fail(
                        SECRET,
                        "secret " + id + " cannot be read: " + message(e),
                        "give the profile secretsmanager:GetSecretValue on the secret (and kms:Decrypt on its key)");
            }
            String version = "version " + value.versionId() + " (" + String.join(", ", value.versionStages())
                    + (value.createdDate() == null ? "" : ", created " + value.createdDate()) + ")";
            if (value.secretString() == null) {
                return Check.fail(SECRET, value.arn() + " " + version + " holds no secret string", putValue);
            }
            DestinationSecret secret;
            try {
                secret = DestinationSecret.parse(value.secretString());
                secret.registry(region);
            } catch (SecretValidationException e) {
                // The domain's message names fields, never a value.
                return Check.fail(SECRET, value.arn() + " " + version + ": " + e.getMessage(), putValue);
            }
            parsed[0] = secret;
            String detail = value.arn() + " " + version + ", the version ReadSecret reads: user " + secret.user()
                    + ", partition " + secret.partition().id() + ", account " + secret.accountId();
            return keyAge(deployment, id, value, detail);
        }));
        return Optional.ofNullable(parsed[0]);
    }

    /**
     * The secret check with the key's age, warning past the rotation period. The age is that of the AWSCURRENT
     * version (its {@code CreatedDate}): the moment the key went into service, whether an operator or the rotation
     * function put it, and known from the source partition alone, where {@code ListAccessKeys} would need a call
     * to the destination's IAM. The period is the secret's own rotation rule (DescribeSecret); without rotation,
     * the default {@code rotationDays} as a reminder to rotate by hand.
     */
    private Check keyAge(Deployment deployment, String id, GetSecretValueResponse value, String detail) {
        if (value.createdDate() == null) {
            return Check.pass(SECRET, detail);
        }
        Duration age = Duration.between(value.createdDate(), clock.instant());
        long days = Math.max(0, age.toDays());
        String rotateNow = "aws secretsmanager rotate-secret --secret-id " + id + " --region " + deployment.region();
        DescribeSecretResponse rotation;
        try {
            rotation = clients.secretsManager().describeSecret(request -> request.secretId(id));
        } catch (AwsServiceException e) {
            return Check.pass(
                    SECRET,
                    detail + "; key in service " + days + " days (rotation settings not readable: " + message(e) + ")");
        }
        boolean rotating = Boolean.TRUE.equals(rotation.rotationEnabled())
                && rotation.rotationRules() != null
                && rotation.rotationRules().automaticallyAfterDays() != null;
        long period = rotating ? rotation.rotationRules().automaticallyAfterDays() : DEFAULT_ROTATION_DAYS;
        String aged = detail + "; key in service " + days + " days, "
                + (rotating ? "rotated every " + period + " days" : "no automatic rotation");
        // A scheduled rotation runs within a day of its date: warn only once that day has passed.
        if (days <= period + (rotating ? 1 : 0)) {
            return Check.pass(SECRET, aged);
        }
        return Check.warn(
                SECRET,
                aged + ": older than " + period + " days",
                rotating
                        ? "the last rotation failed or never ran: find the failed step in the RotateSecret function's"
                                + " log, fix it, then rotate now: " + rotateNow + " (docs/deploy.md, Rotation)"
                        : "rotate the key by hand, or turn rotation on with rotationDays (docs/deploy.md, Rotation)");
    }

    // ------------------------------------------------------------------------------------------------ destination

    private static final String NEEDS_SECRET = "fix the destination secret (above), then run doctor again";

    private boolean login(Deployment deployment, DestinationSecret secret, List<Check> checks) {
        Check check = guard(deployment, LOGIN, () -> {
            if (secret == null) {
                return Check.fail(
                        LOGIN, "not checked: there are no usable keys in the destination secret", NEEDS_SECRET);
            }
            String region = output(deployment, StackOutputs.DESTINATION_REGION);
            String where = "partition " + secret.partition().id() + " (" + region + ")";
            AuthorizationData token;
            try {
                token = destinationEcr(region, secret).getAuthorizationToken().authorizationData().stream()
                        .findFirst()
                        .orElse(null);
            } catch (AwsServiceException e) {
                String code = code(e);
                String newKeys = "create an access key for " + secret.user() + " in account " + secret.accountId()
                        + " (aws iam create-access-key --user-name " + secret.user() + ", with a profile of "
                        + secret.partition().id() + ") and put it in the secret (docs/deploy.md, steps 2 and 4)";
                return switch (code) {
                    case "UnrecognizedClientException", "InvalidClientTokenId" ->
                        Check.fail(
                                LOGIN,
                                "the secret's access key is not known in " + where + ": deleted, or made in another"
                                        + " partition (" + code + ")",
                                newKeys);
                    case "InvalidSignatureException", "SignatureDoesNotMatch" ->
                        Check.fail(
                                LOGIN,
                                "the secret's secret access key does not belong to its access key in " + where + " ("
                                        + code + ")",
                                newKeys);
                    case "AccessDeniedException", "AccessDenied" ->
                        Check.fail(
                                LOGIN,
                                "user " + secret.user() + " may not call ecr:GetAuthorizationToken in " + where + ": "
                                        + message(e),
                                "deploy the destination-access stack"
                                        + destinationAccessStackName(deployment)
                                        + " (its policy allows it), and check that no SCP or permissions boundary denies"
                                        + " it");
                    default ->
                        Check.fail(
                                LOGIN,
                                "GetAuthorizationToken in " + where + " failed: " + message(e),
                                "check the keys in the secret and ECR in " + region + ", then run doctor again");
                };
            }
            return Check.pass(
                    LOGIN,
                    "user " + secret.user() + "'s keys authenticate in " + where + ": GetAuthorizationToken gave a"
                            + " token"
                            + (token == null ? "" : " for " + token.proxyEndpoint() + " until " + token.expiresAt()));
        });
        checks.add(check);
        return check.status() == Check.Status.PASS;
    }

    private static String destinationAccessStackName(Deployment deployment) {
        String name = deployment.outputs().get(StackOutputs.DESTINATION_ACCESS_STACK_NAME);
        return name == null ? "" : " " + name;
    }

    /**
     * A {@code DescribeRepositories} per pattern, naming a repository inside it ({@link RepositoryPatterns#probe}):
     * found or {@code RepositoryNotFoundException} means the user may reach the pattern's repositories, {@code
     * AccessDeniedException} that its policy does not cover them.
     *
     * @param secret null when the keys did not authenticate
     */
    private Check repositories(Deployment deployment, DestinationSecret secret) {
        if (secret == null) {
            return Check.fail(
                    REPOSITORIES,
                    "not checked: needs destination keys that authenticate",
                    "fix the destination secret or login (above), then run doctor again");
        }
        String region = output(deployment, StackOutputs.DESTINATION_REGION);
        RepositoryPatterns filter;
        try {
            filter = RepositoryPatterns.parse(output(deployment, StackOutputs.REPOSITORY_FILTER));
        } catch (IllegalArgumentException e) {
            return Check.fail(
                    REPOSITORIES,
                    "the stack's output " + StackOutputs.REPOSITORY_FILTER + " is not a repository filter: "
                            + e.getMessage(),
                    "deploy this version of the replication stack");
        }
        EcrClient ecr = destinationEcr(region, secret);
        List<String> reachable = new ArrayList<>();
        List<String> denied = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (String pattern : filter.patterns()) {
            String probe = filter.probe(pattern);
            try {
                ecr.describeRepositories(
                        request -> request.registryId(secret.accountId()).repositoryNames(probe));
                reachable.add(pattern);
            } catch (RepositoryNotFoundException notFound) {
                reachable.add(pattern);
            } catch (AwsServiceException e) {
                if (code(e).startsWith("AccessDenied")) {
                    denied.add(pattern + " (" + probe + ")");
                } else {
                    errors.add(pattern + ": " + message(e));
                }
            }
        }
        String registry = "account " + secret.accountId() + " (" + region + ")";
        if (!denied.isEmpty()) {
            return Check.fail(
                    REPOSITORIES,
                    "user " + secret.user() + " may not call ecr:DescribeRepositories in " + registry + " on "
                            + String.join(", ", denied),
                    "deploy the destination-access stack" + destinationAccessStackName(deployment) + " with the same "
                            + (filter.wildcard() ? "repositoryWildcards" : "repositoryPrefixes")
                            + " as the replication stack (cdk.json), so that its policy covers them");
        }
        if (!errors.isEmpty()) {
            return Check.fail(
                    REPOSITORIES,
                    "DescribeRepositories in " + registry + " failed: " + String.join("; ", errors),
                    "check ECR in " + region + " and the user's policy, then run doctor again");
        }
        return Check.pass(
                REPOSITORIES,
                "user " + secret.user() + " may reach the repositories under " + filter + " in " + registry);
    }

    /**
     * Whether the destination registry mounts blobs across repositories ({@code BLOB_MOUNTING}, off by default):
     * without it, a layer shared by many repositories crosses the partition once per repository. A warning, not
     * a failure: copies succeed either way.
     *
     * @param secret null when the keys did not authenticate
     */
    private Check blobMounting(Deployment deployment, DestinationSecret secret) {
        String region = output(deployment, StackOutputs.DESTINATION_REGION);
        String enable = ENABLE_BLOB_MOUNTING + " --region " + region + " (with a profile of the destination account)";
        if (secret == null) {
            return Check.warn(
                    BLOB_MOUNTING,
                    "not checked: needs destination keys that authenticate",
                    "fix the destination secret or login (above); to mount shared layers instead of uploading them"
                            + " again: " + enable);
        }
        String registry = "account " + secret.accountId() + " (" + region + ")";
        String value;
        try {
            value = destinationEcr(region, secret)
                    .getAccountSetting(request -> request.name("BLOB_MOUNTING"))
                    .value();
        } catch (AwsServiceException e) {
            return Check.warn(
                    BLOB_MOUNTING,
                    "GetAccountSetting BLOB_MOUNTING in " + registry + " failed: " + message(e),
                    "deploy the destination-access stack" + destinationAccessStackName(deployment)
                            + " (its policy allows ecr:GetAccountSetting); to enable mounting: " + enable);
        }
        if ("ENABLED".equals(value)) {
            return Check.pass(
                    BLOB_MOUNTING,
                    "BLOB_MOUNTING is ENABLED in " + registry + ": a layer another repository holds is mounted, not"
                            + " sent again");
        }
        return Check.warn(
                BLOB_MOUNTING,
                "BLOB_MOUNTING is " + value + " in " + registry + ": every repository's copy of a shared layer"
                        + " crosses the partition again",
                enable);
    }

    private EcrClient destinationEcr(String region, DestinationSecret secret) {
        return clients.destinationEcr(
                region,
                StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(secret.accessKey(), secret.secretAccessKey())));
    }

    // ------------------------------------------------------------------------------------------------ rules, alarms

    private Resources resources(Deployment deployment) {
        try {
            List<StackResourceSummary> all = new ArrayList<>();
            clients.cloudFormation()
                    .listStackResourcesPaginator(request -> request.stackName(deployment.stackName()))
                    .stackResourceSummaries()
                    .forEach(all::add);
            return new Resources(all, null);
        } catch (SdkException e) {
            return new Resources(
                    List.of(), "ListStackResources of " + deployment.stackName() + " failed: " + message(e));
        }
    }

    private static Check resourcesFailed(String name, Resources resources) {
        return Check.fail(
                name,
                resources.error(),
                "give the profile cloudformation:ListStackResources on the stack, then run doctor again");
    }

    /** Every rule of the stack (the image actions, the build completions, the schedules) is enabled. */
    private Check rules(Deployment deployment, Resources resources) {
        if (resources.error() != null) {
            return resourcesFailed(RULES, resources);
        }
        List<StackResourceSummary> rules = resources.ofType(Set.of(RULE_TYPE));
        if (rules.isEmpty()) {
            return Check.fail(
                    RULES, "the stack has no EventBridge rule", "deploy this version of the replication stack");
        }
        List<String> enabled = new ArrayList<>();
        List<String> disabled = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (StackResourceSummary rule : rules) {
            // A rule on another bus than the default one has the physical id BUS|NAME.
            String id = rule.physicalResourceId();
            int bar = id.indexOf('|');
            String bus = bar < 0 ? null : id.substring(0, bar);
            String name = bar < 0 ? id : id.substring(bar + 1);
            DescribeRuleResponse described;
            try {
                described = clients.eventBridge()
                        .describeRule(request -> request.name(name).eventBusName(bus));
            } catch (ResourceNotFoundException e) {
                missing.add(name + " (" + rule.logicalResourceId() + ")");
                continue;
            }
            if (described.state() == RuleState.DISABLED) {
                disabled.add(name);
            } else {
                enabled.add(name);
            }
        }
        String region = deployment.region();
        if (!disabled.isEmpty() || !missing.isEmpty()) {
            List<String> details = new ArrayList<>();
            List<String> fixes = new ArrayList<>();
            if (!disabled.isEmpty()) {
                details.add("disabled: " + String.join(", ", disabled));
                for (String name : disabled) {
                    fixes.add("aws events enable-rule --name " + name + " --region " + region);
                }
            }
            if (!missing.isEmpty()) {
                details.add("deleted outside CloudFormation: " + String.join(", ", missing));
                fixes.add("deploy the replication stack again to recreate " + (missing.size() == 1 ? "it" : "them"));
            }
            return Check.fail(
                    RULES,
                    String.join("; ", details) + " (events the stack acts on are not delivered while a rule is"
                            + " off)",
                    String.join("; ", fixes));
        }
        return Check.pass(RULES, enabled.size() + " enabled: " + String.join(", ", enabled));
    }

    private record AlarmState(String name, boolean actionsEnabled, List<String> actions, String state) {
        List<String> topics() {
            return actions.stream().filter(Doctor::isTopic).toList();
        }
    }

    static boolean isTopic(String arn) {
        String[] parts = arn.split(":", 6);
        return parts.length == 6 && parts[0].equals("arn") && parts[2].equals("sns");
    }

    /** Every alarm of the stack notifies an SNS topic, with its actions enabled. */
    private Check alarms(Deployment deployment, Resources resources) {
        if (resources.error() != null) {
            return resourcesFailed(ALARMS, resources);
        }
        List<String> names = resources.ofType(ALARM_TYPES).stream()
                .map(StackResourceSummary::physicalResourceId)
                .toList();
        if (names.isEmpty()) {
            return Check.fail(ALARMS, "the stack has no alarms", "deploy this version of the replication stack");
        }
        Map<String, AlarmState> described = new LinkedHashMap<>();
        CloudWatchClient cloudWatch = clients.cloudWatch();
        for (int from = 0; from < names.size(); from += ALARM_NAMES_PER_CALL) {
            List<String> batch = names.subList(from, Math.min(names.size(), from + ALARM_NAMES_PER_CALL));
            for (DescribeAlarmsResponse page : cloudWatch.describeAlarmsPaginator(request ->
                    request.alarmNames(batch).alarmTypes(AlarmType.METRIC_ALARM, AlarmType.COMPOSITE_ALARM))) {
                page.metricAlarms()
                        .forEach(alarm -> described.put(
                                alarm.alarmName(),
                                new AlarmState(
                                        alarm.alarmName(),
                                        Boolean.TRUE.equals(alarm.actionsEnabled()),
                                        alarm.alarmActions(),
                                        alarm.stateValueAsString())));
                page.compositeAlarms()
                        .forEach(alarm -> described.put(
                                alarm.alarmName(),
                                new AlarmState(
                                        alarm.alarmName(),
                                        Boolean.TRUE.equals(alarm.actionsEnabled()),
                                        alarm.alarmActions(),
                                        alarm.stateValueAsString())));
            }
        }
        List<String> missing =
                names.stream().filter(name -> !described.containsKey(name)).toList();
        List<String> noTopic = described.values().stream()
                .filter(alarm -> alarm.topics().isEmpty())
                .map(AlarmState::name)
                .toList();
        List<String> actionsOff = described.values().stream()
                .filter(alarm -> !alarm.topics().isEmpty() && !alarm.actionsEnabled())
                .map(AlarmState::name)
                .toList();
        if (!missing.isEmpty() || !noTopic.isEmpty() || !actionsOff.isEmpty()) {
            List<String> details = new ArrayList<>();
            List<String> fixes = new ArrayList<>();
            if (!noTopic.isEmpty()) {
                details.add(noTopic.size() + " of " + names.size() + " alarms notify no SNS topic: "
                        + String.join(", ", noTopic));
                fixes.add("set alarmTopicArn (an SNS topic) in cdk.json's replication section of this environment"
                        + " and deploy the replication stack again");
            }
            if (!actionsOff.isEmpty()) {
                details.add("actions disabled: " + String.join(", ", actionsOff));
                fixes.add("aws cloudwatch enable-alarm-actions --region " + deployment.region() + " --alarm-names "
                        + String.join(" ", actionsOff));
            }
            if (!missing.isEmpty()) {
                details.add("deleted outside CloudFormation: " + String.join(", ", missing));
                fixes.add("deploy the replication stack again to recreate " + (missing.size() == 1 ? "it" : "them"));
            }
            return Check.fail(ALARMS, String.join("; ", details), String.join("; ", fixes));
        }
        List<String> topics = described.values().stream()
                .flatMap(alarm -> alarm.topics().stream())
                .distinct()
                .toList();
        String detail = names.size() + " alarms notify " + String.join(", ", topics);
        List<String> firing = described.values().stream()
                .filter(alarm -> "ALARM".equals(alarm.state()))
                .map(AlarmState::name)
                .toList();
        if (!firing.isEmpty()) {
            return Check.warn(
                    ALARMS,
                    detail + "; in ALARM now: " + String.join(", ", firing),
                    "see what they watch in the alarm's description; the queue checks here name most causes");
        }
        return Check.pass(ALARMS, detail);
    }

    // ------------------------------------------------------------------------------------------------ queues

    private Check queue(Deployment deployment, String name, String outputKey, String holds, String fix) {
        String url = output(deployment, outputKey);
        Map<QueueAttributeName, String> attributes = clients.sqs()
                .getQueueAttributes(request -> request.queueUrl(url)
                        .attributeNames(
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED))
                .attributes();
        long visible = count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES);
        long inFlight = count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE);
        long delayed = count(attributes, QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED);
        long total = visible + inFlight + delayed;
        if (total == 0) {
            return Check.pass(name, "empty (" + url + ")");
        }
        return Check.fail(
                name,
                total + (total == 1 ? " message" : " messages") + " (" + inFlight + " in flight): " + holds + " (" + url
                        + ")",
                fix);
    }

    private static long count(Map<QueueAttributeName, String> attributes, QueueAttributeName name) {
        String value = attributes.get(name);
        try {
            return value == null ? 0 : Long.parseLong(value);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    // ------------------------------------------------------------------------------------------------ reconcile

    private Check reconcile(Deployment deployment) {
        String table = output(deployment, StackOutputs.TABLE_NAME);
        Optional<ReconcileRun> latest;
        try {
            latest = new DynamoReconcileStore(clients.dynamoDb(), table).latest();
        } catch (SdkException e) {
            return Check.fail(
                    RECONCILE,
                    "reading the state table " + table + " failed: " + message(e),
                    "give the profile dynamodb:GetItem on the table, then run doctor again");
        }
        String machine = deployment.outputs().get(StackOutputs.RECONCILE_STATE_MACHINE_ARN);
        String start = machine == null
                ? "deploy this version of the replication stack, which reconciles on a schedule"
                : "start one: aws stepfunctions start-execution --state-machine-arn " + machine + " --input '{}'"
                        + " --region " + deployment.region();
        if (latest.isEmpty()) {
            return Check.warn(RECONCILE, "no reconcile has run yet", start);
        }
        ReconcileRun run = latest.get();
        Instant now = clock.instant();
        Duration age = run.age(now);
        Duration max = options.maxReconcileAge();
        String counts = counts(run.counts());
        switch (run.status()) {
            case RUNNING -> {
                String detail = "run " + run.runId() + " is running, started " + ago(age);
                return age.compareTo(max) > 0
                        ? Check.warn(
                                RECONCILE,
                                detail + ", longer than " + Durations.text(max),
                                "look at execution " + run.runId() + " of the reconcile state machine and its builds")
                        : Check.pass(RECONCILE, detail);
            }
            case DRIFT_LEFT -> {
                return Check.fail(
                        RECONCILE,
                        "run " + run.runId() + " ended " + ago(age) + " with drift left: " + counts
                                + (run.failedShards() > 0
                                        ? ", " + run.failedShards() + " of " + run.shards() + " shards failed"
                                        : ""),
                        "read the logs of its failed shards and tags (execution " + run.runId()
                                + "), fix the cause, then " + start);
            }
            default -> {
                String detail = "run " + run.runId() + " ended " + ago(age) + ": in sync (" + counts + ")";
                return age.compareTo(max) > 0
                        ? Check.warn(
                                RECONCILE,
                                detail + "; older than " + Durations.text(max),
                                "check that the reconcile schedule's rule is enabled (event rules, above) or " + start)
                        : Check.pass(RECONCILE, detail);
            }
        }
    }

    private static String counts(ReconcileCounts counts) {
        return counts.inSync() + " in sync, " + counts.repaired() + " repaired, " + counts.deferred() + " deferred, "
                + counts.failed() + " failed, " + counts.extraKept() + " extra kept";
    }

    /** {@code 5m ago}, {@code 3h 12m ago}, {@code 2d 4h ago}: coarse, for a person. */
    static String ago(Duration age) {
        if (age.isNegative() || age.toMinutes() < 1) {
            return "under a minute ago";
        }
        long days = age.toDays();
        long hours = age.toHoursPart();
        long minutes = age.toMinutesPart();
        if (days > 0) {
            return days + "d " + hours + "h ago";
        }
        if (hours > 0) {
            return hours + "h " + minutes + "m ago";
        }
        return minutes + "m ago";
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static String output(Deployment deployment, String key) {
        String value = deployment.outputs().get(key);
        if (value == null || value.isBlank()) {
            throw new MissingOutput(key);
        }
        return value;
    }

    /** Runs one check: a missing output or a failed call is that check's failure, and the others still run. */
    private static Check guard(Deployment deployment, String name, Supplier<Check> check) {
        try {
            return check.get();
        } catch (MissingOutput e) {
            return Check.fail(
                    name,
                    "stack " + deployment.stackName() + " has no output " + e.getMessage(),
                    "deploy this version of the replication stack (it adds the output)");
        } catch (SdkException e) {
            return Check.fail(
                    name,
                    "could not be checked: " + message(e),
                    "check the profile's permissions for doctor (docs/deploy.md, Check it), then run doctor again");
        }
    }

    private static String code(AwsServiceException e) {
        return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null
                ? ""
                : e.awsErrorDetails().errorCode();
    }

    /** One line: the service's error code and message, or the client's message. */
    static String message(SdkException e) {
        String text;
        if (e instanceof AwsServiceException service
                && service.awsErrorDetails() != null
                && service.awsErrorDetails().errorCode() != null) {
            text = service.awsErrorDetails().errorCode() + ": "
                    + service.awsErrorDetails().errorMessage();
        } else {
            text = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
        return text.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
