package org.ecrreplicator.infra.replication;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.ArnFormat;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.CfnPermission;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.EventInvokeConfigOptions;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.lambda.Tracing;
import software.amazon.awscdk.services.lambda.destinations.SqsDestination;
import software.amazon.awscdk.services.lambda.eventsources.SqsEventSource;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.secretsmanager.CfnRotationSchedule;
import software.amazon.awscdk.services.stepfunctions.StateMachine;

/**
 * The Lambda functions (ten, and the rotation function unless rotation is off), one method each: the function with exactly its contract environment
 * (docs/contracts.md), its own role and log group, its {@code live} alias, and its grants (decision 0032).
 * The workflows' tasks come before the workflows, which need their ARNs; Dispatch, Completion and the sweep
 * come after them, which they start or answer.
 */
final class ReplicationFunctions {
    static final String ALIAS_NAME = "live";

    /**
     * The functions EventBridge invokes asynchronously for an event: an invocation that still fails after
     * Lambda's retries goes to the invocation-failure queue, where an operator can replay it.
     */
    static final List<FunctionSpec> EVENT_FUNCTIONS = List.of(FunctionSpec.ENQUEUE, FunctionSpec.COMPLETION);

    /** Lambda's retries of a failed asynchronous invocation (its default, and its maximum). */
    static final int ASYNC_RETRY_ATTEMPTS = 2;

    /** The functions the workflow invokes, in the order the stack creates them. */
    record WorkflowTasks(Alias readSecret, Alias checkState, Alias startBuild, Alias recordResult) {
        List<Alias> all() {
            return List.of(readSecret, checkState, startBuild, recordResult);
        }
    }

    /** The functions the reconcile workflow invokes (decision 0068): ReadSecret is the replication's own. */
    record ReconcileTasks(Alias readSecret, Alias startReconcileBuild, Alias recordReconcile) {
        List<Alias> all() {
            return List.of(readSecret, startReconcileBuild, recordReconcile);
        }
    }

    private final Stack stack;
    private final ReplicationSettings settings;
    private final StatefulResources state;
    private final ReplicationBuild build;
    private final Code code;
    private final Map<FunctionSpec, Alias> aliases = new EnumMap<>(FunctionSpec.class);
    private final Map<FunctionSpec, Role> roles = new EnumMap<>(FunctionSpec.class);
    private final Map<FunctionSpec, LogGroup> logGroups = new EnumMap<>(FunctionSpec.class);

    ReplicationFunctions(
            Stack stack,
            ReplicationSettings settings,
            DeploymentArtifacts artifacts,
            StatefulResources state,
            ReplicationBuild build) {
        this.stack = stack;
        this.settings = settings;
        this.state = state;
        this.build = build;
        // One asset for every function: one jar, one handler class each.
        this.code = Code.fromAsset(artifacts.functionsJar().toString());
    }

    /** Every function created so far, by spec. */
    Map<FunctionSpec, Alias> aliases() {
        return Collections.unmodifiableMap(aliases);
    }

    /** The function's own log group (the rejected-events metric filter reads Enqueue's). */
    LogGroup logGroup(FunctionSpec spec) {
        return logGroups.get(spec);
    }

    Role role(FunctionSpec spec) {
        return roles.get(spec);
    }

    Alias enqueue() {
        Alias enqueue = function(FunctionSpec.ENQUEUE, Map.of(FunctionEnvironment.QUEUE_URL, queueUrl()));
        state.queue().grantSendMessages(enqueue);
        keepFailedEvents(enqueue);
        return enqueue;
    }

    /** ReadSecret, CheckState, StartBuild and RecordResult. */
    WorkflowTasks workflowTasks() {
        Alias readSecret = readSecret();
        Alias checkState = checkState();
        Alias startBuild = startBuild();
        Alias recordResult = recordResult();
        return new WorkflowTasks(readSecret, checkState, startBuild, recordResult);
    }

    private Alias readSecret() {
        Alias readSecret = function(
                FunctionSpec.READ_SECRET,
                Map.of(
                        FunctionEnvironment.SECRET_ID,
                        state.secret().reference(),
                        FunctionEnvironment.DESTINATION_REGION,
                        settings.destinationRegion()));
        state.secret().secret().grantRead(readSecret);
        return readSecret;
    }

    private Alias checkState() {
        Alias checkState = function(
                FunctionSpec.CHECK_STATE,
                Map.of(
                        FunctionEnvironment.TABLE_NAME, tableName(),
                        FunctionEnvironment.LEASE_SECONDS, String.valueOf(settings.leaseSeconds()),
                        FunctionEnvironment.MAX_LEASE_WAITS, String.valueOf(settings.maxLeaseWaits()),
                        FunctionEnvironment.HISTORY_TTL_DAYS, String.valueOf(settings.historyTtlDays())));
        state.grantStateItems(checkState);
        return checkState;
    }

    private Alias startBuild() {
        Alias startBuild = function(FunctionSpec.START_BUILD, buildStarterEnvironment());
        allowOnProject(startBuild, "codebuild:StartBuild");
        state.grantStateItems(startBuild);
        return startBuild;
    }

    /** What StartBuild and StartReconcileBuild pass to the builds they start, or need to start them. */
    private Map<String, String> buildStarterEnvironment() {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put(FunctionEnvironment.SECRET_ID, state.secret().reference());
        environment.put(FunctionEnvironment.DESTINATION_REGION, settings.destinationRegion());
        environment.put(FunctionEnvironment.BUILD_PROJECT_NAME, projectName());
        environment.put(FunctionEnvironment.TABLE_NAME, tableName());
        environment.put(FunctionEnvironment.LEASE_SECONDS, String.valueOf(settings.leaseSeconds()));
        // How long an attempt's task token is kept under its id: the task cannot be answered after it.
        environment.put(
                FunctionEnvironment.BUILD_TASK_TIMEOUT_SECONDS, String.valueOf(settings.buildTaskTimeoutSeconds()));
        environment.put(FunctionEnvironment.CREATE_REPOSITORIES, String.valueOf(settings.createRepositories()));
        environment.put(FunctionEnvironment.IMAGE_TAG_MUTABILITY, settings.imageTagMutability());
        environment.put(FunctionEnvironment.SCAN_ON_PUSH, String.valueOf(settings.scanOnPush()));
        // StartBuild passes these to each build as overrides, as it does the three settings above.
        environment.put(FunctionEnvironment.REPLICATE_DELETES, String.valueOf(settings.replicateDeletes()));
        environment.put(FunctionEnvironment.COPY_REFERRERS, String.valueOf(settings.copyReferrers()));
        return environment;
    }

    private Alias recordResult() {
        Alias recordResult = function(
                FunctionSpec.RECORD_RESULT,
                Map.of(
                        FunctionEnvironment.TABLE_NAME, tableName(),
                        FunctionEnvironment.HISTORY_TTL_DAYS, String.valueOf(settings.historyTtlDays()),
                        FunctionEnvironment.LEASE_SECONDS, String.valueOf(settings.leaseSeconds()),
                        FunctionEnvironment.QUEUE_URL, queueUrl()));
        // A build whose copy a concurrent removal of the digest may have undone is queued again (decision 0061).
        state.queue().grantSendMessages(recordResult);
        state.grantStateItems(recordResult);
        return recordResult;
    }

    /** StartReconcileBuild and RecordReconcile, with the ReadSecret the replication workflow already uses. */
    ReconcileTasks reconcileTasks(Alias readSecret) {
        return new ReconcileTasks(readSecret, startReconcileBuild(), recordReconcile());
    }

    private Alias startReconcileBuild() {
        Map<String, String> environment = buildStarterEnvironment();
        // The plan build lists the repositories of this filter and packs them into shards of this many tags.
        environment.put(
                FunctionEnvironment.REPOSITORY_FILTER, settings.repositories().buildVariable());
        environment.put(FunctionEnvironment.RECONCILE_SHARD_SIZE, String.valueOf(settings.reconcileShardSize()));
        Alias startReconcileBuild = function(FunctionSpec.START_RECONCILE_BUILD, environment);
        allowOnProject(startReconcileBuild, "codebuild:StartBuild");
        // Only its attempts' items: it starts builds; the builds take the leases, Completion answers the task.
        state.grantAttemptWrites(startReconcileBuild);
        return startReconcileBuild;
    }

    private Alias recordReconcile() {
        Alias recordReconcile = function(
                FunctionSpec.RECORD_RECONCILE,
                Map.of(
                        FunctionEnvironment.TABLE_NAME, tableName(),
                        // The Stack dimension of the metrics it logs (ReconcileMetrics), which the alarms watch.
                        FunctionEnvironment.STACK_NAME, stack.getStackName(),
                        FunctionEnvironment.HISTORY_TTL_DAYS, String.valueOf(settings.historyTtlDays())));
        // Its metrics go out in its log (embedded metric format): no cloudwatch:PutMetricData.
        state.grantStateItems(recordReconcile);
        return recordReconcile;
    }

    /**
     * Secrets Manager's rotation function for the destination secret and its schedule (decision 0075), when
     * {@code rotationDays} is not {@code off}. Its role may read, write and restage that one secret; the IAM and
     * ECR calls it makes in the destination partition are signed with the secret's own key, not this role.
     */
    Optional<Alias> rotateSecret() {
        if (settings.rotationDays().isEmpty()) {
            return Optional.empty();
        }
        Alias rotate = function(
                FunctionSpec.ROTATE_SECRET,
                Map.of(FunctionEnvironment.DESTINATION_REGION, settings.destinationRegion()));
        StatefulResources.CredentialsSecret secret = state.secret();
        // The full ARN when the stack creates the secret; an imported name matches its random suffix, as CDK's
        // own grants do.
        String secretArn = secret.created().isPresent()
                ? secret.reference()
                : secret.secret().getSecretArn() + "-??????";
        rotate.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of(
                        "secretsmanager:DescribeSecret",
                        "secretsmanager:GetSecretValue",
                        "secretsmanager:PutSecretValue",
                        "secretsmanager:UpdateSecretVersionStage"))
                .resources(List.of(secretArn))
                .build());
        CfnPermission invoke = CfnPermission.Builder.create(stack, "RotateSecretInvokePermission")
                .action("lambda:InvokeFunction")
                .functionName(rotate.getFunctionArn())
                .principal("secretsmanager.amazonaws.com")
                .sourceAccount(stack.getAccount())
                .build();
        CfnRotationSchedule schedule = CfnRotationSchedule.Builder.create(stack, "DestinationSecretRotation")
                .secretId(secret.reference())
                .rotationLambdaArn(rotate.getFunctionArn())
                .rotationRules(CfnRotationSchedule.RotationRulesProperty.builder()
                        .automaticallyAfterDays(settings.rotationDays().getAsInt())
                        .build())
                // The stack creates the secret empty; an operator puts the first key. Rotating on deploy would
                // fail on that empty secret, so the first rotation waits for the schedule.
                .rotateImmediatelyOnUpdate(false)
                .build();
        // Secrets Manager checks that it may invoke the function when the schedule is set.
        schedule.getNode().addDependency(invoke, rotate);
        return Optional.of(rotate);
    }

    Alias dispatch(StateMachine workflow) {
        Alias dispatch = function(
                FunctionSpec.DISPATCH, Map.of(FunctionEnvironment.STATE_MACHINE_ARN, workflow.getStateMachineArn()));
        workflow.grantStartExecution(dispatch);
        // A redelivered message finds its execution already started; Dispatch compares that execution's input.
        dispatch.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("states:DescribeExecution"))
                .resources(List.of(stack.formatArn(ArnComponents.builder()
                        .service("states")
                        .resource("execution")
                        .resourceName(settings.resourceName() + ":*")
                        .arnFormat(ArnFormat.COLON_RESOURCE_NAME)
                        .build())))
                .build());
        dispatch.addEventSource(SqsEventSource.Builder.create(state.queue())
                .batchSize(10)
                .reportBatchItemFailures(true)
                .build());
        return dispatch;
    }

    /**
     * Reports the builds of both workflows: each build's task token, read under its attempt id, belongs to one of
     * them.
     */
    Alias completion(StateMachine workflow, StateMachine reconcile) {
        Alias completion = function(
                FunctionSpec.COMPLETION,
                Map.of(
                        FunctionEnvironment.BUILD_PROJECT_NAME,
                        projectName(),
                        FunctionEnvironment.TABLE_NAME,
                        tableName()));
        workflow.grantTaskResponse(completion);
        allowOnProject(completion, "codebuild:BatchGetBuilds");
        state.grantReportedItems(completion, settings.repositories());
        keepFailedEvents(completion);
        reconcile.grantTaskResponse(completion);
        return completion;
    }

    Alias sweep(StateMachine workflow, StateMachine reconcile) {
        Map<String, String> environment = new LinkedHashMap<>();
        environment.put(FunctionEnvironment.BUILD_PROJECT_NAME, projectName());
        environment.put(FunctionEnvironment.TABLE_NAME, tableName());
        // A build that started longer ago than the StartBuild task timeout has no execution left waiting for it.
        environment.put(FunctionEnvironment.SWEEP_LOOKBACK_SECONDS, String.valueOf(settings.buildTaskTimeoutSeconds()));
        Alias sweep = function(FunctionSpec.SWEEP, environment);
        workflow.grantTaskResponse(sweep);
        allowOnProject(sweep, "codebuild:ListBuildsForProject", "codebuild:BatchGetBuilds");
        state.grantReportedItems(sweep, settings.repositories());
        reconcile.grantTaskResponse(sweep);
        return sweep;
    }

    private Alias function(FunctionSpec spec, Map<String, String> environment) {
        LogGroup logs = LogGroup.Builder.create(stack, spec.id() + "Logs")
                .retention(settings.logRetention())
                .build();
        // One role per function with no managed policy: each gets only its own log group and its grants.
        Role role = Role.Builder.create(stack, spec.id() + "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .description("The " + spec.id() + " function")
                .build();
        logs.grantWrite(role);
        Function function = Function.Builder.create(stack, spec.id() + "Function")
                .description(spec.description())
                .runtime(Runtime.JAVA_21)
                .architecture(settings.arm64() ? Architecture.ARM_64 : Architecture.X86_64)
                .handler(spec.handler())
                .code(code)
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
        Alias alias = Alias.Builder.create(stack, spec.id() + "Alias")
                .aliasName(ALIAS_NAME)
                .version(function.getCurrentVersion())
                .build();
        aliases.put(spec, alias);
        roles.put(spec, role);
        logGroups.put(spec, logs);
        return alias;
    }

    private void allowOnProject(Alias function, String... actions) {
        function.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of(actions))
                .resources(List.of(build.project().getProjectArn()))
                .build());
    }

    /**
     * EventBridge hands the event to Lambda and is done: an exception in the function (SQS throttling, a
     * DynamoDB error) is retried by Lambda and then dropped, and the event-delivery DLQ never sees it. The
     * on-failure destination keeps the event, with the error, for a replay.
     */
    private void keepFailedEvents(Alias alias) {
        alias.configureAsyncInvoke(EventInvokeConfigOptions.builder()
                .onFailure(new SqsDestination(state.invocationFailures()))
                .retryAttempts(ASYNC_RETRY_ATTEMPTS)
                .maxEventAge(EventRules.MAX_EVENT_AGE)
                .build());
    }

    private String queueUrl() {
        return state.queue().getQueueUrl();
    }

    private String tableName() {
        return state.table().getTableName();
    }

    private String projectName() {
        return build.project().getProjectName();
    }
}
