package org.ecrreplicator.infra.replication;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.ecrreplicator.domain.EcrImageActionEvents;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.ecrreplicator.domain.state.StateTable;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.codebuild.BuildEnvironment;
import software.amazon.awscdk.services.codebuild.BuildEnvironmentVariable;
import software.amazon.awscdk.services.codebuild.BuildEnvironmentVariableType;
import software.amazon.awscdk.services.codebuild.CloudWatchLoggingOptions;
import software.amazon.awscdk.services.codebuild.LoggingOptions;
import software.amazon.awscdk.services.codebuild.Project;
import software.amazon.awscdk.services.codebuild.S3SourceProps;
import software.amazon.awscdk.services.codebuild.Source;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.LambdaFunctionProps;
import software.amazon.awscdk.services.iam.IGrantable;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.EventInvokeConfigOptions;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.lambda.destinations.SqsDestination;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.s3.assets.Asset;
import software.amazon.awscdk.services.secretsmanager.CfnSecret;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretAttributes;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;
import software.constructs.Construct;
import software.constructs.IConstruct;

/**
 * The source-partition side: ECR events -> Enqueue -> SQS FIFO -> Dispatch -> the Step Functions workflow,
 * which starts a CodeBuild build per replication and waits for Completion to report it back. See DESIGN.md.
 */
public final class ReplicationStack extends Stack {
    public static final String ALIAS_NAME = "live";

    /** Build outcomes the Completion function must hear about. */
    static final List<String> FINAL_BUILD_STATUSES = List.of("SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED");

    /**
     * The functions EventBridge invokes asynchronously for an event: an invocation that still fails after
     * Lambda's retries goes to the invocation-failure queue, where an operator can replay it.
     */
    static final List<FunctionSpec> EVENT_FUNCTIONS = List.of(FunctionSpec.ENQUEUE, FunctionSpec.COMPLETION);

    /** How often the sweep looks for builds whose completion event was lost: the most such a loss goes unnoticed. */
    static final Duration SWEEP_INTERVAL = Duration.minutes(5);

    /** Lambda's retries of a failed asynchronous invocation (its default, and its maximum). */
    static final int ASYNC_RETRY_ATTEMPTS = 2;

    /** How long an event may wait for delivery (EventBridge) or for a retry (Lambda, whose maximum it is). */
    static final Duration MAX_EVENT_AGE = Duration.hours(6);

    /** Typed construction properties: the validated settings, the files to deploy and the stack's own props. */
    public record Props(ReplicationSettings settings, DeploymentArtifacts artifacts, StackProps stackProps) {
        public Props {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(artifacts, "artifacts");
            Objects.requireNonNull(stackProps, "stackProps");
        }
    }

    private final ReplicationSettings settings;
    private final String prefix;
    private final Map<FunctionSpec, Alias> functions = new EnumMap<>(FunctionSpec.class);
    private final Map<FunctionSpec, Role> functionRoles = new EnumMap<>(FunctionSpec.class);
    private final Map<String, String> substitutions = new LinkedHashMap<>();
    private final Code functionsCode;

    public ReplicationStack(Construct scope, String id, Props props) {
        super(scope, id, props.stackProps());
        this.settings = props.settings();
        this.prefix = "ecr-replicator-" + settings.environment();
        DeploymentArtifacts artifacts = props.artifacts().requireExisting();
        StateMachineDefinition definition = StateMachineDefinition.load(artifacts.stateMachineDefinition());
        this.functionsCode = Code.fromAsset(artifacts.functionsJar().toString());

        DestinationSecret secret = destinationSecret();
        Table table = table();
        Queue eventDeadLetters = eventDeadLetterQueue();
        Queue invocationFailures = invocationFailureQueue();
        Queue deadLetters = fifoQueue("ReplicationDeadLetterQueue", null);
        Queue queue = fifoQueue("ReplicationQueue", deadLetters);
        Project project = buildProject(artifacts, secret);

        Alias enqueue = function(FunctionSpec.ENQUEUE, Map.of(FunctionEnvironment.QUEUE_URL, queue.getQueueUrl()));
        queue.grantSendMessages(enqueue);

        Alias readSecret = function(
                FunctionSpec.READ_SECRET,
                Map.of(
                        FunctionEnvironment.SECRET_ID,
                        secret.reference(),
                        FunctionEnvironment.DESTINATION_REGION,
                        settings.destinationRegion()));
        secret.secret().grantRead(readSecret);

        Alias checkState = function(
                FunctionSpec.CHECK_STATE,
                Map.of(
                        FunctionEnvironment.TABLE_NAME, table.getTableName(),
                        FunctionEnvironment.LEASE_SECONDS, String.valueOf(settings.leaseSeconds()),
                        FunctionEnvironment.MAX_LEASE_WAITS, String.valueOf(settings.maxLeaseWaits()),
                        FunctionEnvironment.HISTORY_TTL_DAYS, String.valueOf(settings.historyTtlDays())));

        Map<String, String> startBuildEnv = new LinkedHashMap<>();
        startBuildEnv.put(FunctionEnvironment.SECRET_ID, secret.reference());
        startBuildEnv.put(FunctionEnvironment.DESTINATION_REGION, settings.destinationRegion());
        startBuildEnv.put(FunctionEnvironment.BUILD_PROJECT_NAME, project.getProjectName());
        startBuildEnv.put(FunctionEnvironment.TABLE_NAME, table.getTableName());
        startBuildEnv.put(FunctionEnvironment.LEASE_SECONDS, String.valueOf(settings.leaseSeconds()));
        startBuildEnv.put(FunctionEnvironment.CREATE_REPOSITORIES, String.valueOf(settings.createRepositories()));
        startBuildEnv.put(FunctionEnvironment.IMAGE_TAG_MUTABILITY, settings.imageTagMutability());
        startBuildEnv.put(FunctionEnvironment.SCAN_ON_PUSH, String.valueOf(settings.scanOnPush()));
        // StartBuild passes these to each build as overrides, as it does the three settings above.
        startBuildEnv.put(BuildVariables.REPLICATE_DELETES, String.valueOf(settings.replicateDeletes()));
        startBuildEnv.put(BuildVariables.COPY_REFERRERS, String.valueOf(settings.copyReferrers()));
        Alias startBuild = function(FunctionSpec.START_BUILD, startBuildEnv);
        startBuild.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("codebuild:StartBuild"))
                .resources(List.of(project.getProjectArn()))
                .build());

        Alias recordResult = function(
                FunctionSpec.RECORD_RESULT,
                Map.of(
                        FunctionEnvironment.TABLE_NAME, table.getTableName(),
                        FunctionEnvironment.HISTORY_TTL_DAYS, String.valueOf(settings.historyTtlDays()),
                        FunctionEnvironment.LEASE_SECONDS, String.valueOf(settings.leaseSeconds()),
                        FunctionEnvironment.QUEUE_URL, queue.getQueueUrl()));
        // A build whose copy a concurrent removal of the digest may have undone is queued again (decision 0061).
        queue.grantSendMessages(recordResult);

        substitutions.put(StateMachineTemplate.READ_SECRET_FUNCTION_ARN, readSecret.getFunctionArn());
        substitutions.put(StateMachineTemplate.CHECK_STATE_FUNCTION_ARN, checkState.getFunctionArn());
        substitutions.put(StateMachineTemplate.START_BUILD_FUNCTION_ARN, startBuild.getFunctionArn());
        substitutions.put(StateMachineTemplate.RECORD_RESULT_FUNCTION_ARN, recordResult.getFunctionArn());
        substitutions.put(StateMachineTemplate.LEASE_WAIT_SECONDS, String.valueOf(settings.leaseWaitSeconds()));
        substitutions.put(
                StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS, String.valueOf(settings.buildTaskTimeoutSeconds()));
        definition.requireSubstitutions(substitutions);
        StateMachine workflow = workflow(definition);
        for (Alias task : List.of(readSecret, checkState, startBuild, recordResult)) {
            task.grantInvoke(workflow);
        }

        Alias dispatch = function(
                FunctionSpec.DISPATCH, Map.of(FunctionEnvironment.STATE_MACHINE_ARN, workflow.getStateMachineArn()));
        workflow.grantStartExecution(dispatch);
        // A redelivered message finds its execution already started; Dispatch compares that execution's input.
        dispatch.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("states:DescribeExecution"))
                .resources(List.of(formatArn(ArnComponents.builder()
                        .service("states")
                        .resource("execution")
                        .resourceName(prefix + ":*")
                        .arnFormat(ArnFormat.COLON_RESOURCE_NAME)
                        .build())))
                .build());
        dispatch.addEventSource(SqsEventSource.Builder.create(queue)
                .batchSize(10)
                .reportBatchItemFailures(true)
                .build());

        Alias completion = function(
                FunctionSpec.COMPLETION,
                Map.of(
                        FunctionEnvironment.BUILD_PROJECT_NAME,
                        project.getProjectName(),
                        FunctionEnvironment.TABLE_NAME,
                        table.getTableName()));
        workflow.grantTaskResponse(completion);
        completion.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("codebuild:BatchGetBuilds"))
                .resources(List.of(project.getProjectArn()))
                .build());

        Map<String, String> sweepEnv = new LinkedHashMap<>();
        sweepEnv.put(FunctionEnvironment.BUILD_PROJECT_NAME, project.getProjectName());
        sweepEnv.put(FunctionEnvironment.TABLE_NAME, table.getTableName());
        // A build that started longer ago than the StartBuild task timeout has no execution left waiting for it.
        sweepEnv.put(FunctionEnvironment.SWEEP_LOOKBACK_SECONDS, String.valueOf(settings.buildTaskTimeoutSeconds()));
        Alias sweep = function(FunctionSpec.SWEEP, sweepEnv);
        workflow.grantTaskResponse(sweep);
        sweep.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("codebuild:ListBuildsForProject", "codebuild:BatchGetBuilds"))
                .resources(List.of(project.getProjectArn()))
                .build());

        for (Alias user : List.of(checkState, startBuild, completion, recordResult, sweep)) {
            grantStateTable(table, user);
        }

        for (FunctionSpec spec : EVENT_FUNCTIONS) {
            onFailureTo(functions.get(spec), invocationFailures);
        }
        imageActionRule(enqueue, eventDeadLetters);
        buildCompletionRule(project, completion, eventDeadLetters);
        sweepSchedule(sweep);
        monitoring(workflow, queue, deadLetters, eventDeadLetters, invocationFailures, project);

        output(
                "DestinationSecretId",
                secret.reference(),
                "the destination secret (fields: user, accesskey,"
                        + " secretaccesskey, partition, accountid); put its value with the AWS CLI");
        output("QueueUrl", queue.getQueueUrl(), "the replication queue (FIFO)");
        output("StateMachineArn", workflow.getStateMachineArn(), "the replication workflow");
        output("BuildProjectName", project.getProjectName(), "the replication build");
        output("TableName", table.getTableName(), "the per-tag state table");
        output(
                "InvocationFailureQueueUrl",
                invocationFailures.getQueueUrl(),
                "events whose Enqueue or Completion invocation failed after Lambda's retries; replay them"
                        + " as docs/deploy.md shows");
        suppressFindings(
                workflow, project, project.getRole(), deadLetters, eventDeadLetters, invocationFailures, secret);
    }

    /** The definition substitutions, by placeholder name (for tests and for the record). */
    public Map<String, String> substitutions() {
        return Map.copyOf(substitutions);
    }

    public ReplicationSettings settings() {
        return settings;
    }

    /** The secret and how the functions and the build refer to it: its ARN, or its name when imported. */
    private record DestinationSecret(ISecret secret, String reference, IConstruct construct) {}

    private DestinationSecret destinationSecret() {
        if (settings.destinationSecretName().isPresent()) {
            String name = settings.destinationSecretName().get();
            ISecret imported = Secret.fromSecretNameV2(this, "DestinationSecret", name);
            return new DestinationSecret(imported, name, null);
        }
        // The L1 resource: the L2 Secret always generates a value when given none, and the stack must never
        // own the credentials. Without SecretString or GenerateSecretString CloudFormation creates the secret
        // empty; an operator puts the value (see docs/deploy.md).
        CfnSecret created = CfnSecret.Builder.create(this, "DestinationSecret")
                .name(prefix + "/destination")
                .description("Credentials of the IAM user in the destination partition, as JSON with the fields"
                        + " user, accesskey, secretaccesskey, partition (aws, aws-us-gov or aws-cn) and accountid."
                        + " Created empty by the stack; set by an operator.")
                .build();
        ISecret secret = Secret.fromSecretAttributes(
                this,
                "DestinationSecretRef",
                SecretAttributes.builder().secretCompleteArn(created.getRef()).build());
        return new DestinationSecret(secret, created.getRef(), created);
    }

    private Table table() {
        return Table.Builder.create(this, "StateTable")
                // The item layout is the domain's (StateTable): one String key, history rows expire by TTL.
                .partitionKey(Attribute.builder()
                        .name(StateTable.KEY)
                        .type(AttributeType.STRING)
                        .build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true)
                        .build())
                .encryption(TableEncryption.AWS_MANAGED)
                .timeToLiveAttribute(StateTable.TTL)
                .build();
    }

    private Queue eventDeadLetterQueue() {
        // EventBridge targets need a standard queue as their dead-letter queue; SSE-SQS is one EventBridge
        // can write to without a key policy.
        return Queue.Builder.create(this, "EventDeliveryDeadLetterQueue")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
    }

    private Queue invocationFailureQueue() {
        // A standard queue: Lambda destinations cannot write to a FIFO queue. SSE-SQS needs no key grant for
        // the functions' roles.
        return Queue.Builder.create(this, "InvocationFailureQueue")
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
    }

    /**
     * EventBridge hands the event to Lambda and is done: an exception in the function (SQS throttling, a
     * DynamoDB error) is retried by Lambda and then dropped, and the event-delivery DLQ never sees it. The
     * on-failure destination keeps the event, with the error, for a replay.
     */
    private static void onFailureTo(Alias alias, Queue failures) {
        alias.configureAsyncInvoke(EventInvokeConfigOptions.builder()
                .onFailure(new SqsDestination(failures))
                .retryAttempts(ASYNC_RETRY_ATTEMPTS)
                .maxEventAge(MAX_EVENT_AGE)
                .build());
    }

    private Queue fifoQueue(String id, Queue deadLetters) {
        Queue.Builder builder = Queue.Builder.create(this, id)
                .fifo(true)
                // Enqueue sets the deduplication id (the event id): identical bodies of two events are distinct.
                .contentBasedDeduplication(false)
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(deadLetters == null ? 14 : 4));
        if (deadLetters != null) {
            // Six times the consumer's timeout, as the Lambda documentation advises for SQS event sources.
            builder.visibilityTimeout(Duration.seconds(6L * FunctionSpec.DISPATCH.timeoutSeconds()))
                    .deadLetterQueue(DeadLetterQueue.builder()
                            .queue(deadLetters)
                            .maxReceiveCount(settings.queueMaxReceiveCount())
                            .build());
        }
        return builder.build();
    }

    private Project buildProject(DeploymentArtifacts artifacts, DestinationSecret secret) {
        Asset source = Asset.Builder.create(this, "BuildSource")
                .path(artifacts.stageCodeBuildSource().toString())
                .build();
        LogGroup logs = LogGroup.Builder.create(this, "BuildLogs")
                .retention(settings.logRetention())
                .build();
        Role role = Role.Builder.create(this, "BuildRole")
                .assumedBy(new ServicePrincipal("codebuild.amazonaws.com"))
                .description("The replication build: reads the source repositories and the destination secret")
                .build();

        Map<String, BuildEnvironmentVariable> environment = new LinkedHashMap<>();
        environment.put(BuildVariables.DESTINATION_REGION, plain(settings.destinationRegion()));
        environment.put(BuildVariables.CREATE_REPOSITORIES, plain(String.valueOf(settings.createRepositories())));
        environment.put(BuildVariables.IMAGE_TAG_MUTABILITY, plain(settings.imageTagMutability()));
        environment.put(BuildVariables.SCAN_ON_PUSH, plain(String.valueOf(settings.scanOnPush())));
        environment.put(BuildVariables.REGISTRY_INSECURE, plain("false"));
        // The same values StartBuild overrides with, so a build started without it (from the console) agrees.
        environment.put(BuildVariables.REPLICATE_DELETES, plain(String.valueOf(settings.replicateDeletes())));
        environment.put(BuildVariables.COPY_REFERRERS, plain(String.valueOf(settings.copyReferrers())));
        // Resolved by CodeBuild at build start and masked in its logs; StartBuild overrides them with the
        // same type and the secret's full ARN.
        environment.put(
                BuildVariables.DESTINATION_ACCESS_KEY_ID,
                fromSecret(secret.reference() + ":" + org.ecrreplicator.domain.DestinationSecret.ACCESS_KEY));
        environment.put(
                BuildVariables.DESTINATION_SECRET_ACCESS_KEY,
                fromSecret(secret.reference() + ":" + org.ecrreplicator.domain.DestinationSecret.SECRET_ACCESS_KEY));

        Project.Builder builder = Project.Builder.create(this, "ReplicationBuild")
                .projectName(prefix)
                .description("Copies one image from the source ECR to the destination partition's ECR")
                .source(Source.s3(S3SourceProps.builder()
                        .bucket(source.getBucket())
                        .path(source.getS3ObjectKey())
                        .build()))
                .environment(BuildEnvironment.builder()
                        .buildImage(settings.buildCompute().image())
                        .computeType(settings.buildCompute().computeType())
                        .privileged(false)
                        .build())
                .environmentVariables(environment)
                .concurrentBuildLimit(settings.buildConcurrency())
                .logging(LoggingOptions.builder()
                        .cloudWatch(CloudWatchLoggingOptions.builder()
                                .logGroup(logs)
                                .build())
                        .build())
                .role(role)
                // The build publishes no test or coverage reports.
                .grantReportGroupPermissions(false);
        if (!settings.buildCompute().lambda()) {
            // Lambda compute has a fixed limit and no queue; both settings exist only on EC2 compute.
            builder.timeout(Duration.minutes(settings.buildTimeoutMinutes()))
                    .queuedTimeout(Duration.minutes(settings.buildQueuedTimeoutMinutes()));
        }
        Project project = builder.build();

        project.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("ecr:GetAuthorizationToken"))
                .resources(List.of("*"))
                .build());
        project.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of(
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:DescribeImages"))
                .resources(sourceRepositoryArns())
                .build());
        secret.secret().grantRead(role);
        return project;
    }

    private static BuildEnvironmentVariable plain(String value) {
        return BuildEnvironmentVariable.builder()
                .type(BuildEnvironmentVariableType.PLAINTEXT)
                .value(value)
                .build();
    }

    private static BuildEnvironmentVariable fromSecret(String reference) {
        return BuildEnvironmentVariable.builder()
                .type(BuildEnvironmentVariableType.SECRETS_MANAGER)
                .value(reference)
                .build();
    }

    /** The source repositories, scoped by the same filter as the EventBridge rule. */
    List<String> sourceRepositoryArns() {
        List<String> arns = new ArrayList<>();
        for (String pattern : settings.repositories().iamRepositoryPatterns()) {
            arns.add(formatArn(ArnComponents.builder()
                    .service("ecr")
                    .resource("repository")
                    .resourceName(pattern)
                    .build()));
        }
        return arns;
    }

    private Alias function(FunctionSpec spec, Map<String, String> environment) {
        LogGroup logs = LogGroup.Builder.create(this, spec.id() + "Logs")
                .retention(settings.logRetention())
                .build();
        // One role per function with no managed policy: each gets only its own log group and its grants.
        Role role = Role.Builder.create(this, spec.id() + "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("The " + spec.id() + " function")
                .build();
        logs.grantWrite(role);
        Function function = Function.Builder.create(this, spec.id() + "Function")
                .description(spec.description())
                .runtime(Runtime.JAVA_21)
                .architecture(settings.arm64() ? Architecture.ARM_64 : Architecture.X86_64)
                .handler(spec.handler())
                .code(functionsCode)
                .memorySize(spec.memoryMb())
                .timeout(Duration.seconds(spec.timeoutSeconds()))
                .environment(environment)
                .role(role)
                .logGroup(logs)
                .tracing(Tracing.ACTIVE)
                .snapStart(settings.snapStart() ? SnapStartConf.ON_PUBLISHED_VERSIONS : null)
                .build();
        if (settings.snapStart()) {
            Annotations.of(function)
                    .acknowledgeWarning(
                            "@aws-cdk/aws-lambda:snapStartRequirePublish",
                            "Published: the alias below points at the function's current version");
        }
        // Everything invokes the alias: SnapStart applies only to published versions, and the alias moves to
        // the new version on every deployment.
        Alias alias = Alias.Builder.create(this, spec.id() + "Alias")
                .aliasName(ALIAS_NAME)
                .version(function.getCurrentVersion())
                .build();
        functions.put(spec, alias);
        functionRoles.put(spec, role);
        return alias;
    }

    private void grantStateTable(Table table, IGrantable grantee) {
        // Reads and conditional writes of single items: no scans, queries or deletes.
        table.grant(grantee, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");
    }

    private StateMachine workflow(StateMachineDefinition definition) {
        LogGroup logs = LogGroup.Builder.create(this, "WorkflowLogs")
                // The vendedlogs prefix keeps CloudWatch Logs' resource policy from growing per log group.
                .logGroupName("/aws/vendedlogs/states/" + prefix)
                .retention(settings.logRetention())
                .build();
        return StateMachine.Builder.create(this, "Workflow")
                .stateMachineName(prefix)
                .stateMachineType(StateMachineType.STANDARD)
                .definitionBody(DefinitionBody.fromString(definition.json()))
                .definitionSubstitutions(substitutions)
                // ERROR without execution data: the history already has every state's input and output,
                // and the logs must not copy requests and results a second time.
                .logs(LogOptions.builder()
                        .destination(logs)
                        .level(LogLevel.ERROR)
                        .includeExecutionData(false)
                        .build())
                .tracingEnabled(true)
                .build();
    }

    private void imageActionRule(Alias enqueue, Queue deadLetters) {
        List<String> actions = settings.replicateDeletes() ? List.of("PUSH", "DELETE") : List.of("PUSH");
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("result", List.of("SUCCESS"));
        detail.put("action-type", actions);
        detail.put("repository-name", settings.repositories().eventPatternValues());
        Rule.Builder.create(this, "ImageActionRule")
                .description("ECR image and referrer pushes and deletes of the replicated repositories")
                .eventPattern(EventPattern.builder()
                        .source(List.of(EcrImageActionEvents.SOURCE))
                        // ECR reports a manifest with an OCI 1.1 subject (a signature, an SBOM) as a referrer
                        // action, not an image action; both carry the same detail fields.
                        .detailType(EcrImageActionEvents.DETAIL_TYPES)
                        .detail(detail)
                        .build())
                .targets(List.of(lambdaTarget(enqueue, deadLetters)))
                .build();
    }

    private void buildCompletionRule(Project project, Alias completion, Queue deadLetters) {
        Rule.Builder.create(this, "BuildCompletionRule")
                .description("Final states of the replication build, reported to the waiting execution")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.codebuild"))
                        .detailType(List.of("CodeBuild Build State Change"))
                        .detail(Map.of(
                                "project-name",
                                List.of(project.getProjectName()),
                                "build-status",
                                FINAL_BUILD_STATUSES))
                        .build())
                .targets(List.of(lambdaTarget(completion, deadLetters)))
                .build();
    }

    /**
     * The sweep runs every {@link #SWEEP_INTERVAL}. A run that fails or never starts is covered by the next
     * one, which looks at the same builds: nothing retries it (a retry would overlap the next run), nothing
     * keeps it for a replay, and an old tick waiting in Lambda's queue is dropped instead of piling up. The
     * Sweep errors alarm says when runs keep failing.
     */
    private void sweepSchedule(Alias sweep) {
        sweep.configureAsyncInvoke(EventInvokeConfigOptions.builder()
                .retryAttempts(0)
                .maxEventAge(SWEEP_INTERVAL)
                .build());
        Rule.Builder.create(this, "SweepSchedule")
                .description("Runs the sweep: finished builds whose completion never reached the waiting execution")
                .schedule(Schedule.rate(SWEEP_INTERVAL))
                .targets(List.of(new LambdaFunction(
                        sweep, LambdaFunctionProps.builder().retryAttempts(0).build())))
                .build();
    }

    private static LambdaFunction lambdaTarget(Alias alias, Queue deadLetters) {
        return new LambdaFunction(
                alias,
                LambdaFunctionProps.builder()
                        .deadLetterQueue(deadLetters)
                        .retryAttempts(8)
                        .maxEventAge(MAX_EVENT_AGE)
                        .build());
    }

    private void monitoring(
            StateMachine workflow,
            Queue queue,
            Queue deadLetters,
            Queue eventDeadLetters,
            Queue invocationFailures,
            Project project) {
        ITopic topic = settings.alarmTopicArn()
                .map(arn -> Topic.fromTopicArn(this, "AlarmTopic", arn))
                .orElse(null);
        MetricOptions sum = MetricOptions.builder()
                .statistic("Sum")
                .period(Duration.minutes(5))
                .build();
        MetricOptions max = MetricOptions.builder()
                .statistic("Maximum")
                .period(Duration.minutes(5))
                .build();

        alarm(
                "DeadLetterAlarm",
                "Replication requests failed repeatedly and wait in the dead-letter queue",
                deadLetters.metricApproximateNumberOfMessagesVisible(max),
                topic);
        alarm(
                "EventDeadLetterAlarm",
                "EventBridge could not deliver ECR or CodeBuild events to a function",
                eventDeadLetters.metricApproximateNumberOfMessagesVisible(max),
                topic);
        alarm(
                "FailedExecutionsAlarm",
                "Replication executions failed: inspect and redrive them in the console",
                workflow.metricFailed(sum),
                topic);
        alarm("TimedOutExecutionsAlarm", "Replication executions timed out", workflow.metricTimedOut(sum), topic);
        alarm(
                "InvocationFailureAlarm",
                "Enqueue or Completion failed on an event after Lambda's retries: replay it from the"
                        + " invocation-failure queue (docs/deploy.md)",
                invocationFailures.metricApproximateNumberOfMessagesVisible(max),
                topic);
        List<IMetric> lostEvents = new ArrayList<>();
        lostEvents.add(invocationFailures
                .metricApproximateNumberOfMessagesVisible(max)
                .with(MetricOptions.builder().label("Invocation failures").build()));
        Map<FunctionSpec, String> errorAlarms = new LinkedHashMap<>();
        for (FunctionSpec spec : EVENT_FUNCTIONS) {
            errorAlarms.put(
                    spec,
                    "The " + spec.id() + " function failed on an event; Lambda retries it, then the event goes to"
                            + " the invocation-failure queue");
        }
        errorAlarms.put(
                FunctionSpec.SWEEP,
                "The Sweep function failed; the next run tries again, and until one succeeds a build whose"
                        + " completion event was lost is not reported to its execution");
        for (Map.Entry<FunctionSpec, String> entry : errorAlarms.entrySet()) {
            FunctionSpec spec = entry.getKey();
            // The function's metric, not the alias's: it counts every invocation, whatever the qualifier.
            Metric errors = functions.get(spec).getVersion().getLambda().metricErrors(sum);
            alarm(spec.id() + "ErrorsAlarm", entry.getValue(), errors, topic);
            lostEvents.add(errors.with(
                    MetricOptions.builder().label(spec.id() + " errors").build()));
        }

        Dashboard dashboard = Dashboard.Builder.create(this, "Dashboard")
                .dashboardName(prefix)
                .build();
        dashboard.addWidgets(TextWidget.Builder.create()
                .markdown("# ECR replication (" + settings.environment() + ")\n" + settings.region() + " -> "
                        + settings.destinationRegion())
                .width(24)
                .height(2)
                .build());
        dashboard.addWidgets(
                graph("Replications", List.of(workflow.metricStarted(sum), workflow.metricSucceeded(sum))),
                graph(
                        "Failures",
                        List.of(
                                workflow.metricFailed(sum),
                                workflow.metricTimedOut(sum),
                                deadLetters.metricApproximateNumberOfMessagesVisible(max),
                                eventDeadLetters.metricApproximateNumberOfMessagesVisible(max))));
        dashboard.addWidgets(
                graph(
                        "Queue depth",
                        List.of(
                                queue.metricApproximateNumberOfMessagesVisible(max),
                                queue.metricApproximateNumberOfMessagesNotVisible(max))),
                graph("Age of the oldest message (s)", List.of(queue.metricApproximateAgeOfOldestMessage(max))),
                graph(
                        "Build duration (s)",
                        List.of(
                                project.metricDuration(MetricOptions.builder()
                                        .statistic("Average")
                                        .period(Duration.minutes(5))
                                        .build()),
                                project.metricDuration(max),
                                project.metricFailedBuilds(sum))));
        dashboard.addWidgets(graph("Lost events", lostEvents));
    }

    private void alarm(String id, String description, Metric metric, ITopic topic) {
        Alarm alarm = Alarm.Builder.create(this, id)
                .alarmDescription(description)
                .metric(metric)
                .threshold(0)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .evaluationPeriods(1)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        if (topic != null) {
            alarm.addAlarmAction(new SnsAction(topic));
        }
    }

    private static GraphWidget graph(String title, List<? extends IMetric> metrics) {
        return GraphWidget.Builder.create()
                .title(title)
                .left(List.copyOf(metrics))
                .width(8)
                .height(6)
                .build();
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }

    /**
     * cdk-nag findings that are deliberate, each on the one construct it concerns and with its reason. The
     * rest of the stack is clean.
     */
    private void suppressFindings(
            StateMachine workflow,
            Project project,
            IConstruct buildRole,
            Queue deadLetters,
            Queue eventDeadLetters,
            Queue invocationFailures,
            DestinationSecret secret) {
        for (Map.Entry<FunctionSpec, Alias> entry : functions.entrySet()) {
            Function function = (Function) entry.getValue().getVersion().getLambda();
            NagSuppressions.addResourceSuppressions(
                    function,
                    List.of(suppression(
                            "AwsSolutions-L1",
                            "java21 is the runtime the functions are compiled for (release 21, see the contracts);"
                                    + " moving to a newer Java runtime is a deliberate upgrade, not a default")));
            // applyToChildren: the grants land in the role's DefaultPolicy, a child of the role.
            List<Object> evidence = new ArrayList<>(List.of("Resource::*"));
            String reason = "X-Ray trace upload (xray:PutTraceSegments, PutTelemetryRecords) supports no"
                    + " resource-level permissions";
            if (entry.getKey() == FunctionSpec.DISPATCH) {
                evidence.add(regex("/^Resource::arn:[a-z-]+:states:[a-z0-9-]+:(<AWS::AccountId>|\\d{12}):execution:"
                        + prefix + ":\\*$/"));
                reason += "; DescribeExecution covers the executions of this stack's state machine only";
            }
            NagSuppressions.addResourceSuppressions(
                    functionRoles.get(entry.getKey()),
                    List.of(suppression("AwsSolutions-IAM5", reason, evidence)),
                    true);
        }
        NagSuppressions.addResourceSuppressions(
                workflow,
                List.of(
                        suppression(
                                "AwsSolutions-SF1",
                                "Logs ERROR only and without execution data by design: the execution history"
                                        + " already holds every state's input and output"),
                        suppression(
                                "AwsSolutions-IAM5",
                                "CloudWatch Logs delivery and X-Ray actions support no resource-level permissions;"
                                        + " Lambda invoke is granted on the four task aliases only (CDK adds"
                                        + " their ':*' form)",
                                List.of(
                                        "Resource::*",
                                        regex("/^Resource::<(ReadSecret|CheckState|StartBuild|RecordResult)"
                                                + "Alias[0-9A-F]{8}>:\\*$/")))),
                true);
        NagSuppressions.addResourceSuppressions(
                project,
                List.of(suppression(
                        "AwsSolutions-CB4",
                        "The build produces no artifacts and keeps no data; its logs go to CloudWatch"
                                + " Logs. A customer key would add cost and a key policy to manage")));
        NagSuppressions.addResourceSuppressions(
                buildRole,
                List.of(suppression(
                        "AwsSolutions-IAM5",
                        "ecr:GetAuthorizationToken has no resource-level permissions; repository reads are scoped"
                                + " to the configured prefixes or wildcards (by design a pattern); the read of"
                                + " the source asset and the default CodeBuild log group are CDK's own grants",
                        List.of(
                                "Resource::*",
                                "Action::s3:GetBucket*",
                                "Action::s3:GetObject*",
                                "Action::s3:List*",
                                regex(
                                        "/^Resource::arn:[a-z-]+:ecr:[a-z0-9-]+:(<AWS::AccountId>|\\d{12}):repository\\/.+$/"),
                                regex("/^Resource::arn:[a-z-]+:logs:[a-z0-9-]+:(<AWS::AccountId>|\\d{12}):log-group:"
                                        + "\\/aws\\/codebuild\\/<ReplicationBuild[0-9A-F]{8}>:\\*$/")))),
                true);
        NagSuppressions.addResourceSuppressions(
                eventDeadLetters,
                List.of(suppression(
                        "AwsSolutions-SQS3",
                        "This is the dead-letter queue of the EventBridge targets (cdk-nag does not see that"
                                + " use); it has no dead-letter queue of its own")));
        NagSuppressions.addResourceSuppressions(
                deadLetters,
                List.of(suppression(
                        "AwsSolutions-SQS3",
                        "This is the dead-letter queue of the replication queue; it has no dead-letter queue of"
                                + " its own")));
        NagSuppressions.addResourceSuppressions(
                invocationFailures,
                List.of(suppression(
                        "AwsSolutions-SQS3",
                        "This is the on-failure destination of the Enqueue and Completion invocations (cdk-nag"
                                + " does not see that use); an operator replays and deletes its messages, so it"
                                + " has no dead-letter queue of its own")));
        if (secret.construct() != null) {
            NagSuppressions.addResourceSuppressions(
                    secret.construct(),
                    List.of(suppression(
                            "AwsSolutions-SMG4",
                            "The secret holds an IAM user's access keys from another partition; rotating them"
                                    + " needs that partition's credentials, so operators rotate them by hand"
                                    + " (docs/deploy.md)")));
        }
    }

    private static NagPackSuppression suppression(String id, String reason) {
        return NagPackSuppression.builder().id(id).reason(reason).build();
    }

    /** A suppression that covers only the listed findings (cdk-nag's evidence), so new wildcards still fail. */
    static NagPackSuppression suppression(String id, String reason, List<Object> appliesTo) {
        return NagPackSuppression.builder()
                .id(id)
                .reason(reason)
                .appliesTo(appliesTo)
                .build();
    }

    static RegexAppliesTo regex(String pattern) {
        return RegexAppliesTo.builder().regex(pattern).build();
    }
}
