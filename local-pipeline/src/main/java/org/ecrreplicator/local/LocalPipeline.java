package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.contract.Artifacts;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.engines.DynamoDbLocalEngine;
import org.ecrreplicator.engines.ElasticMqEngine;
import org.ecrreplicator.engines.LocalCloudFormation;
import org.ecrreplicator.engines.LocalCloudWatch;
import org.ecrreplicator.engines.LocalCodeBuild;
import org.ecrreplicator.engines.LocalEcrApi;
import org.ecrreplicator.engines.LocalEventBridge;
import org.ecrreplicator.engines.LocalSecretsManager;
import org.ecrreplicator.engines.LocalStateTable;
import org.ecrreplicator.engines.OutageRelay;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SystemProperties;
import org.ecrreplicator.functions.CompletionHandler;
import org.ecrreplicator.functions.DispatchHandler;
import org.ecrreplicator.functions.EnqueueHandler;
import org.ecrreplicator.functions.FunctionsConfig;
import org.ecrreplicator.functions.SweepHandler;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * The whole replication pipeline on one machine, with no AWS account: ECR-shaped events go through the real
 * Enqueue handler into an ElasticMQ FIFO queue, an SQS event-source poller feeds the real Dispatch handler,
 * which starts executions of the real {@code statemachine/replicate.asl.json} in the Step Functions stand-in;
 * its tasks call the real handlers, StartBuild starts builds in the CodeBuild stand-in, which runs the real
 * {@code buildspec.yml} with the worker jar against two real registries, and each build's state-change event
 * goes to the real Completion handler. Per-tag state lives in DynamoDB Local; the destination secret in the
 * Secrets Manager stand-in.
 */
public final class LocalPipeline implements AutoCloseable {
    public static final String REGION = "us-east-1";
    public static final String ACCOUNT = "123456789012";
    public static final String DESTINATION_REGION = "us-gov-west-1";
    /** The destination account the secret names. */
    public static final String DESTINATION_ACCOUNT = "444455556666";
    /** The topic the stack's alarms notify (nothing is ever sent to it here). */
    public static final String ALARM_TOPIC = "arn:aws:sns:us-east-1:123456789012:ecr-replicator-local-alarms";

    public static final String TABLE = "replicator-state";
    public static final String SECRET_NAME = "replicator/destination";
    public static final String PROJECT = "replicator-copy";
    /** Tags per reconcile shard: small, so that a handful of tags makes several shards (the stack's default is 500). */
    public static final int RECONCILE_SHARD_SIZE = 4;
    /** Reconcile shard builds at once. */
    public static final int RECONCILE_CONCURRENCY = 2;
    /** The replication stack the CloudFormation stand-in describes, as {@code --env local} names it. */
    public static final String STACK = StackOutputs.replicationStackName("local");
    /** Obviously fake keys from the AWS documentation: the local destination registry takes no credentials. */
    public static final String FAKE_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";

    public static final String FAKE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param sourceAuthority null: start a registry
     * @param destinationAuthority null: start a registry
     * @param workerJar the worker's shaded jar, which the buildspec runs
     * @param concurrentBuilds the CodeBuild project's concurrent-build limit
     * @param leaseWait the pause of the workflow's Wait state (the ASL says 30 s; a demo needs less)
     * @param retryPause the pause before every Retry (the ASL's backoff; tests make it short), and between
     *     Lambda's retries of an asynchronous invocation
     * @param progress one line per step of every execution, for a person watching
     * @param replicateDeletes the stack setting: builds remove what the source no longer has
     * @param copyReferrers the stack setting: referrers travel with their subject
     * @param sweepInterval how often the sweep looks for builds whose completion was lost (5 minutes on AWS)
     * @param reconcileShardSize tags per reconcile shard ({@link #RECONCILE_SHARD_SIZE} unless a benchmark asks)
     */
    public record Settings(
            String sourceAuthority,
            String destinationAuthority,
            Path repoRoot,
            Path workerJar,
            int concurrentBuilds,
            Duration leaseWait,
            Duration retryPause,
            Consumer<String> progress,
            boolean replicateDeletes,
            boolean copyReferrers,
            Duration sweepInterval,
            int reconcileShardSize) {

        /** Deletes and referrers replicate, as the stacks deploy by default; the sweep runs every 10 s. */
        public Settings(
                String sourceAuthority,
                String destinationAuthority,
                Path repoRoot,
                Path workerJar,
                int concurrentBuilds,
                Duration leaseWait,
                Duration retryPause,
                Consumer<String> progress) {
            this(
                    sourceAuthority,
                    destinationAuthority,
                    repoRoot,
                    workerJar,
                    concurrentBuilds,
                    leaseWait,
                    retryPause,
                    progress,
                    true,
                    true,
                    Duration.ofSeconds(10),
                    RECONCILE_SHARD_SIZE);
        }

        public Settings withSweepInterval(Duration value) {
            return new Settings(
                    sourceAuthority,
                    destinationAuthority,
                    repoRoot,
                    workerJar,
                    concurrentBuilds,
                    leaseWait,
                    retryPause,
                    progress,
                    replicateDeletes,
                    copyReferrers,
                    value,
                    reconcileShardSize);
        }

        public Settings withReconcileShardSize(int value) {
            return new Settings(
                    sourceAuthority,
                    destinationAuthority,
                    repoRoot,
                    workerJar,
                    concurrentBuilds,
                    leaseWait,
                    retryPause,
                    progress,
                    replicateDeletes,
                    copyReferrers,
                    sweepInterval,
                    value);
        }
    }

    private final Settings settings;
    private final List<AutoCloseable> resources = new ArrayList<>();
    private final SystemProperties properties = new SystemProperties();
    private final List<String> sweepErrors = new CopyOnWriteArrayList<>();
    private final RegistryProbe probe = new RegistryProbe();

    private RegistryProcess ownSource;
    private RegistryProcess ownDestination;
    private String sourceAuthority;
    private String destinationAuthority;
    private ElasticMqEngine sqsEngine;
    private ElasticMqEngine.FifoQueue queue;
    private SqsClient sqs;
    private LocalCodeBuild codeBuild;
    private LocalStepFunctions reconcile;
    private LocalStepFunctions stepFunctions;
    private AsyncInvocation enqueue;
    private AsyncInvocation completion;
    private LocalFunction sweep;
    private OutageRelay sqsRelay;
    private OutageRelay stepFunctionsRelay;
    private String invocationFailureQueueUrl;
    private java.util.concurrent.ScheduledExecutorService sweeper;
    private Path scratch;
    private final Map<String, String> operatorEnvironment = new LinkedHashMap<>();

    private LocalPipeline(Settings settings) {
        this.settings = settings;
    }

    /** Starts every engine and stand-in on loopback with ports chosen now; {@link #close()} stops them all. */
    public static LocalPipeline start(Settings settings) {
        LocalPipeline pipeline = new LocalPipeline(settings);
        try {
            pipeline.startAll();
            return pipeline;
        } catch (RuntimeException | IOException e) {
            pipeline.close();
            if (e instanceof IOException io) {
                throw new UncheckedIOException(io);
            }
            throw (RuntimeException) e;
        }
    }

    private void startAll() throws IOException {
        if (!Files.isRegularFile(settings.workerJar())) {
            throw new IllegalStateException("the worker jar " + settings.workerJar()
                    + " is missing: build it with `mvn -pl worker -am package -DskipTests`");
        }
        scratch = Files.createTempDirectory("replicator-demo-");
        settings.progress().accept("starting registries, DynamoDB Local, ElasticMQ and the AWS stand-ins on 127.0.0.1");
        if (settings.sourceAuthority() == null) {
            ownSource = track(RegistryProcess.startAnonymous());
            sourceAuthority = ownSource.authority();
        } else {
            sourceAuthority = settings.sourceAuthority();
        }
        if (settings.destinationAuthority() == null) {
            ownDestination = track(RegistryProcess.startAnonymous());
            destinationAuthority = ownDestination.authority();
        } else {
            destinationAuthority = settings.destinationAuthority();
        }

        DynamoDbLocalEngine dynamo = track(DynamoDbLocalEngine.start());
        sqsEngine = track(ElasticMqEngine.start());
        sqs = sqsEngine.client();
        queue = sqsEngine.createFifoQueueWithDeadLetterQueue("replication", 3, Duration.ofSeconds(60));
        // The stack's on-failure destination of the asynchronously invoked functions (Enqueue, Completion).
        invocationFailureQueueUrl = sqs.createQueue(create -> create.queueName("invocation-failures"))
                .queueUrl();
        // The functions reach SQS and Step Functions through relays that a test can cut, as an outage would.
        sqsRelay = track(new OutageRelay(sqsEngine.endpoint()));
        LocalSecretsManager secrets = track(new LocalSecretsManager(REGION, ACCOUNT));
        String secretArn = secrets.put(
                SECRET_NAME,
                "{\"user\":\"replicator-demo\",\"accesskey\":\"" + FAKE_ACCESS_KEY + "\",\"secretaccesskey\":\""
                        + FAKE_SECRET_KEY + "\",\"partition\":\"aws-us-gov\",\"accountid\":\"" + DESTINATION_ACCOUNT
                        + "\"}");
        LocalLambda lambda = track(new LocalLambda(REGION, ACCOUNT));

        Path project = Files.createDirectories(scratch.resolve("codebuild-source"));
        Files.copy(settings.repoRoot().resolve("buildspec.yml"), project.resolve("buildspec.yml"));
        Files.createSymbolicLink(
                project.resolve(Artifacts.STAGED_WORKER_JAR),
                settings.workerJar().toAbsolutePath());
        SecretsManagerClient secretsClient = track(SecretsManagerClient.builder()
                .endpointOverride(secrets.endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(fakeCredentials())
                .httpClient(UrlConnectionHttpClient.create())
                .build());
        codeBuild = track(new LocalCodeBuild(
                new LocalCodeBuild.Project(
                        PROJECT,
                        project,
                        // The builds read and write the state table (decisions 0068, 0072): the build's role on
                        // AWS, DynamoDB Local here.
                        Map.of(
                                // As the stack's project does: buildspec.yml checks the staged jar against it.
                                BuildVariables.WORKER_JAR_SHA256,
                                Sha256.ofFile(settings.workerJar()),
                                // As the stack's project does: the shared blob index (decision 0072).
                                BuildVariables.TABLE_NAME,
                                TABLE,
                                "AWS_ENDPOINT_URL_DYNAMODB",
                                dynamo.endpoint().toString(),
                                "AWS_ACCESS_KEY_ID",
                                FAKE_ACCESS_KEY,
                                "AWS_SECRET_ACCESS_KEY",
                                "local-demo-credentials-not-checked"),
                        settings.concurrentBuilds(),
                        Duration.ofMinutes(10)),
                reference -> resolveSecret(secretsClient, reference),
                this::deliverBuildEvent,
                REGION,
                ACCOUNT));

        stepFunctions = track(LocalStepFunctions.builder()
                .repoRoot(settings.repoRoot())
                .lambda(lambda)
                .stateMachineArn("arn:aws:states:" + REGION + ":" + ACCOUNT + ":stateMachine:replicate")
                .substitutions(WorkflowFunctions.substitutions(lambda, Duration.ofSeconds(30), Duration.ofSeconds(900)))
                // Executions waiting for a lease keep their interpreter (an idle Node process): a low cap would
                // queue every other execution behind them, which Step Functions never does.
                .maxRunningInterpreters(32)
                .waitOverride(settings.leaseWait())
                .retryOverride(settings.retryPause())
                .build());
        reconcile = track(LocalStepFunctions.builder()
                .repoRoot(settings.repoRoot())
                .lambda(lambda)
                .alongside(stepFunctions)
                .definition(settings.repoRoot().resolve("statemachine/reconcile.asl.json"))
                .stateMachineArn("arn:aws:states:" + REGION + ":" + ACCOUNT + ":stateMachine:reconcile")
                .substitutions(WorkflowFunctions.reconcileSubstitutions(
                        lambda, RECONCILE_CONCURRENCY, Duration.ofSeconds(900)))
                .maxRunningInterpreters(4)
                .retryOverride(settings.retryPause())
                .build());

        // The handlers build their SDK clients through the standard providers, which read these properties:
        // the same code that runs in Lambda, pointed at the local endpoints.
        properties.set("aws.region", REGION);
        properties.set("aws.accessKeyId", FAKE_ACCESS_KEY);
        properties.set("aws.secretAccessKey", "local-demo-credentials-not-checked");
        properties.set("aws.endpointUrlDynamoDb", dynamo.endpoint().toString());
        properties.set("aws.endpointUrlSqs", sqsRelay.endpoint().toString());
        properties.set("aws.endpointUrlSecretsManager", secrets.endpoint().toString());
        properties.set("aws.endpointUrlCodeBuild", codeBuild.endpoint().toString());
        stepFunctionsRelay = track(new OutageRelay(stepFunctions.endpoint()));
        properties.set("aws.endpointUrlSfn", stepFunctionsRelay.endpoint().toString());

        try (DynamoDbClient dynamoClient = DynamoDbClient.builder()
                .endpointOverride(dynamo.endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(fakeCredentials())
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
            LocalStateTable.create(dynamoClient, TABLE, StateTable.KEY);
        }

        Map<String, String> environment = new LinkedHashMap<>();
        environment.put(FunctionEnvironment.TABLE_NAME, TABLE);
        environment.put(FunctionEnvironment.QUEUE_URL, queue.url());
        environment.put(FunctionEnvironment.STATE_MACHINE_ARN, stepFunctions.stateMachineArn());
        environment.put(FunctionEnvironment.SECRET_ID, SECRET_NAME);
        environment.put(FunctionEnvironment.DESTINATION_REGION, DESTINATION_REGION);
        environment.put(FunctionEnvironment.BUILD_PROJECT_NAME, PROJECT);
        environment.put(FunctionEnvironment.LEASE_SECONDS, "1200");
        environment.put(FunctionEnvironment.MAX_LEASE_WAITS, "400");
        environment.put(FunctionEnvironment.AWS_REGION, REGION);
        environment.put(FunctionEnvironment.SOURCE_REGISTRY, sourceAuthority);
        environment.put(FunctionEnvironment.DESTINATION_REGISTRY, destinationAuthority);
        environment.put(FunctionEnvironment.REGISTRY_INSECURE, "true");
        environment.put(FunctionEnvironment.REPLICATE_DELETES, String.valueOf(settings.replicateDeletes()));
        environment.put(FunctionEnvironment.COPY_REFERRERS, String.valueOf(settings.copyReferrers()));
        // The task timeout of both workflows' build states here (their substitutions above).
        environment.put(FunctionEnvironment.SWEEP_LOOKBACK_SECONDS, "900");
        environment.put(FunctionEnvironment.BUILD_TASK_TIMEOUT_SECONDS, "900");
        // Builds here end in seconds, and Completion runs at once: the sweep need not wait a minute.
        environment.put(FunctionEnvironment.SWEEP_GRACE_SECONDS, "1");
        environment.put(FunctionEnvironment.RECONCILE_SHARD_SIZE, Integer.toString(settings.reconcileShardSize()));
        environment.put(FunctionEnvironment.STACK_NAME, STACK);
        FunctionsConfig config = FunctionsConfig.from(environment);

        WorkflowFunctions.register(lambda, config);
        enqueue = new AsyncInvocation(
                lambda.functionArn("replicator-enqueue") + ":live",
                LambdaHandlers.adapt(new EnqueueHandler(config)),
                settings.retryPause(),
                this::sendInvocationFailure);
        completion = new AsyncInvocation(
                lambda.functionArn("replicator-completion") + ":live",
                LambdaHandlers.adapt(new CompletionHandler(config)),
                settings.retryPause(),
                this::sendInvocationFailure);
        sweep = LambdaHandlers.adapt(new SweepHandler(config));
        sweeper = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sweep-schedule");
            thread.setDaemon(true);
            return thread;
        });
        long every = settings.sweepInterval().toMillis();
        sweeper.scheduleWithFixedDelay(this::runSweep, every, every, java.util.concurrent.TimeUnit.MILLISECONDS);

        // The stack's outputs for its local resources, so that operator commands find this pipeline as they find
        // a deployed one. Nothing writes to the event-delivery queue here (events go straight to Enqueue), but
        // the key exists, as on the stack.
        String eventDeliveryDeadLetters = sqs.createQueue(create -> create.queueName("event-delivery-dead-letters"))
                .queueUrl();
        // What replicator doctor reads besides the outputs: the stack's rules and alarms, through its resources
        // (their stand-ins only describe them: events reach Enqueue directly, nothing evaluates an alarm), and
        // the destination's ECR API, where the secret's keys are tried, when this pipeline runs that registry.
        LocalEventBridge events = track(new LocalEventBridge(REGION, ACCOUNT));
        LocalCloudWatch alarms = track(new LocalCloudWatch(REGION, ACCOUNT));
        List<LocalCloudFormation.Resource> resources = new ArrayList<>();
        for (String rule : List.of("ImageActionRule", "BuildCompletionRule", "SweepSchedule")) {
            String name = STACK + "-" + rule;
            events.putRule(
                    rule.endsWith("Schedule")
                            ? LocalEventBridge.Rule.onSchedule(name, "rate(5 minutes)")
                            : LocalEventBridge.Rule.forEvents(name, "{\"source\":[\"aws.ecr\",\"aws.codebuild\"]}"));
            resources.add(new LocalCloudFormation.Resource(rule, name, "AWS::Events::Rule"));
        }
        for (String alarm :
                List.of("DeadLetterAlarm", "EventDeadLetterAlarm", "InvocationFailureAlarm", "FailedExecutionsAlarm")) {
            String name = STACK + "-" + alarm;
            alarms.putAlarm(LocalCloudWatch.Alarm.of(name, List.of(ALARM_TOPIC)));
            resources.add(new LocalCloudFormation.Resource(alarm, name, "AWS::CloudWatch::Alarm"));
        }
        if (ownDestination != null) {
            // The destination registry takes anyone: the token's password is never checked.
            // It mounts blobs across repositories (distribution does), so it says BLOB_MOUNTING is enabled.
            LocalEcrApi destinationApi =
                    track(new LocalEcrApi(ownDestination, "anonymous", DESTINATION_ACCOUNT, DESTINATION_REGION)
                            .blobMounting(true));
            operatorEnvironment.put(
                    "AWS_ENDPOINT_URL_ECR", destinationApi.endpoint().toString());
        }
        operatorEnvironment.put(
                "AWS_ENDPOINT_URL_EVENTBRIDGE", events.endpoint().toString());
        operatorEnvironment.put("AWS_ENDPOINT_URL_CLOUDWATCH", alarms.endpoint().toString());
        LocalCloudFormation cloudFormation = track(new LocalCloudFormation(REGION, ACCOUNT));
        Map<String, String> outputs = new LinkedHashMap<>();
        outputs.put(StackOutputs.DESTINATION_SECRET_ID, secretArn);
        outputs.put(StackOutputs.QUEUE_URL, queue.url());
        outputs.put(StackOutputs.STATE_MACHINE_ARN, stepFunctions.stateMachineArn());
        outputs.put(StackOutputs.BUILD_PROJECT_NAME, PROJECT);
        outputs.put(StackOutputs.TABLE_NAME, TABLE);
        outputs.put(StackOutputs.INVOCATION_FAILURE_QUEUE_URL, invocationFailureQueueUrl);
        outputs.put(StackOutputs.DEAD_LETTER_QUEUE_URL, queue.deadLetterUrl());
        outputs.put(StackOutputs.EVENT_DELIVERY_DEAD_LETTER_QUEUE_URL, eventDeliveryDeadLetters);
        outputs.put(StackOutputs.RECONCILE_STATE_MACHINE_ARN, reconcile.stateMachineArn());
        outputs.put(StackOutputs.DESTINATION_REGION, DESTINATION_REGION);
        // Every repository replicates here.
        outputs.put(StackOutputs.REPOSITORY_FILTER, StackOutputs.repositoryFilter("wildcard", List.of("*")));
        outputs.put(StackOutputs.DESTINATION_ACCESS_STACK_NAME, "ecr-replicator-local-destination-access");
        cloudFormation.putStack(STACK, outputs, resources);
        // What an operator's shell needs to reach all of it through the SDK's standard settings: the operator's
        // clients go to the engines directly, not through the relays a test cuts.
        operatorEnvironment.put(
                "AWS_ENDPOINT_URL_CLOUDFORMATION", cloudFormation.endpoint().toString());
        operatorEnvironment.put("AWS_ENDPOINT_URL_DYNAMODB", dynamo.endpoint().toString());
        operatorEnvironment.put("AWS_ENDPOINT_URL_SFN", stepFunctions.endpoint().toString());
        operatorEnvironment.put("AWS_ENDPOINT_URL_SQS", sqsEngine.endpoint().toString());
        operatorEnvironment.put(
                "AWS_ENDPOINT_URL_SECRETS_MANAGER", secrets.endpoint().toString());
        operatorEnvironment.put(
                "AWS_ENDPOINT_URL_CODEBUILD", codeBuild.endpoint().toString());
        operatorEnvironment.put("AWS_REGION", REGION);
        operatorEnvironment.put("AWS_ACCESS_KEY_ID", FAKE_ACCESS_KEY);
        operatorEnvironment.put("AWS_SECRET_ACCESS_KEY", "local-demo-credentials-not-checked");
        operatorEnvironment.put("REPLICATOR_STACK", STACK);

        track(new SqsEventSource(
                sqs,
                queue.url(),
                queue.arn(),
                REGION,
                "replicator-dispatch",
                new DispatchHandler(config),
                settings.progress()));
    }

    public String sourceAuthority() {
        return sourceAuthority;
    }

    public String destinationAuthority() {
        return destinationAuthority;
    }

    public RegistryProcess ownSource() {
        return ownSource;
    }

    public RegistryProcess ownDestination() {
        return ownDestination;
    }

    public LocalStepFunctions stepFunctions() {
        return stepFunctions;
    }

    /** Every {@code repository:tag} the source holds now (a small registry: one page). */
    public List<String> sourceTags() {
        return probe.tags(sourceAuthority);
    }

    /** The reconcile state machine, served by {@link #stepFunctions()}'s API. */
    public LocalStepFunctions reconcile() {
        return reconcile;
    }

    public LocalCodeBuild codeBuild() {
        return codeBuild;
    }

    public Path scratch() {
        return scratch;
    }

    /**
     * The variables that point an operator's AWS SDK (and the AWS CLI) at this pipeline: endpoints, region,
     * obviously fake credentials, and {@code REPLICATOR_STACK}, the stack name to pass with {@code --stack}.
     */
    public Map<String, String> operatorEnvironment() {
        return Map.copyOf(operatorEnvironment);
    }

    /**
     * Writes {@link #operatorEnvironment()} as {@code NAME=value} lines to {@code environment.env} in the scratch
     * directory, which goes when the pipeline stops: a file left behind would point at closed ports. Returns it.
     */
    public Path writeOperatorEnvironment() throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("# replicator demo --keep: valid while the demo runs. set -a; . THIS_FILE; set +a");
        operatorEnvironment.forEach((name, value) -> lines.add(name + "=" + value));
        return Files.write(scratch.resolve("environment.env"), lines);
    }

    /** Runs of the scheduled sweep that failed, with their errors (a sweep during an outage fails, say). */
    public List<String> sweepErrors() {
        return List.copyOf(sweepErrors);
    }

    /**
     * Delivers one EventBridge event to the Enqueue function, as the rule's target does: asynchronously, so an
     * invocation that keeps failing ends on the on-failure queue (see {@link #invocationFailures()}).
     */
    public void deliverEvent(String eventJson) {
        JsonNode event;
        try {
            event = JSON.readTree(eventJson);
        } catch (IOException notJson) {
            // Only a producer outside EventBridge can send text that is not JSON: it arrives as a string.
            event = com.fasterxml.jackson.databind.node.TextNode.valueOf(eventJson);
        }
        enqueue.invoke(event);
    }

    /** Cuts the functions' connections to SQS until the returned outage is closed. */
    public OutageRelay.Outage sqsOutage() {
        return sqsRelay.begin();
    }

    /** Cuts the functions' connections to Step Functions' API until the returned outage is closed. */
    public OutageRelay.Outage stepFunctionsOutage() {
        return stepFunctionsRelay.begin();
    }

    /** Runs the sweep now, as its schedule would; returns its output. */
    public JsonNode sweepNow() throws Exception {
        return sweep.invoke(com.fasterxml.jackson.databind.node.NullNode.getInstance());
    }

    private void runSweep() {
        try {
            sweep.invoke(com.fasterxml.jackson.databind.node.NullNode.getInstance());
        } catch (Exception e) {
            sweepErrors.add(e.toString());
            settings.progress().accept("sweep failed: " + e.getMessage());
        }
    }

    /**
     * The on-failure destination records waiting on the queue (Lambda's record: {@code requestContext},
     * {@code requestPayload}, {@code responsePayload}), read without taking them off it, as an operator's look
     * would. The alarm on the queue fires while this is not empty.
     */
    public List<JsonNode> invocationFailures() {
        List<JsonNode> records = new ArrayList<>();
        for (Message message : sqs.receiveMessage(request -> request.queueUrl(invocationFailureQueueUrl)
                        .maxNumberOfMessages(10)
                        .visibilityTimeout(0))
                .messages()) {
            try {
                records.add(JSON.readTree(message.body()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return records;
    }

    /** The on-failure queue's depth: the metric its alarm watches. */
    public int invocationFailureQueueDepth() {
        return queueDepth(invocationFailureQueueUrl);
    }

    /** Empties the on-failure queue, as an operator does once every record has been replayed. */
    public void purgeInvocationFailures() {
        sqs.purgeQueue(request -> request.queueUrl(invocationFailureQueueUrl));
    }

    public String invocationFailureQueueUrl() {
        return invocationFailureQueueUrl;
    }

    private void sendInvocationFailure(String record) {
        sqs.sendMessage(message -> message.queueUrl(invocationFailureQueueUrl).messageBody(record));
    }

    /** Sends a raw body to the queue, bypassing Enqueue: what a misbehaving producer could do. */
    public void sendRawMessage(String body, String groupId, String deduplicationId) {
        sqs.sendMessage(message -> message.queueUrl(queue.url())
                .messageBody(body)
                .messageGroupId(groupId)
                .messageDeduplicationId(deduplicationId));
    }

    /** The replication queue's dead-letter queue (the stack output {@code DeadLetterQueueUrl}). */
    public String deadLetterQueueUrl() {
        return queue.deadLetterUrl();
    }

    public int deadLetterQueueDepth() {
        return queueDepth(queue.deadLetterUrl());
    }

    public int queueDepth() {
        return queueDepth(queue.url());
    }

    private int queueDepth(String url) {
        Map<QueueAttributeName, String> attributes = sqs.getQueueAttributes(request -> request.queueUrl(url)
                        .attributeNames(
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                                QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE))
                .attributes();
        return Integer.parseInt(attributes.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES, "0"))
                + Integer.parseInt(
                        attributes.getOrDefault(QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE, "0"));
    }

    /**
     * Waits until the queue is empty, no build runs and every execution has ended; polls with a deadline.
     *
     * @return false when the deadline passed first
     */
    public boolean awaitQuiet(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        int quietRounds = 0;
        while (Instant.now().isBefore(deadline)) {
            boolean quiet = queueDepth() == 0
                    && codeBuild.activeBuilds() == 0
                    && stepFunctions.executions().stream()
                            .noneMatch(execution -> execution.status() == LocalStepFunctions.Status.RUNNING);
            // Two quiet looks in a row: a message between receive and StartExecution is neither queued nor running.
            quietRounds = quiet ? quietRounds + 1 : 0;
            if (quietRounds >= 2) {
                return true;
            }
            pause(Duration.ofMillis(100));
        }
        return false;
    }

    /** EventBridge delivers each build's state change to the Completion function asynchronously. */
    private void deliverBuildEvent(String event) {
        try {
            completion.invoke(JSON.readTree(event));
        } catch (IOException e) {
            throw new UncheckedIOException("CodeBuild's event is not JSON", e);
        }
    }

    /** CodeBuild's {@code SECRETS_MANAGER} reference: {@code secret-id:json-key[:stage[:version]]}, id may be an ARN. */
    static String resolveSecret(SecretsManagerClient client, String reference) {
        String[] parts = reference.split(":");
        int idParts = reference.startsWith("arn:") ? 7 : 1;
        if (parts.length <= idParts) {
            throw new IllegalArgumentException("reference has no JSON key: expected secret-id:json-key");
        }
        String secretId = String.join(":", java.util.Arrays.copyOfRange(parts, 0, idParts));
        String key = parts[idParts];
        // CodeBuild's secret-id:json-key:version-stage:version-id: an empty part is left out of the request.
        String stage = parts.length > idParts + 1 && !parts[idParts + 1].isEmpty() ? parts[idParts + 1] : null;
        String versionId = parts.length > idParts + 2 && !parts[idParts + 2].isEmpty() ? parts[idParts + 2] : null;
        String secretString = client.getSecretValue(request ->
                        request.secretId(secretId).versionStage(stage).versionId(versionId))
                .secretString();
        try {
            JsonNode value = JSON.readTree(secretString).get(key);
            if (value == null || !value.isTextual()) {
                throw new IllegalArgumentException("secret " + secretId + " has no key " + key);
            }
            return value.textValue();
        } catch (IOException e) {
            throw new IllegalArgumentException("secret " + secretId + " is not a JSON object");
        }
    }

    /** One row per tag the given requests touched: what each registry holds now and what the pipeline did. */
    public ConvergenceReport report(List<ReplicationRequest> requests) {
        return report(requests, List.of(), "no execution");
    }

    /**
     * The same, with a row also for each of {@code moreTags} ({@code repository:tag}, e.g. every tag a reconcile
     * compared); a tag no event execution touched reads {@code untouched} as its outcome.
     */
    public ConvergenceReport report(List<ReplicationRequest> requests, List<String> moreTags, String untouched) {
        Map<String, String[]> tags = new java.util.TreeMap<>();
        for (ReplicationRequest request : requests) {
            if (request.tag() != null) {
                tags.putIfAbsent(request.imageKey(), new String[] {request.repository(), request.tag()});
            }
        }
        for (String key : moreTags) {
            int colon = key.lastIndexOf(':');
            tags.putIfAbsent(key, new String[] {key.substring(0, colon), key.substring(colon + 1)});
        }
        // One pass over builds and executions, grouped by tag: each request is parsed once.
        Map<String, Integer> builds = new HashMap<>();
        for (LocalCodeBuild.Build build : codeBuild.builds()) {
            String key = imageKeyOf(build.plaintextVariable(BuildVariables.REPLICATION_REQUEST));
            if (key != null) {
                builds.merge(key, 1, Integer::sum);
            }
        }
        Map<String, Integer> transitions = new HashMap<>();
        Map<String, LocalStepFunctions.ExecutionView> latest = new HashMap<>();
        Map<String, Instant> latestTime = new HashMap<>();
        for (LocalStepFunctions.ExecutionView execution : stepFunctions.executions()) {
            ReplicationRequest executed = requestOf(execution.input());
            if (executed == null || !tags.containsKey(executed.imageKey())) {
                continue;
            }
            String key = executed.imageKey();
            transitions.merge(key, stepFunctions.stateTransitions(execution.executionArn()), Integer::sum);
            if (!executed.eventTime().isBefore(latestTime.getOrDefault(key, Instant.MIN))) {
                latestTime.put(key, executed.eventTime());
                latest.put(key, execution);
            }
        }
        List<ConvergenceReport.Row> rows = new ArrayList<>();
        for (Map.Entry<String, String[]> tag : tags.entrySet()) {
            String key = tag.getKey();
            String repository = tag.getValue()[0];
            String name = tag.getValue()[1];
            rows.add(new ConvergenceReport.Row(
                    repository,
                    name,
                    digestOrUnreachable(sourceAuthority, repository, name),
                    digestOrUnreachable(destinationAuthority, repository, name),
                    latest.containsKey(key) ? outcome(latest.get(key)) : untouched,
                    builds.getOrDefault(key, 0),
                    transitions.getOrDefault(key, 0)));
        }
        return new ConvergenceReport(rows);
    }

    /** What the table shows for a registry that cannot be asked: the report is printed whatever failed. */
    static final String UNREACHABLE = "unreachable";

    private String digestOrUnreachable(String authority, String repository, String tag) {
        try {
            return probe.digest(authority, repository, tag);
        } catch (IllegalStateException e) {
            return UNREACHABLE;
        }
    }

    /** The longest cause the table shows: the worker's line comes first, the build's log after it. */
    private static final int MAX_OUTCOME_CAUSE = 160;

    static String outcome(LocalStepFunctions.ExecutionView execution) {
        if (execution == null) {
            return "no execution";
        }
        if (execution.status() != LocalStepFunctions.Status.SUCCEEDED) {
            String cause = execution.cause() == null ? "" : execution.cause().strip();
            if (cause.length() > MAX_OUTCOME_CAUSE) {
                cause = cause.substring(0, MAX_OUTCOME_CAUSE - 3) + "...";
            }
            return execution.status().name().toLowerCase(java.util.Locale.ROOT) + ": " + execution.error()
                    + (cause.isEmpty() ? "" : " (" + cause + ")");
        }
        JsonNode output = execution.outputJson();
        return output.path("outcome").asText("succeeded");
    }

    private static String imageKeyOf(String requestJson) {
        ReplicationRequest request = requestOf(requestJson);
        return request == null ? null : request.imageKey();
    }

    private static ReplicationRequest requestOf(String json) {
        if (json == null) {
            return null;
        }
        try {
            return ReplicationRequest.fromJson(json);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static StaticCredentialsProvider fakeCredentials() {
        return StaticCredentialsProvider.create(
                AwsBasicCredentials.create(FAKE_ACCESS_KEY, "local-demo-credentials-not-checked"));
    }

    private <T extends AutoCloseable> T track(T resource) {
        resources.add(resource);
        return resource;
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (sweeper != null) {
            sweeper.shutdownNow();
        }
        for (int i = resources.size() - 1; i >= 0; i--) {
            try {
                resources.get(i).close();
            } catch (Exception e) {
                // keep stopping the rest
            }
        }
        properties.restore();
        if (scratch != null) {
            RegistryProcess.deleteTree(scratch);
        }
    }
}
