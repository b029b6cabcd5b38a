package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.engines.DynamoDbLocalEngine;
import org.ecrreplicator.engines.ElasticMqEngine;
import org.ecrreplicator.engines.LocalCloudFormation;
import org.ecrreplicator.engines.LocalCloudFormation.Resource;
import org.ecrreplicator.engines.LocalCloudWatch;
import org.ecrreplicator.engines.LocalEcrApi;
import org.ecrreplicator.engines.LocalEventBridge;
import org.ecrreplicator.engines.LocalSecretsManager;
import org.ecrreplicator.engines.LocalStateTable;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SystemProperties;
import org.ecrreplicator.state.DynamoReconcileStore;
import org.ecrreplicator.worker.doctor.Doctor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * {@code replicator doctor} in process against a deployment made of local engines (DynamoDB Local, ElasticMQ, a
 * registry behind the ECR stand-in) and the stand-ins for CloudFormation, Secrets Manager, EventBridge and
 * CloudWatch. The command builds its clients as on an operator's machine; the SDK's own settings (the system
 * properties behind {@code AWS_ENDPOINT_URL_<SERVICE>} and {@code AWS_ACCESS_KEY_ID}) point them at loopback. Each
 * scenario is a stack of its own whose outputs and resources differ from the healthy one in one thing.
 */
class DoctorIT {
    private static final String REGION = "us-east-1";
    private static final String DESTINATION_REGION = "us-gov-west-1";
    private static final String ACCOUNT = "123456789012";
    private static final String DESTINATION_ACCOUNT = "444455556666";
    // The AWS documentation's example keys: fake.
    private static final String SOURCE_KEY = "AKIAIOSFODNN7EXAMPLE";
    private static final String SOURCE_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final String GOV_KEY = "AKIAI44QH8DHBEXAMPLE";
    private static final String GOV_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
    private static final String TOPIC = "arn:aws:sns:us-east-1:123456789012:replication-alarms";
    private static final String HEALTHY = StackOutputs.replicationStackName("doctorit");
    private static final String DESTINATION_ACCESS = "ecr-replicator-doctorit-destination-access";
    private static final SystemProperties properties = new SystemProperties();

    private static DynamoDbLocalEngine dynamoEngine;
    private static ElasticMqEngine sqsEngine;
    private static RegistryProcess registry;
    private static LocalEcrApi ecr;
    private static LocalSecretsManager secrets;
    private static LocalCloudFormation cloudFormation;
    private static LocalEventBridge events;
    private static LocalCloudWatch cloudWatch;
    private static DynamoDbClient dynamo;
    private static Map<String, String> healthyOutputs;
    private static List<Resource> healthyResources;

    @TempDir
    static Path files;

    @BeforeAll
    static void start() throws IOException {
        dynamoEngine = DynamoDbLocalEngine.start();
        sqsEngine = ElasticMqEngine.start();
        registry = RegistryProcess.builder()
                .htpasswd("AWS", "fake-gov-registry-password")
                .start();
        // The destination partition's ECR: it knows only the destination user's key, and the user's policy covers
        // the replicated prefix only.
        ecr = new LocalEcrApi(registry, "fake-gov-registry-password", DESTINATION_ACCOUNT, DESTINATION_REGION)
                .acceptOnly(GOV_KEY)
                .allowRepositories("team/*")
                .blobMounting(true);
        // The secret lives in the source partition: only the source keys read it.
        secrets = new LocalSecretsManager(REGION, ACCOUNT).acceptOnly(SOURCE_KEY);
        cloudFormation = new LocalCloudFormation(REGION, ACCOUNT);
        events = new LocalEventBridge(REGION, ACCOUNT);
        cloudWatch = new LocalCloudWatch(REGION, ACCOUNT);
        dynamo = DynamoDbClient.builder()
                .endpointOverride(dynamoEngine.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(SOURCE_KEY, SOURCE_SECRET)))
                .httpClient(UrlConnectionHttpClient.create())
                .build();

        properties.set(
                "aws.endpointUrlCloudFormation", cloudFormation.endpoint().toString());
        properties.set("aws.endpointUrlDynamoDb", dynamoEngine.endpoint().toString());
        properties.set("aws.endpointUrlSqs", sqsEngine.endpoint().toString());
        properties.set("aws.endpointUrlSecretsManager", secrets.endpoint().toString());
        properties.set("aws.endpointUrlEcr", ecr.endpoint().toString());
        properties.set("aws.endpointUrlEventBridge", events.endpoint().toString());
        properties.set("aws.endpointUrlCloudWatch", cloudWatch.endpoint().toString());
        // The destination partition's profile, for --dest-profile.
        Files.writeString(files.resolve("config"), "[profile gov]\nregion = us-gov-west-1\n");
        Files.writeString(
                files.resolve("credentials"),
                "[gov]\naws_access_key_id = AKIAIOSFODNN7GOVADMIN\naws_secret_access_key = " + GOV_SECRET + "\n");
        properties.set("aws.configFile", files.resolve("config").toString());
        properties.set("aws.sharedCredentialsFile", files.resolve("credentials").toString());
        properties.set("aws.accessKeyId", SOURCE_KEY);
        properties.set("aws.secretAccessKey", SOURCE_SECRET);

        SqsClient sqs = sqsEngine.client();
        ElasticMqEngine.FifoQueue queue =
                sqsEngine.createFifoQueueWithDeadLetterQueue("replication", 3, Duration.ofMinutes(1));
        healthyOutputs = new LinkedHashMap<>();
        healthyOutputs.put(
                StackOutputs.DESTINATION_SECRET_ID,
                secrets.put("ecr-replicator-doctorit-destination", secretJson(GOV_KEY, GOV_SECRET)));
        healthyOutputs.put(StackOutputs.QUEUE_URL, queue.url());
        healthyOutputs.put(StackOutputs.DEAD_LETTER_QUEUE_URL, queue.deadLetterUrl());
        healthyOutputs.put(StackOutputs.EVENT_DELIVERY_DEAD_LETTER_QUEUE_URL, queueUrl(sqs, "event-delivery-dlq"));
        healthyOutputs.put(StackOutputs.INVOCATION_FAILURE_QUEUE_URL, queueUrl(sqs, "invocation-failures"));
        healthyOutputs.put(StackOutputs.TABLE_NAME, table("doctorit-state"));
        healthyOutputs.put(
                StackOutputs.RECONCILE_STATE_MACHINE_ARN,
                "arn:aws:states:us-east-1:123456789012:stateMachine:ecr-replicator-doctorit-reconcile");
        healthyOutputs.put(StackOutputs.DESTINATION_REGION, DESTINATION_REGION);
        healthyOutputs.put(StackOutputs.REPOSITORY_FILTER, StackOutputs.repositoryFilter("PREFIX", List.of("team/")));
        healthyOutputs.put(StackOutputs.DESTINATION_ACCESS_STACK_NAME, DESTINATION_ACCESS);

        healthyResources = new ArrayList<>();
        for (String rule : List.of("ImageActionRule", "BuildCompletionRule", "SweepSchedule")) {
            String name = HEALTHY + "-" + rule + "-1A2B3C";
            events.putRule(
                    rule.endsWith("Schedule")
                            ? LocalEventBridge.Rule.onSchedule(name, "rate(5 minutes)")
                            : LocalEventBridge.Rule.forEvents(name, "{\"source\":[\"aws.ecr\"]}"));
            healthyResources.add(new Resource(rule + "0F1E2D3C", name, "AWS::Events::Rule"));
        }
        for (String alarm : List.of("DeadLetterAlarm", "EventDeadLetterAlarm", "FailedExecutionsAlarm")) {
            String name = HEALTHY + "-" + alarm;
            cloudWatch.putAlarm(LocalCloudWatch.Alarm.of(name, List.of(TOPIC)));
            healthyResources.add(new Resource(alarm + "4B5C6D7E", name, "AWS::CloudWatch::Alarm"));
        }
        healthyResources.add(new Resource("StateTable0A1B2C3D", "doctorit-state", "AWS::DynamoDB::Table"));
        cloudFormation.putStack(HEALTHY, healthyOutputs, healthyResources);
        cloudFormation.putStack(DESTINATION_ACCESS, Map.of("UserName", "ecr-replicator-doctorit"));
        saveReconcile("doctorit-state", Instant.now().minus(Duration.ofHours(5)), 0, ReconcileCounts.NONE);
    }

    @AfterAll
    static void stop() {
        properties.restore();
        dynamo.close();
        cloudWatch.close();
        events.close();
        cloudFormation.close();
        secrets.close();
        ecr.close();
        registry.close();
        sqsEngine.close();
        dynamoEngine.close();
    }

    private static String secretJson(String accessKey, String secretKey) {
        return "{\"user\":\"ecr-replicator-doctorit\",\"accesskey\":\"" + accessKey + "\",\"secretaccesskey\":\""
                + secretKey + "\",\"partition\":\"aws-us-gov\",\"accountid\":\"" + DESTINATION_ACCOUNT + "\"}";
    }

    private static String queueUrl(SqsClient sqs, String name) {
        return sqs.createQueue(request -> request.queueName(name)).queueUrl();
    }

    private static String table(String name) {
        LocalStateTable.create(dynamo, name, StateTable.KEY);
        return name;
    }

    /** A run that started ten minutes before it ended, {@code failedShards} of 4 shards failed. */
    private static void saveReconcile(String table, Instant endedAt, int failedShards, ReconcileCounts counts) {
        ReconcileRun run = ReconcileRun.started("reconcile-" + table, "", endedAt.minus(Duration.ofMinutes(10)), 4)
                .ended(endedAt, failedShards, counts);
        new DynamoReconcileStore(dynamo, table).saveRun(run, endedAt.plus(Duration.ofDays(30)));
    }

    /** A stack like the healthy one with these outputs replaced and {@code resources} as its resources. */
    private static String stack(String name, Map<String, String> outputs, List<Resource> resources) {
        Map<String, String> all = new LinkedHashMap<>(healthyOutputs);
        all.putAll(outputs);
        cloudFormation.putStack(name, all, resources);
        return name;
    }

    private static CliRun doctor(String stack, String... more) {
        List<String> args = new ArrayList<>(List.of("doctor", "--stack", stack, "--region", REGION));
        args.addAll(List.of(more));
        return CliRun.inProcess(args.toArray(String[]::new));
    }

    private static JsonNode check(CliRun run, String name) {
        for (JsonNode check : run.json().get("checks")) {
            if (check.get("name").asText().equals(name)) {
                return check;
            }
        }
        throw new AssertionError("no check " + name + " in " + run.out());
    }

    private static String line(CliRun run, String name) {
        return run.out()
                .lines()
                .filter(line -> line.matches("(PASS|WARN|FAIL) +" + name + " .*"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line for " + name + " in " + run.out()));
    }

    private static void assertNoSecretValue(CliRun run) {
        assertThat(run.all()).doesNotContain(GOV_SECRET).doesNotContain(GOV_KEY);
    }

    @Test
    void shouldPassEveryCheckWhenTheDeploymentIsHealthy() {
        CliRun run = doctor(HEALTHY);

        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(run.err()).isEmpty();
        List<String> lines = run.out().lines().toList();
        assertThat(lines.subList(0, lines.size() - 1)).as(run.out()).hasSize(11).allSatisfy(line -> assertThat(line)
                .startsWith("PASS  "));
        assertThat(line(run, Doctor.STACKS))
                .contains(
                        HEALTHY + " in us-east-1: CREATE_COMPLETE",
                        DESTINATION_ACCESS + " in us-gov-west-1 not looked up");
        assertThat(line(run, Doctor.SECRET))
                .contains(
                        healthyOutputs.get(StackOutputs.DESTINATION_SECRET_ID),
                        "AWSCURRENT",
                        "the version ReadSecret reads")
                .contains("user ecr-replicator-doctorit", "partition aws-us-gov", "account " + DESTINATION_ACCOUNT);
        assertThat(line(run, Doctor.LOGIN)).contains("authenticate in partition aws-us-gov (us-gov-west-1)");
        assertThat(line(run, Doctor.REPOSITORIES)).contains("under prefix team/", "account " + DESTINATION_ACCOUNT);
        assertThat(line(run, Doctor.BLOB_MOUNTING))
                .contains("BLOB_MOUNTING is ENABLED", "account " + DESTINATION_ACCOUNT);
        assertThat(line(run, Doctor.RULES)).contains("3 enabled", HEALTHY + "-ImageActionRule-1A2B3C");
        assertThat(line(run, Doctor.ALARMS)).contains("3 alarms notify " + TOPIC);
        assertThat(line(run, Doctor.DEAD_LETTERS)).contains("empty");
        assertThat(line(run, Doctor.RECONCILE)).contains("run reconcile-doctorit-state ended 5h", "in sync");
        assertThat(lines.get(lines.size() - 1)).isEqualTo(HEALTHY + ": 11 checks, 0 failing, 0 with a warning");
        assertThat(ecr.calls("GetAuthorizationToken")).isNotEmpty();
        assertThat(ecr.calls("DescribeRepositories"))
                .anySatisfy(call -> assertThat(call.request().toString()).contains("team/ecr-replicator-doctor-probe"));
        assertNoSecretValue(run);
    }

    @Test
    void shouldWarnWithTheCommandThatEnablesItWhenTheDestinationRegistryDoesNotMountBlobs() {
        ecr.blobMounting(false);
        try {
            CliRun run = doctor(HEALTHY, "--json");

            JsonNode mounting = check(run, Doctor.BLOB_MOUNTING);
            assertThat(mounting.get("status").asText()).isEqualTo("WARN");
            assertThat(mounting.get("detail").asText()).contains("BLOB_MOUNTING is DISABLED");
            assertThat(mounting.get("fix").asText())
                    .contains("aws ecr put-account-setting --name BLOB_MOUNTING --value ENABLED --region "
                            + DESTINATION_REGION);
            assertThat(run.json().get("passed").asBoolean())
                    .as("a warning, not a failure")
                    .isTrue();
            assertThat(ecr.calls("GetAccountSetting")).isNotEmpty();
            assertThat(ecr.calls("PutAccountSetting"))
                    .as("doctor changes nothing")
                    .isEmpty();
        } finally {
            ecr.blobMounting(true);
        }
    }

    @Test
    void shouldPrintOneJsonObjectWithEveryCheckWhenJsonIsAsked() {
        CliRun run = doctor(HEALTHY, "--json");

        JsonNode json = run.json();
        assertThat(json.get("passed").asBoolean()).as(run.out()).isTrue();
        assertThat(json.get("checks")).hasSize(11);
        assertThat(json.get("checks").get(0).get("name").asText()).isEqualTo(Doctor.STACKS);
        assertThat(json.get("checks")).allSatisfy(check -> {
            assertThat(check.get("status").asText()).isIn("PASS", "WARN", "FAIL");
            assertThat(check.get("detail").asText()).isNotBlank();
            assertThat(check.has("fix")).isTrue();
        });
    }

    @Test
    void shouldLookUpTheDestinationAccessStackWhenADestinationProfileIsGiven() {
        String orphan = stack(
                "doctorit-no-destination-stack",
                Map.of(StackOutputs.DESTINATION_ACCESS_STACK_NAME, "ecr-replicator-gone-destination-access"),
                healthyResources);

        CliRun healthy = doctor(HEALTHY, "--dest-profile", "gov");
        CliRun missing = doctor(orphan, "--dest-profile", "gov", "--json");

        assertThat(healthy.exit()).as(healthy.all()).isZero();
        assertThat(line(healthy, Doctor.STACKS))
                .startsWith("PASS")
                .contains(HEALTHY + " in us-east-1: CREATE_COMPLETE; " + DESTINATION_ACCESS
                        + " in us-gov-west-1: CREATE_COMPLETE");
        JsonNode stacks = check(missing, Doctor.STACKS);
        assertThat(stacks.get("status").asText()).isEqualTo("FAIL");
        assertThat(stacks.get("detail").asText())
                .contains("destination-access stack ecr-replicator-gone-destination-access does not exist in"
                        + " us-gov-west-1");
        assertThat(stacks.get("fix").asText()).contains("docs/deploy.md, step 1");
        assertThat(cloudFormation.requests())
                .anySatisfy(form -> assertThat(form).containsEntry("StackName", DESTINATION_ACCESS));
    }

    @Test
    void shouldFailTheStacksCheckWhenTheDestinationProfileDoesNotExist() {
        CliRun run = doctor(HEALTHY, "--dest-profile", "nowhere", "--json");

        assertThat(run.exit()).as(run.all()).isEqualTo(ReplicatorCommand.FAILED);
        JsonNode stacks = check(run, Doctor.STACKS);
        assertThat(stacks.get("status").asText()).isEqualTo("FAIL");
        assertThat(stacks.get("detail").asText())
                .startsWith(HEALTHY + " in us-east-1: CREATE_COMPLETE; DescribeStacks of " + DESTINATION_ACCESS
                        + " in us-gov-west-1 failed:")
                .contains("nowhere");
        assertThat(stacks.get("fix").asText()).contains("--dest-profile");
        assertThat(check(run, Doctor.SECRET).get("status").asText())
                .as("the other checks still run")
                .isEqualTo("PASS");
    }

    @Test
    void shouldFailTheSecretWithTheFixAndSkipTheDestinationWhenTheSecretIsMalformed() {
        String malformed = secrets.put(
                "ecr-replicator-doctorit-malformed",
                "{\"user\":\"ecr-replicator-doctorit\",\"secretaccesskey\":\"" + GOV_SECRET
                        + "\",\"partition\":\"aws-gov\",\"accountid\":\"" + DESTINATION_ACCOUNT + "\"}");
        String stack = stack(
                "doctorit-malformed-secret", Map.of(StackOutputs.DESTINATION_SECRET_ID, malformed), healthyResources);

        CliRun run = doctor(stack);

        assertThat(run.exit()).as(run.all()).isEqualTo(ReplicatorCommand.FAILED);
        List<String> lines = run.out().lines().toList();
        String secretLine = line(run, Doctor.SECRET);
        assertThat(secretLine).startsWith("FAIL").contains(malformed, "accesskey", "partition");
        assertThat(lines.get(lines.indexOf(secretLine) + 1))
                .startsWith("      fix: put a value with the fields user, accesskey, secretaccesskey, partition,"
                        + " accountid: aws secretsmanager put-secret-value --secret-id " + malformed);
        assertThat(line(run, Doctor.LOGIN)).startsWith("FAIL").contains("not checked");
        assertThat(line(run, Doctor.REPOSITORIES)).startsWith("FAIL").contains("not checked");
        assertThat(line(run, Doctor.RULES)).as("the other checks still run").startsWith("PASS");
        assertNoSecretValue(run);
    }

    @Test
    void shouldFailTheLoginWithNewKeysAsTheFixWhenTheDestinationDoesNotKnowTheKey() {
        String unknown =
                secrets.put("ecr-replicator-doctorit-unknown-key", secretJson("AKIAIOSFODNN7WRONGKEY", GOV_SECRET));
        String stack =
                stack("doctorit-unknown-key", Map.of(StackOutputs.DESTINATION_SECRET_ID, unknown), healthyResources);

        CliRun run = doctor(stack, "--json");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        JsonNode login = check(run, Doctor.LOGIN);
        assertThat(login.get("status").asText()).isEqualTo("FAIL");
        assertThat(login.get("detail").asText())
                .contains("not known in partition aws-us-gov", "UnrecognizedClientException");
        assertThat(login.get("fix").asText()).contains("aws iam create-access-key --user-name ecr-replicator-doctorit");
        assertThat(check(run, Doctor.SECRET).get("status").asText()).isEqualTo("PASS");
        assertThat(run.json().get("passed").asBoolean()).isFalse();
        assertThat(run.all()).doesNotContain(GOV_SECRET).doesNotContain("AKIAIOSFODNN7WRONGKEY");
    }

    @Test
    void shouldWarnWithTheRotationFixWhenTheKeyIsOlderThanTheRotationPeriod() {
        String name = "ecr-replicator-doctorit-old-key";
        String old =
                secrets.put(name, secretJson(GOV_KEY, GOV_SECRET), Instant.now().minus(Duration.ofDays(100)));
        secrets.enableRotation(name, 90);
        String stack = stack("doctorit-old-key", Map.of(StackOutputs.DESTINATION_SECRET_ID, old), healthyResources);

        CliRun run = doctor(stack, "--json");

        JsonNode secret = check(run, Doctor.SECRET);
        assertThat(secret.get("status").asText()).as(run.out()).isEqualTo("WARN");
        assertThat(secret.get("detail").asText())
                .contains("key in service 100 days, rotated every 90 days: older than 90 days");
        assertThat(secret.get("fix").asText())
                .contains("RotateSecret", "aws secretsmanager rotate-secret --secret-id " + old);
        assertThat(check(run, Doctor.LOGIN).get("status").asText())
                .as("a warned secret is still used for the destination checks")
                .isEqualTo("PASS");
        assertThat(run.exit()).as("a warning is not a failure").isZero();
        assertNoSecretValue(run);
    }

    @Test
    void shouldReportTheKeysAgeWhenItIsWithinTheRotationPeriod() {
        String name = "ecr-replicator-doctorit-young-key";
        String young =
                secrets.put(name, secretJson(GOV_KEY, GOV_SECRET), Instant.now().minus(Duration.ofDays(12)));
        secrets.enableRotation(name, 90);
        String stack = stack("doctorit-young-key", Map.of(StackOutputs.DESTINATION_SECRET_ID, young), healthyResources);

        CliRun run = doctor(stack, "--json");

        JsonNode secret = check(run, Doctor.SECRET);
        assertThat(secret.get("status").asText()).isEqualTo("PASS");
        assertThat(secret.get("detail").asText()).contains("key in service 12 days, rotated every 90 days");
    }

    @Test
    void shouldFailTheRepositoriesWhenTheUsersPolicyDoesNotCoverAPattern() {
        String stack = stack(
                "doctorit-uncovered-prefix",
                Map.of(
                        StackOutputs.REPOSITORY_FILTER,
                        StackOutputs.repositoryFilter("prefix", List.of("team/", "apps/"))),
                healthyResources);

        CliRun run = doctor(stack, "--json");

        JsonNode repositories = check(run, Doctor.REPOSITORIES);
        assertThat(repositories.get("status").asText()).isEqualTo("FAIL");
        assertThat(repositories.get("detail").asText())
                .contains("may not call ecr:DescribeRepositories", "apps/ (apps/ecr-replicator-doctor-probe)")
                .doesNotContain("team/ (");
        assertThat(repositories.get("fix").asText()).contains(DESTINATION_ACCESS, "repositoryPrefixes");
    }

    @Test
    void shouldFailTheQueueWithTheRedriveAsTheFixWhenTheDeadLetterQueueHoldsAMessage() {
        SqsClient sqs = sqsEngine.client();
        String deadLetters = queueUrl(sqs, "doctorit-full-dlq");
        sqs.sendMessage(request -> request.queueUrl(deadLetters).messageBody("{\"imageKey\":\"team/app:1.0\"}"));
        String stack =
                stack("doctorit-full-dlq", Map.of(StackOutputs.DEAD_LETTER_QUEUE_URL, deadLetters), healthyResources);

        CliRun run = doctor(stack);

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        List<String> lines = run.out().lines().toList();
        String queueLine = line(run, Doctor.DEAD_LETTERS);
        assertThat(queueLine).startsWith("FAIL").contains("1 message (0 in flight)", deadLetters);
        assertThat(lines.get(lines.indexOf(queueLine) + 1))
                .contains("replicator redrive --stack doctorit-full-dlq --region us-east-1 --dlq");
        assertThat(line(run, Doctor.EVENT_DEAD_LETTERS)).startsWith("PASS");
        assertThat(line(run, Doctor.INVOCATION_FAILURES)).startsWith("PASS");
    }

    @Test
    void shouldFailTheRulesWithTheEnableCommandWhenARuleIsDisabled() {
        String disabled = "doctorit-disabled-ImageActionRule-9Z8Y";
        events.putRule(LocalEventBridge.Rule.forEvents(disabled, "{\"source\":[\"aws.ecr\"]}")
                .withState("DISABLED"));
        List<Resource> resources = new ArrayList<>(healthyResources);
        resources.set(0, new Resource("ImageActionRule0F1E2D3C", disabled, "AWS::Events::Rule"));
        String stack = stack("doctorit-disabled-rule", Map.of(), resources);

        CliRun run = doctor(stack, "--json");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        JsonNode rules = check(run, Doctor.RULES);
        assertThat(rules.get("status").asText()).isEqualTo("FAIL");
        assertThat(rules.get("detail").asText()).startsWith("disabled: " + disabled);
        assertThat(rules.get("fix").asText())
                .isEqualTo("aws events enable-rule --name " + disabled + " --region us-east-1");
    }

    @Test
    void shouldFailTheAlarmsWithTheTopicSettingAsTheFixWhenAnAlarmHasNoAction() {
        String silent = "doctorit-no-topic-DeadLetterAlarm";
        cloudWatch.putAlarm(LocalCloudWatch.Alarm.of(silent, List.of()));
        List<Resource> resources = new ArrayList<>(healthyResources);
        resources.add(new Resource("DeadLetterAlarmFFFF0000", silent, "AWS::CloudWatch::Alarm"));
        String stack = stack("doctorit-no-topic", Map.of(), resources);

        CliRun run = doctor(stack, "--json");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        JsonNode alarms = check(run, Doctor.ALARMS);
        assertThat(alarms.get("status").asText()).isEqualTo("FAIL");
        assertThat(alarms.get("detail").asText()).isEqualTo("1 of 4 alarms notify no SNS topic: " + silent);
        assertThat(alarms.get("fix").asText()).contains("alarmTopicArn", "cdk.json");
    }

    @Test
    void shouldWarnAndStillPassWhenTheLastReconcileIsOld() {
        String table = table("doctorit-old-reconcile");
        saveReconcile(table, Instant.now().minus(Duration.ofDays(3)), 0, ReconcileCounts.NONE);
        String stack = stack("doctorit-old-reconcile", Map.of(StackOutputs.TABLE_NAME, table), healthyResources);

        CliRun run = doctor(stack);

        assertThat(run.exit()).as(run.all()).isZero();
        assertThat(line(run, Doctor.RECONCILE)).startsWith("WARN").contains("ended 3d", "older than 36h");
        assertThat(run.out()).contains("1 with a warning");
    }

    @Test
    void shouldFailWhenTheLastReconcileLeftDrift() {
        String table = table("doctorit-drift");
        saveReconcile(
                table,
                Instant.now().minus(Duration.ofHours(2)),
                1,
                new ReconcileCounts(90, 5, 3, 0, 6, 1, 1, 0, 1024, 0));
        String stack = stack("doctorit-drift", Map.of(StackOutputs.TABLE_NAME, table), healthyResources);

        CliRun run = doctor(stack, "--json");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        JsonNode reconcile = check(run, Doctor.RECONCILE);
        assertThat(reconcile.get("status").asText()).isEqualTo("FAIL");
        assertThat(reconcile.get("detail").asText())
                .contains("drift left", "1 deferred", "1 failed", "1 of 4 shards failed");
        assertThat(reconcile.get("fix").asText())
                .contains("aws stepfunctions start-execution --state-machine-arn "
                        + healthyOutputs.get(StackOutputs.RECONCILE_STATE_MACHINE_ARN));
    }

    @Test
    void shouldWarnWhenNoReconcileHasRun() {
        String stack = stack(
                "doctorit-never-reconciled",
                Map.of(StackOutputs.TABLE_NAME, table("doctorit-never")),
                healthyResources);

        CliRun run = doctor(stack, "--json");

        assertThat(run.exit()).isZero();
        assertThat(check(run, Doctor.RECONCILE).get("status").asText()).isEqualTo("WARN");
        assertThat(check(run, Doctor.RECONCILE).get("detail").asText()).isEqualTo("no reconcile has run yet");
    }

    @Test
    void shouldFailTheChecksThatNeedAnOutputTheStackPredates() {
        Map<String, String> old = new LinkedHashMap<>(healthyOutputs);
        old.remove(StackOutputs.DESTINATION_REGION);
        old.remove(StackOutputs.REPOSITORY_FILTER);
        old.remove(StackOutputs.DESTINATION_ACCESS_STACK_NAME);
        cloudFormation.putStack("doctorit-old-stack", old, healthyResources);

        CliRun run = doctor("doctorit-old-stack", "--json");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        JsonNode secret = check(run, Doctor.SECRET);
        assertThat(secret.get("detail").asText()).isEqualTo("stack doctorit-old-stack has no output DestinationRegion");
        assertThat(secret.get("fix").asText()).contains("deploy this version");
        assertThat(check(run, Doctor.DEAD_LETTERS).get("status").asText()).isEqualTo("PASS");
    }

    @Test
    void shouldFailOnlyTheStackCheckWhenTheStackDoesNotExist() {
        CliRun run = CliRun.inProcess("doctor", "--env", "nowhere", "--region", REGION, "--json");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        JsonNode checks = run.json().get("checks");
        assertThat(checks).hasSize(1);
        assertThat(checks.get(0).get("detail").asText())
                .isEqualTo("stack ecr-replicator-nowhere-replication does not exist in us-east-1");
        assertThat(checks.get(0).get("fix").asText()).contains("deploy it", "--stack");
    }

    @Test
    void shouldRefuseWithUsageWhenTheMaximumAgeIsNotADuration() {
        CliRun run = CliRun.inProcess("doctor", "--stack", HEALTHY, "--max-reconcile-age", "soon");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(run.err()).contains("--max-reconcile-age 'soon' is not a positive duration");
    }
}
