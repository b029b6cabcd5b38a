package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.ecrreplicator.domain.DestinationSecret;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.infra.ReplicationStacks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The replication stack of the dev environment (cdk.json as checked in), asserted on intent. */
class ReplicationStackTest {
    private static Template template;
    private static Map<String, Map<String, Object>> resources;

    @BeforeAll
    static void synthesize() {
        ReplicationStacks.Defined defined = TestApps.define("dev");
        template = Template.fromStack(defined.replication());
        resources = Templates.resources(template);
    }

    @Test
    void shouldMatchSuccessfulImageAndReferrerPushesAndDeletesWhenInTheConfiguredPrefixes() {
        template.hasResourceProperties(
                "AWS::Events::Rule",
                Map.of(
                        "EventPattern",
                        Map.of(
                                "source", List.of("aws.ecr"),
                                "detail-type", List.of("ECR Image Action", "ECR Referrer Action"),
                                "detail",
                                        Map.of(
                                                "result", List.of("SUCCESS"),
                                                "action-type", List.of("PUSH", "DELETE"),
                                                "repository-name", List.of(Map.of("prefix", "team/")))),
                        "Targets",
                        List.of(Match.objectLike(Map.of(
                                "Arn", Map.of("Ref", Templates.logicalId(resources, "AWS::Lambda::Alias", "Enqueue")),
                                "RetryPolicy", Map.of("MaximumRetryAttempts", 8, "MaximumEventAgeInSeconds", 21600),
                                "DeadLetterConfig",
                                        Map.of(
                                                "Arn",
                                                Map.of(
                                                        "Fn::GetAtt",
                                                        List.of(
                                                                Templates.logicalId(
                                                                        resources,
                                                                        "AWS::SQS::Queue",
                                                                        "EventDeliveryDeadLetterQueue"),
                                                                "Arn"))))))));
    }

    @Test
    void shouldQueueInAnEncryptedFifoQueueWithRedriveToAFifoDeadLetterQueue() {
        String dlq = Templates.logicalId(resources, "AWS::SQS::Queue", "ReplicationDeadLetterQueue");
        String queue = Templates.logicalId(resources, "AWS::SQS::Queue", "ReplicationQueue");
        template.hasResourceProperties(
                "AWS::SQS::Queue",
                Map.of(
                        "FifoQueue", true,
                        "ContentBasedDeduplication", false,
                        "SqsManagedSseEnabled", true,
                        "VisibilityTimeout", 6 * FunctionSpec.DISPATCH.timeoutSeconds(),
                        "RedrivePolicy",
                                Map.of(
                                        "deadLetterTargetArn",
                                        Map.of("Fn::GetAtt", List.of(dlq, "Arn")),
                                        "maxReceiveCount",
                                        5)));
        assertThat(Templates.properties(resources, dlq))
                .containsEntry("FifoQueue", true)
                .containsEntry("SqsManagedSseEnabled", true);
        for (String id : List.of(queue, dlq)) {
            assertDeniesInsecureTransport(id);
        }
    }

    @Test
    void shouldFeedTheDispatchFunctionFromTheQueueWithPerMessageFailures() {
        template.hasResourceProperties(
                "AWS::Lambda::EventSourceMapping",
                Map.of(
                        "EventSourceArn",
                        Map.of(
                                "Fn::GetAtt",
                                List.of(Templates.logicalId(resources, "AWS::SQS::Queue", "ReplicationQueue"), "Arn")),
                        "FunctionResponseTypes",
                        List.of("ReportBatchItemFailures"),
                        "BatchSize",
                        10));
        Object functionName = Templates.properties(
                        resources, Templates.logicalId(resources, "AWS::Lambda::EventSourceMapping", "DispatchAlias"))
                .get("FunctionName");
        assertThat(TestApps.JSON.valueToTree(functionName).toString())
                .as("the alias, so SnapStart's published version runs")
                .contains(Templates.logicalId(resources, "AWS::Lambda::Alias", "Dispatch"))
                .contains(":live");
    }

    @Test
    void shouldRunTheWorkflowFromTheAslFileWithErrorLoggingWithoutDataAndTracing() {
        Map<String, Object> workflow = Templates.properties(
                resources, Templates.logicalId(resources, "AWS::StepFunctions::StateMachine", "Workflow"));
        assertThat(workflow).containsEntry("StateMachineType", "STANDARD");
        assertThat(workflow.get("DefinitionString").toString()).contains("\"StartAt\"");
        assertThat(workflow)
                .containsEntry("TracingConfiguration", Map.of("Enabled", true))
                .extractingByKey("LoggingConfiguration")
                .satisfies(
                        logging -> assertThat(TestApps.JSON.valueToTree(logging).toString())
                                .contains("\"Level\":\"ERROR\"")
                                .contains("\"IncludeExecutionData\":false"));
        @SuppressWarnings("unchecked")
        Map<String, Object> substitutions = (Map<String, Object>) workflow.get("DefinitionSubstitutions");
        assertThat(substitutions)
                .containsEntry(StateMachineTemplate.LEASE_WAIT_SECONDS, "30")
                .containsEntry(StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS, String.valueOf((30 + 30) * 60 + 300));
        Map<FunctionSpec, String> taskPlaceholders = Map.of(
                FunctionSpec.READ_SECRET, StateMachineTemplate.READ_SECRET_FUNCTION_ARN,
                FunctionSpec.CHECK_STATE, StateMachineTemplate.CHECK_STATE_FUNCTION_ARN,
                FunctionSpec.START_BUILD, StateMachineTemplate.START_BUILD_FUNCTION_ARN,
                FunctionSpec.RECORD_RESULT, StateMachineTemplate.RECORD_RESULT_FUNCTION_ARN);
        taskPlaceholders.forEach((task, placeholder) -> assertThat(substitutions)
                .containsEntry(
                        placeholder,
                        Map.of("Ref", Templates.logicalId(resources, "AWS::Lambda::Alias", task.id() + "Alias"))));
    }

    @Test
    void shouldLetTheWorkflowInvokeExactlyItsFourTaskAliases() {
        String role = Templates.logicalId(resources, "AWS::IAM::Role", "WorkflowRole");
        List<Object> invoked = Templates.statementsOf(resources, role).stream()
                .filter(statement -> String.valueOf(statement.get("Action")).contains("lambda:InvokeFunction"))
                .flatMap(statement -> Templates.asList(statement.get("Resource")).stream())
                .collect(Collectors.toCollection(ArrayList::new));
        List<Object> expected = new ArrayList<>();
        for (String task : List.of("ReadSecret", "CheckState", "StartBuild", "RecordResult")) {
            String alias = Templates.logicalId(resources, "AWS::Lambda::Alias", task);
            expected.add(Map.of("Ref", alias));
        }
        assertThat(invoked).containsAll(expected);
        assertThat(invoked).as("only the aliases (and CDK's ':*' form of them)").allSatisfy(resource -> assertThat(
                        TestApps.JSON.writeValueAsString(resource))
                .containsAnyOf("ReadSecretAlias", "CheckStateAlias", "StartBuildAlias", "RecordResultAlias"));
    }

    @Test
    void shouldRunEveryFunctionOnJava21WithTheRegionsArchitectureSnapStartAndItsOwnLogGroup() {
        for (FunctionSpec spec : FunctionSpec.values()) {
            String id = Templates.logicalId(resources, "AWS::Lambda::Function", spec.id() + "Function");
            Map<String, Object> function = Templates.properties(resources, id);
            assertThat(function)
                    .as(spec.id())
                    .containsEntry("Runtime", "java21")
                    .containsEntry("Handler", "org.ecrreplicator.functions." + spec.id() + "Handler::handleRequest")
                    .containsEntry("Architectures", List.of("arm64"))
                    .containsEntry("SnapStart", Map.of("ApplyOn", "PublishedVersions"))
                    .containsEntry("MemorySize", spec.memoryMb())
                    .containsEntry("Timeout", spec.timeoutSeconds())
                    .containsEntry("TracingConfig", Map.of("Mode", "Active"));
            assertThat(function.get("LoggingConfig").toString()).contains(spec.id() + "Logs");
            assertThat(TestApps.JSON
                            .valueToTree(function.get("Code"))
                            .path("S3Key")
                            .asText())
                    .as("one jar asset for every handler")
                    .endsWith(".jar");
        }
        assertThat(resources.values().stream()
                        .filter(r -> "AWS::Lambda::Function".equals(r.get("Type")))
                        .map(r -> String.valueOf(((Map<?, ?>) r.get("Properties")).get("Code")))
                        .distinct())
                .hasSize(1);
        template.allResourcesProperties("AWS::Logs::LogGroup", Map.of("RetentionInDays", 30));
    }

    @Test
    void shouldConfigureEachFunctionThroughItsContractEnvironmentVariables() {
        assertThat(Templates.environment(resources, FunctionSpec.ENQUEUE))
                .containsOnlyKeys(FunctionEnvironment.QUEUE_URL);
        assertThat(Templates.environment(resources, FunctionSpec.DISPATCH))
                .containsOnlyKeys(FunctionEnvironment.STATE_MACHINE_ARN);
        assertThat(Templates.environment(resources, FunctionSpec.READ_SECRET))
                .containsOnlyKeys(FunctionEnvironment.SECRET_ID, FunctionEnvironment.DESTINATION_REGION)
                .containsEntry(FunctionEnvironment.DESTINATION_REGION, "us-gov-west-1")
                .containsEntry(FunctionEnvironment.SECRET_ID, Map.of("Ref", "DestinationSecret"));
        assertThat(Templates.environment(resources, FunctionSpec.CHECK_STATE))
                .containsOnlyKeys(
                        FunctionEnvironment.TABLE_NAME,
                        FunctionEnvironment.LEASE_SECONDS,
                        FunctionEnvironment.MAX_LEASE_WAITS,
                        FunctionEnvironment.HISTORY_TTL_DAYS)
                .containsEntry(FunctionEnvironment.LEASE_SECONDS, String.valueOf(3900 + 60))
                .containsEntry(FunctionEnvironment.MAX_LEASE_WAITS, String.valueOf(3960 / 30))
                .containsEntry(FunctionEnvironment.HISTORY_TTL_DAYS, "30");
        assertThat(Templates.environment(resources, FunctionSpec.START_BUILD))
                .containsOnlyKeys(
                        FunctionEnvironment.SECRET_ID,
                        FunctionEnvironment.DESTINATION_REGION,
                        FunctionEnvironment.BUILD_PROJECT_NAME,
                        FunctionEnvironment.TABLE_NAME,
                        FunctionEnvironment.LEASE_SECONDS,
                        FunctionEnvironment.BUILD_TASK_TIMEOUT_SECONDS,
                        FunctionEnvironment.CREATE_REPOSITORIES,
                        FunctionEnvironment.IMAGE_TAG_MUTABILITY,
                        FunctionEnvironment.SCAN_ON_PUSH,
                        FunctionEnvironment.REPLICATE_DELETES,
                        FunctionEnvironment.COPY_REFERRERS)
                .as("the StartBuild task timeout, as the sweep's lookback")
                .containsEntry(FunctionEnvironment.BUILD_TASK_TIMEOUT_SECONDS, "3900")
                .containsEntry(FunctionEnvironment.CREATE_REPOSITORIES, "true")
                .containsEntry(FunctionEnvironment.IMAGE_TAG_MUTABILITY, "MUTABLE")
                .containsEntry(FunctionEnvironment.SCAN_ON_PUSH, "true")
                .containsEntry(FunctionEnvironment.REPLICATE_DELETES, "true")
                .containsEntry(FunctionEnvironment.COPY_REFERRERS, "true");
        assertThat(Templates.environment(resources, FunctionSpec.COMPLETION))
                .containsOnlyKeys(FunctionEnvironment.BUILD_PROJECT_NAME, FunctionEnvironment.TABLE_NAME);
        assertThat(Templates.environment(resources, FunctionSpec.RECORD_RESULT))
                .containsOnlyKeys(
                        FunctionEnvironment.TABLE_NAME,
                        FunctionEnvironment.HISTORY_TTL_DAYS,
                        FunctionEnvironment.LEASE_SECONDS,
                        FunctionEnvironment.QUEUE_URL)
                .containsEntry(
                        FunctionEnvironment.QUEUE_URL,
                        Map.of("Ref", Templates.logicalId(resources, "AWS::SQS::Queue", "ReplicationQueue")));
        assertThat(Templates.environment(resources, FunctionSpec.SWEEP))
                .containsOnlyKeys(
                        FunctionEnvironment.BUILD_PROJECT_NAME,
                        FunctionEnvironment.TABLE_NAME,
                        FunctionEnvironment.SWEEP_LOOKBACK_SECONDS)
                .containsEntry(
                        FunctionEnvironment.BUILD_PROJECT_NAME,
                        Map.of("Ref", Templates.logicalId(resources, "AWS::CodeBuild::Project", "ReplicationBuild")))
                .containsEntry(
                        FunctionEnvironment.TABLE_NAME,
                        Map.of("Ref", Templates.logicalId(resources, "AWS::DynamoDB::Table", "StateTable")))
                .as("the StartBuild task timeout: (30 + 30) * 60 + 300")
                .containsEntry(FunctionEnvironment.SWEEP_LOOKBACK_SECONDS, "3900");
    }

    @Test
    void shouldPassTheDeleteAndReferrerSettingsToStartBuildAndTheProjectWhenSwitchedOff() {
        Map<String, Map<String, Object>> off =
                Templates.resources(Template.fromStack(TestApps.define("dev", replication -> {
                            replication.put("replicateDeletes", false);
                            replication.put("copyReferrers", false);
                        })
                        .replication()));
        assertThat(Templates.environment(off, FunctionSpec.START_BUILD))
                .containsEntry(FunctionEnvironment.REPLICATE_DELETES, "false")
                .containsEntry(FunctionEnvironment.COPY_REFERRERS, "false");
        Map<String, Object> project =
                Templates.properties(off, Templates.logicalId(off, "AWS::CodeBuild::Project", "ReplicationBuild"));
        Map<String, String> values = new java.util.TreeMap<>();
        TestApps.JSON
                .valueToTree(project.get("Environment"))
                .path("EnvironmentVariables")
                .forEach(variable -> values.put(
                        variable.path("Name").asText(), variable.path("Value").asText()));
        assertThat(values)
                .containsEntry(BuildVariables.REPLICATE_DELETES, "false")
                .containsEntry(BuildVariables.COPY_REFERRERS, "false");
    }

    @Test
    void shouldKeepStateInAnOnDemandEncryptedTableWithRecoveryAndTtl() {
        template.hasResourceProperties(
                "AWS::DynamoDB::Table",
                Map.of(
                        "BillingMode", "PAY_PER_REQUEST",
                        "KeySchema", List.of(Map.of("AttributeName", StateTable.KEY, "KeyType", "HASH")),
                        "PointInTimeRecoverySpecification", Map.of("PointInTimeRecoveryEnabled", true),
                        "SSESpecification", Map.of("SSEEnabled", true),
                        "TimeToLiveSpecification", Map.of("AttributeName", StateTable.TTL, "Enabled", true)));
    }

    @Test
    void shouldCreateTheSecretWithoutAnyValue() {
        template.resourceCountIs("AWS::SecretsManager::Secret", 1);
        template.hasResourceProperties(
                "AWS::SecretsManager::Secret",
                Map.of(
                        "Name", "ecr-replicator-dev/destination",
                        "Description", Match.stringLikeRegexp(".*user, accesskey, secretaccesskey, partition.*"),
                        "SecretString", Match.absent(),
                        "GenerateSecretString", Match.absent()));
    }

    @Test
    void shouldBuildUnprivilegedOnCorretto21WithLimitsAndSecretsAsSecretsManagerVariables() {
        Map<String, Object> project = Templates.properties(
                resources, Templates.logicalId(resources, "AWS::CodeBuild::Project", "ReplicationBuild"));
        assertThat(project)
                .containsEntry("Name", "ecr-replicator-dev")
                .containsEntry("TimeoutInMinutes", 30)
                .containsEntry("QueuedTimeoutInMinutes", 30)
                .containsEntry("ConcurrentBuildLimit", 2);
        var environment = TestApps.JSON.valueToTree(project.get("Environment"));
        assertThat(environment.path("PrivilegedMode").asBoolean(true)).isFalse();
        assertThat(environment.path("ComputeType").asText()).isEqualTo("BUILD_GENERAL1_SMALL");
        assertThat(environment.path("Image").asText()).isEqualTo("aws/codebuild/amazonlinux-x86_64-standard:5.0");
        Map<String, String> types = new java.util.TreeMap<>();
        Map<String, String> values = new java.util.TreeMap<>();
        environment.path("EnvironmentVariables").forEach(variable -> {
            types.put(variable.path("Name").asText(), variable.path("Type").asText());
            values.put(variable.path("Name").asText(), variable.path("Value").toString());
        });
        assertThat(types)
                .containsEntry(BuildVariables.DESTINATION_ACCESS_KEY_ID, "SECRETS_MANAGER")
                .containsEntry(BuildVariables.DESTINATION_SECRET_ACCESS_KEY, "SECRETS_MANAGER")
                .containsEntry(BuildVariables.DESTINATION_REGION, "PLAINTEXT")
                .containsEntry(BuildVariables.REGISTRY_INSECURE, "PLAINTEXT")
                .containsEntry(BuildVariables.REPLICATE_DELETES, "PLAINTEXT")
                .containsEntry(BuildVariables.COPY_REFERRERS, "PLAINTEXT");
        assertThat(values)
                .containsEntry(BuildVariables.REPLICATE_DELETES, "\"true\"")
                .containsEntry(BuildVariables.COPY_REFERRERS, "\"true\"");
        assertThat(values.get(BuildVariables.DESTINATION_ACCESS_KEY_ID))
                .contains("DestinationSecret")
                .endsWith(":" + DestinationSecret.ACCESS_KEY + "\"]]}");
        assertThat(values.get(BuildVariables.DESTINATION_SECRET_ACCESS_KEY))
                .endsWith(":" + DestinationSecret.SECRET_ACCESS_KEY + "\"]]}");
        assertThat(values.get(BuildVariables.REGISTRY_INSECURE)).isEqualTo("\"false\"");
        // The hash of the very jar this synth staged, which buildspec.yml checks before running it.
        assertThat(types).containsEntry(BuildVariables.WORKER_JAR_SHA256, "PLAINTEXT");
        assertThat(values.get(BuildVariables.WORKER_JAR_SHA256))
                .isEqualTo("\"" + Sha256.ofFile(TestApps.artifacts().workerJar()) + "\"");
        var source = TestApps.JSON.valueToTree(project.get("Source"));
        assertThat(source.path("Type").asText()).isEqualTo("S3");
        assertThat(source.path("BuildSpec").isMissingNode())
                .as("the buildspec.yml in the source asset")
                .isTrue();
        assertThat(project.get("LogsConfig").toString()).contains("BuildLogs");
    }

    @Test
    void shouldLetTheBuildReadOnlyThePrefixedRepositoriesAndTheOneSecret() {
        String role = Templates.logicalId(resources, "AWS::IAM::Role", "BuildRole");
        List<Map<String, Object>> statements = Templates.statementsOf(resources, role);
        assertThat(Templates.resourcesFor(statements, "ecr:BatchGetImage"))
                .singleElement()
                .satisfies(resource -> assertThat(TestApps.JSON.writeValueAsString(resource))
                        .contains("arn:aws:ecr:us-east-1:")
                        .contains(":repository/team/*"));
        assertThat(Templates.resourcesFor(statements, "ecr:GetAuthorizationToken"))
                .containsExactly("*");
        assertThat(Templates.resourcesFor(statements, "secretsmanager:GetSecretValue"))
                .containsExactly(Map.of("Ref", "DestinationSecret"));
        assertThat(Templates.actions(statements))
                .noneMatch(action -> action.startsWith("ecr:Put")
                        || action.startsWith("ecr:Delete")
                        || action.equals("ecr:DescribeImages")
                        || action.equals("ecr:*")
                        || action.startsWith("codebuild:CreateReport"));
    }

    @Test
    void shouldGrantEachFunctionOnlyWhatItsJobNeeds() {
        Map<FunctionSpec, List<String>> actions = new java.util.EnumMap<>(FunctionSpec.class);
        for (FunctionSpec spec : FunctionSpec.values()) {
            String role = Templates.logicalId(resources, "AWS::IAM::Role", spec.id() + "Role");
            actions.put(spec, Templates.actions(Templates.statementsOf(resources, role)));
        }
        assertThat(actions.get(FunctionSpec.ENQUEUE))
                .contains("sqs:SendMessage")
                .noneMatch(a -> a.startsWith("dynamodb"));
        assertThat(actions.get(FunctionSpec.DISPATCH))
                .contains("states:StartExecution", "states:DescribeExecution", "sqs:DeleteMessage");
        assertThat(actions.get(FunctionSpec.READ_SECRET))
                .contains("secretsmanager:GetSecretValue")
                .noneMatch(a -> a.startsWith("dynamodb:"));
        assertThat(actions.get(FunctionSpec.START_BUILD))
                .contains("codebuild:StartBuild", "dynamodb:GetItem", "dynamodb:PutItem")
                .noneMatch(a -> a.startsWith("secretsmanager:"));
        List<String> stateTableUser = List.of(
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "xray:PutTraceSegments",
                "xray:PutTelemetryRecords",
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem");
        assertThat(actions.get(FunctionSpec.CHECK_STATE)).containsExactlyInAnyOrderElementsOf(stateTableUser);
        // RecordResult also queues re-checks (decision 0061).
        List<String> recordResult = new java.util.ArrayList<>(stateTableUser);
        recordResult.addAll(List.of("sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"));
        assertThat(actions.get(FunctionSpec.RECORD_RESULT)).containsExactlyInAnyOrderElementsOf(recordResult);
        assertThat(actions.get(FunctionSpec.COMPLETION))
                .contains("states:SendTaskSuccess", "states:SendTaskFailure", "codebuild:BatchGetBuilds")
                .doesNotContain("codebuild:StartBuild");
        for (FunctionSpec spec : FunctionSpec.values()) {
            assertThat(actions.get(spec))
                    .as(spec.id() + " has no wildcard actions")
                    .noneMatch(a -> a.endsWith("*") && !a.equals("xray:*"));
            if (spec != FunctionSpec.READ_SECRET && spec != FunctionSpec.ROTATE_SECRET) {
                assertThat(actions.get(spec)).as(spec.id()).doesNotContain("secretsmanager:GetSecretValue");
            }
        }
        template.resourcePropertiesCountIs("AWS::IAM::Role", Map.of("ManagedPolicyArns", Match.anyValue()), 0);
    }

    @Test
    void shouldReportOnlyThisProjectsFinishedBuildsToTheCompletionFunction() {
        template.hasResourceProperties(
                "AWS::Events::Rule",
                Map.of(
                        "EventPattern",
                        Map.of(
                                "source", List.of("aws.codebuild"),
                                "detail-type", List.of("CodeBuild Build State Change"),
                                "detail",
                                        Map.of(
                                                "project-name",
                                                List.of(Map.of(
                                                        "Ref",
                                                        Templates.logicalId(
                                                                resources,
                                                                "AWS::CodeBuild::Project",
                                                                "ReplicationBuild"))),
                                                "build-status",
                                                List.of("SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED"))),
                        "Targets",
                        List.of(Match.objectLike(Map.of(
                                "Arn",
                                Map.of("Ref", Templates.logicalId(resources, "AWS::Lambda::Alias", "Completion")))))));
    }

    @Test
    void shouldAlarmOnDeadLettersAndFailedExecutionsAndDrawTheDashboard() {
        Capture metric = new Capture();
        template.hasResourceProperties(
                "AWS::CloudWatch::Alarm",
                Map.of(
                        "MetricName", "ApproximateNumberOfMessagesVisible",
                        "Namespace", "AWS/SQS",
                        "Threshold", 0,
                        "ComparisonOperator", "GreaterThanThreshold",
                        "Dimensions",
                                List.of(Map.of(
                                        "Name",
                                        "QueueName",
                                        "Value",
                                        Map.of(
                                                "Fn::GetAtt",
                                                List.of(
                                                        Templates.logicalId(
                                                                resources,
                                                                "AWS::SQS::Queue",
                                                                "ReplicationDeadLetterQueue"),
                                                        "QueueName"))))));
        template.hasResourceProperties(
                "AWS::CloudWatch::Alarm",
                Map.of(
                        "MetricName", metric,
                        "Namespace", "AWS/States",
                        "Threshold", 0,
                        "ComparisonOperator", "GreaterThanThreshold",
                        "Statistic", "Sum"));
        assertThat(metric.asString()).isIn("ExecutionsFailed", "ExecutionsTimedOut");
        template.hasResourceProperties("AWS::CloudWatch::Alarm", Map.of("MetricName", "ExecutionsFailed"));
        template.allResourcesProperties("AWS::CloudWatch::Alarm", Map.of("AlarmActions", Match.absent()));

        String body = TestApps.JSON
                .valueToTree(Templates.properties(
                                resources, Templates.logicalId(resources, "AWS::CloudWatch::Dashboard", "Dashboard"))
                        .get("DashboardBody"))
                .toString();
        assertThat(body)
                .contains("Replications", "Failures", "Queue depth", "Age of the oldest message", "Build duration")
                .contains("ExecutionsSucceeded", "ExecutionsFailed", "ApproximateAgeOfOldestMessage")
                .contains("AWS/CodeBuild", "Duration");
    }

    @Test
    void shouldKeepEventsInAStandardEncryptedQueueWhenEnqueueOrCompletionFailsAfterLambdasRetries() {
        String failures = Templates.logicalId(resources, "AWS::SQS::Queue", "InvocationFailureQueue");
        assertThat(Templates.properties(resources, failures))
                .containsEntry("SqsManagedSseEnabled", true)
                .containsEntry("MessageRetentionPeriod", 14 * 24 * 3600)
                .doesNotContainKey("FifoQueue")
                .doesNotContainKey("RedrivePolicy");
        assertDeniesInsecureTransport(failures);

        template.resourceCountIs("AWS::Lambda::EventInvokeConfig", 3);
        for (FunctionSpec spec : List.of(FunctionSpec.ENQUEUE, FunctionSpec.COMPLETION)) {
            Map<String, Object> config = Templates.properties(
                    resources,
                    Templates.logicalId(resources, "AWS::Lambda::EventInvokeConfig", spec.id() + "AliasEventInvoke"));
            assertThat(config)
                    .as(spec.id())
                    .containsEntry(
                            "FunctionName",
                            Map.of(
                                    "Ref",
                                    Templates.logicalId(resources, "AWS::Lambda::Function", spec.id() + "Function")))
                    .containsEntry("MaximumRetryAttempts", 2)
                    .containsEntry("MaximumEventAgeInSeconds", 6 * 3600)
                    .containsEntry(
                            "DestinationConfig",
                            Map.of("OnFailure", Map.of("Destination", Map.of("Fn::GetAtt", List.of(failures, "Arn")))));
            assertThat(TestApps.JSON.valueToTree(config.get("Qualifier")).toString())
                    .as(spec.id() + ": the alias EventBridge invokes, not $LATEST")
                    .contains(Templates.logicalId(resources, "AWS::Lambda::Alias", spec.id() + "Alias"));
            String role = Templates.logicalId(resources, "AWS::IAM::Role", spec.id() + "Role");
            assertThat(Templates.resourcesFor(Templates.statementsOf(resources, role), "sqs:SendMessage"))
                    .as(spec.id() + " may write its failures to the queue")
                    .contains(Map.of("Fn::GetAtt", List.of(failures, "Arn")));
        }
        for (FunctionSpec spec : FunctionSpec.values()) {
            if (spec == FunctionSpec.ENQUEUE || spec == FunctionSpec.COMPLETION) {
                continue;
            }
            // Sweep included: a failed run is covered by the next one, there is nothing to replay.
            String role = Templates.logicalId(resources, "AWS::IAM::Role", spec.id() + "Role");
            assertThat(TestApps.JSON
                            .valueToTree(Templates.statementsOf(resources, role))
                            .toString())
                    .as(spec.id() + " has no failure destination and no business with the queue")
                    .doesNotContain(failures);
        }
        template.hasOutput("InvocationFailureQueueUrl", Map.of("Value", Map.of("Ref", failures)));
    }

    @Test
    void shouldOutputEachResourceAnOperatorCommandLooksUpUnderItsContractKey() {
        Map<String, List<String>> referenced = Map.of(
                StackOutputs.TABLE_NAME, List.of("AWS::DynamoDB::Table", "StateTable"),
                StackOutputs.STATE_MACHINE_ARN, List.of("AWS::StepFunctions::StateMachine", "Workflow"),
                StackOutputs.QUEUE_URL, List.of("AWS::SQS::Queue", "ReplicationQueue"),
                StackOutputs.DEAD_LETTER_QUEUE_URL, List.of("AWS::SQS::Queue", "ReplicationDeadLetterQueue"),
                StackOutputs.EVENT_DELIVERY_DEAD_LETTER_QUEUE_URL,
                        List.of("AWS::SQS::Queue", "EventDeliveryDeadLetterQueue"),
                StackOutputs.INVOCATION_FAILURE_QUEUE_URL, List.of("AWS::SQS::Queue", "InvocationFailureQueue"),
                StackOutputs.DESTINATION_SECRET_ID, List.of("AWS::SecretsManager::Secret", "DestinationSecret"),
                StackOutputs.BUILD_PROJECT_NAME, List.of("AWS::CodeBuild::Project", "ReplicationBuild"),
                StackOutputs.RECONCILE_STATE_MACHINE_ARN,
                        List.of("AWS::StepFunctions::StateMachine", "ReconcileWorkflow"));

        // Facts of the settings, not resources: plain values.
        Map<String, String> plain = Map.of(
                StackOutputs.DESTINATION_REGION, "us-gov-west-1",
                StackOutputs.DESTINATION_ACCESS_STACK_NAME, "ecr-replicator-dev-destination-access");

        java.util.Set<String> keys = new java.util.HashSet<>(referenced.keySet());
        keys.addAll(plain.keySet());
        keys.add(StackOutputs.REPOSITORY_FILTER);
        assertThat(keys).containsExactlyInAnyOrderElementsOf(StackOutputs.ALL);
        plain.forEach((key, value) -> template.hasOutput(key, Map.of("Value", value)));
        assertThat(template.findOutputs(StackOutputs.REPOSITORY_FILTER).toString())
                .containsPattern("(prefix|wildcard):");
        assertThat(template.findOutputs("*").keySet())
                .as("every output is a contract key: a command can find it")
                .containsExactlyInAnyOrderElementsOf(StackOutputs.ALL);
        plain.forEach((key, value) -> template.hasOutput(key, Map.of("Value", value)));
        referenced.forEach((key, resource) -> template.hasOutput(
                key, Map.of("Value", Map.of("Ref", Templates.logicalId(resources, resource.get(0), resource.get(1))))));
    }

    @Test
    void shouldAlarmWhenAnEventInvocationFailsOrWaitsInTheFailureQueue() {
        String failures = Templates.logicalId(resources, "AWS::SQS::Queue", "InvocationFailureQueue");
        assertThat(Templates.properties(
                        resources, Templates.logicalId(resources, "AWS::CloudWatch::Alarm", "InvocationFailureAlarm")))
                .containsEntry("Namespace", "AWS/SQS")
                .containsEntry("MetricName", "ApproximateNumberOfMessagesVisible")
                .containsEntry(
                        "Dimensions",
                        List.of(Map.of(
                                "Name", "QueueName", "Value", Map.of("Fn::GetAtt", List.of(failures, "QueueName")))))
                .containsEntry("Statistic", "Maximum")
                .containsEntry("Period", 300)
                .containsEntry("Threshold", 0)
                .containsEntry("ComparisonOperator", "GreaterThanThreshold");
        for (FunctionSpec spec : List.of(FunctionSpec.ENQUEUE, FunctionSpec.COMPLETION, FunctionSpec.SWEEP)) {
            assertThat(Templates.properties(
                            resources,
                            Templates.logicalId(resources, "AWS::CloudWatch::Alarm", spec.id() + "ErrorsAlarm")))
                    .as(spec.id())
                    .containsEntry("Namespace", "AWS/Lambda")
                    .containsEntry("MetricName", "Errors")
                    .containsEntry(
                            "Dimensions",
                            List.of(Map.of(
                                    "Name",
                                    "FunctionName",
                                    "Value",
                                    Map.of(
                                            "Ref",
                                            Templates.logicalId(
                                                    resources, "AWS::Lambda::Function", spec.id() + "Function")))))
                    .containsEntry("Statistic", "Sum")
                    .containsEntry("Period", 300)
                    .containsEntry("Threshold", 0)
                    .containsEntry("ComparisonOperator", "GreaterThanThreshold");
        }
        String body = TestApps.JSON
                .valueToTree(Templates.properties(
                                resources, Templates.logicalId(resources, "AWS::CloudWatch::Dashboard", "Dashboard"))
                        .get("DashboardBody"))
                .toString();
        assertThat(body)
                .contains("Lost events", "Invocation failures", "Enqueue errors", "Completion errors", "Sweep errors")
                .contains("\\\"AWS/Lambda\\\",\\\"Errors\\\"");
    }

    @Test
    void shouldRunTheSweepEveryFiveMinutesWithoutRetriesWhenTheNextRunCoversAMissedOne() {
        String sweepAlias = Templates.logicalId(resources, "AWS::Lambda::Alias", "SweepAlias");
        String rule = Templates.logicalId(resources, "AWS::Events::Rule", "SweepSchedule");
        Map<String, Object> schedule = Templates.properties(resources, rule);
        assertThat(schedule)
                .containsEntry("ScheduleExpression", "rate(5 minutes)")
                .containsEntry("State", "ENABLED")
                .doesNotContainKey("EventPattern");
        List<Object> targets = Templates.asList(schedule.get("Targets"));
        assertThat(targets).hasSize(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> target = (Map<String, Object>) targets.get(0);
        assertThat(target)
                .containsEntry("Arn", Map.of("Ref", sweepAlias))
                .as("a run EventBridge could not start is covered by the next one")
                .containsEntry("RetryPolicy", Map.of("MaximumRetryAttempts", 0))
                .doesNotContainKey("DeadLetterConfig");
        template.hasResourceProperties(
                "AWS::Lambda::Permission",
                Map.of(
                        "Action",
                        "lambda:InvokeFunction",
                        "FunctionName",
                        Map.of("Ref", sweepAlias),
                        "Principal",
                        "events.amazonaws.com",
                        "SourceArn",
                        Map.of("Fn::GetAtt", List.of(rule, "Arn"))));

        Map<String, Object> config = Templates.properties(
                resources, Templates.logicalId(resources, "AWS::Lambda::EventInvokeConfig", "SweepAliasEventInvoke"));
        assertThat(config)
                .containsEntry(
                        "FunctionName",
                        Map.of("Ref", Templates.logicalId(resources, "AWS::Lambda::Function", "SweepFunction")))
                .containsEntry("MaximumRetryAttempts", 0)
                .as("a tick older than the interval is dropped: the next run does its work")
                .containsEntry("MaximumEventAgeInSeconds", 300)
                .doesNotContainKey("DestinationConfig");
        assertThat(TestApps.JSON.valueToTree(config.get("Qualifier")).toString())
                .contains(sweepAlias);
    }

    @Test
    void shouldGrantTheSweepOnlyThisProjectsBuildsTheTaskResponsesAndTheStateItems() {
        String role = Templates.logicalId(resources, "AWS::IAM::Role", "SweepRole");
        List<Map<String, Object>> statements = Templates.statementsOf(resources, role);
        assertThat(Templates.actions(statements))
                .containsExactlyInAnyOrder(
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "xray:PutTraceSegments",
                        "xray:PutTelemetryRecords",
                        "codebuild:ListBuildsForProject",
                        "codebuild:BatchGetBuilds",
                        "states:SendTaskSuccess",
                        "states:SendTaskFailure",
                        "states:SendTaskHeartbeat",
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem",
                        "dynamodb:GetItem");
        Map<String, Object> project = Map.of(
                "Fn::GetAtt",
                List.of(Templates.logicalId(resources, "AWS::CodeBuild::Project", "ReplicationBuild"), "Arn"));
        assertThat(Templates.resourcesFor(statements, "codebuild:ListBuildsForProject"))
                .containsExactly(project);
        assertThat(Templates.resourcesFor(statements, "codebuild:BatchGetBuilds"))
                .containsExactly(project);
        String workflow = Templates.logicalId(resources, "AWS::StepFunctions::StateMachine", "Workflow");
        String reconcile = Templates.logicalId(resources, "AWS::StepFunctions::StateMachine", "ReconcileWorkflow");
        assertThat(Templates.resourcesFor(statements, "states:SendTaskSuccess"))
                .as("a reconcile build's task belongs to the reconcile workflow")
                .containsExactlyInAnyOrder(Map.of("Ref", workflow), Map.of("Ref", reconcile));
        assertThat(Templates.resourcesFor(statements, "states:SendTaskFailure"))
                .containsExactlyInAnyOrder(Map.of("Ref", workflow), Map.of("Ref", reconcile));
        assertThat(Templates.resourcesFor(statements, "dynamodb:UpdateItem"))
                .containsExactly(Map.of(
                        "Fn::GetAtt",
                        List.of(Templates.logicalId(resources, "AWS::DynamoDB::Table", "StateTable"), "Arn")));
    }

    @SuppressWarnings("unchecked")
    private static Map<List<String>, List<String>> dynamoGrants(List<Map<String, Object>> statements) {
        Map<List<String>, List<String>> keysByActions = new java.util.LinkedHashMap<>();
        for (Map<String, Object> statement : statements) {
            List<String> actions = Templates.asList(statement.get("Action")).stream()
                    .map(String::valueOf)
                    .filter(action -> action.startsWith("dynamodb:"))
                    .sorted()
                    .toList();
            if (actions.isEmpty()) {
                continue;
            }
            Map<String, Object> condition = (Map<String, Object>) statement.get("Condition");
            Map<String, Object> like =
                    condition == null ? Map.of() : (Map<String, Object>) condition.get("ForAllValues:StringLike");
            List<String> keys = like == null
                    ? List.of("(every item)")
                    : Templates.asList(like.get("dynamodb:LeadingKeys")).stream()
                            .map(String::valueOf)
                            .toList();
            keysByActions.put(actions, keys);
        }
        return keysByActions;
    }

    /** IAM's StringLike: '*' any run of characters, '?' any one. */
    static boolean iamLike(String pattern, String value) {
        StringBuilder regex = new StringBuilder();
        for (char c : pattern.toCharArray()) {
            regex.append(c == '*' ? ".*" : c == '?' ? "." : java.util.regex.Pattern.quote(String.valueOf(c)));
        }
        return value.matches(regex.toString());
    }

    @Test
    void shouldLetCompletionAndTheSweepOnlyReadTheAttemptItemsAndWriteOnlyTheReplicatedRepositoriesItems() {
        for (String function : List.of("CompletionRole", "SweepRole")) {
            String role = Templates.logicalId(resources, "AWS::IAM::Role", function);
            assertThat(dynamoGrants(Templates.statementsOf(resources, role)))
                    .as(function)
                    .containsOnly(
                            Map.entry(
                                    List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
                                    List.of("team/*:*", "team/*@*", "#removal#team/*@*")),
                            Map.entry(List.of("dynamodb:GetItem"), List.of("#attempt#*")));
        }
        String startReconcile = Templates.logicalId(resources, "AWS::IAM::Role", "StartReconcileBuildRole");
        assertThat(dynamoGrants(Templates.statementsOf(resources, startReconcile)))
                .containsOnly(Map.entry(List.of("dynamodb:GetItem", "dynamodb:PutItem"), List.of("#attempt#*")));
    }

    @Test
    void shouldKeepTheAttemptItemsOutOfTheBuildsReachWhateverTheRepositoryFilter() {
        String attempt = StateTable.attemptKey("0123456789abcdef0123456789abcdef");
        String byToken = StateTable.attemptTokenKey(Sha256.hex("token-1"));
        for (Map<String, Map<String, Object>> stack : List.of(
                resources,
                Templates.resources(Template.fromStack(TestApps.define("dev", replication -> {
                            replication.remove("repositoryPrefixes");
                            replication.put("repositoryWildcards", List.of("*"));
                        })
                        .replication())))) {
            String role = Templates.logicalId(stack, "AWS::IAM::Role", "BuildRole");
            Map<List<String>, List<String>> grants = dynamoGrants(Templates.statementsOf(stack, role));
            assertThat(grants.values()).isNotEmpty().allSatisfy(keys -> assertThat(keys)
                    .isNotEmpty()
                    .noneMatch(pattern -> iamLike(pattern, attempt) || iamLike(pattern, byToken)));
        }
        assertThat(iamLike("*:*", "team/app:1.0")).isTrue();
        assertThat(template.toJSON().toString()).doesNotContain("TASK_TOKEN");
    }

    @Test
    void shouldSendAlarmsToTheConfiguredTopic() {
        String topic = "arn:aws:sns:us-east-1:111122223333:replication-alarms";
        Template withTopic =
                Template.fromStack(TestApps.define("dev", replication -> replication.put("alarmTopicArn", topic))
                        .replication());
        withTopic.allResourcesProperties("AWS::CloudWatch::Alarm", Map.of("AlarmActions", List.of(topic)));
    }

    @Test
    void shouldImportANamedSecretAndUseWildcardsWhenConfigured() {
        Template imported = Template.fromStack(TestApps.define("dev", replication -> {
                    replication.put("destinationSecretName", "shared/ecr-destination");
                    replication.remove("repositoryPrefixes");
                    replication.put("repositoryWildcards", List.of("team/*-app", "base/*"));
                    replication.put("replicateDeletes", false);
                })
                .replication());
        imported.resourceCountIs("AWS::SecretsManager::Secret", 0);
        imported.hasResourceProperties(
                "AWS::Events::Rule",
                Map.of(
                        "EventPattern",
                        Map.of(
                                "source", List.of("aws.ecr"),
                                "detail-type", List.of("ECR Image Action", "ECR Referrer Action"),
                                "detail",
                                        Map.of(
                                                "result", List.of("SUCCESS"),
                                                "action-type", List.of("PUSH"),
                                                "repository-name",
                                                        List.of(
                                                                Map.of("wildcard", "team/*-app"),
                                                                Map.of("wildcard", "base/*"))))));
        Map<String, Map<String, Object>> importedResources = Templates.resources(imported);
        assertThat(Templates.environment(importedResources, FunctionSpec.READ_SECRET))
                .containsEntry(FunctionEnvironment.SECRET_ID, "shared/ecr-destination");
        String role = Templates.logicalId(importedResources, "AWS::IAM::Role", "BuildRole");
        String secretResources = TestApps.JSON
                .valueToTree(Templates.resourcesFor(
                        Templates.statementsOf(importedResources, role), "secretsmanager:GetSecretValue"))
                .toString();
        assertThat(secretResources).contains(":secret:shared/ecr-destination-??????");
        String ecrResources = TestApps.JSON
                .valueToTree(
                        Templates.resourcesFor(Templates.statementsOf(importedResources, role), "ecr:BatchGetImage"))
                .toString();
        assertThat(ecrResources).contains(":repository/team/*-app").contains(":repository/base/*");
    }

    @Test
    void shouldUseX86WithoutSnapStartAndEc2BuildsInGovCloud() {
        Template gov = Template.fromStack(TestApps.define(
                        "prod",
                        replication -> {
                            replication.put("region", "us-gov-west-1");
                            replication.put("destinationRegion", "us-east-1");
                        },
                        destination -> destination.put("region", "us-east-1"))
                .replication());
        gov.allResourcesProperties(
                "AWS::Lambda::Function", Map.of("Architectures", List.of("x86_64"), "SnapStart", Match.absent()));
        gov.hasResourceProperties(
                "AWS::CodeBuild::Project",
                Map.of("Environment", Match.objectLike(Map.of("ComputeType", "BUILD_GENERAL1_SMALL"))));
        Map<String, Map<String, Object>> govResources = Templates.resources(gov);
        String role = Templates.logicalId(govResources, "AWS::IAM::Role", "BuildRole");
        assertThat(TestApps.JSON
                        .valueToTree(
                                Templates.resourcesFor(Templates.statementsOf(govResources, role), "ecr:BatchGetImage"))
                        .toString())
                .contains("arn:aws-us-gov:ecr:us-gov-west-1:");
    }

    @Test
    void shouldRunBuildsOnLambdaComputeWithTheCorretto21LambdaImageWhereOffered() {
        Template lambda = Template.fromStack(TestApps.define("dev", replication -> {
                    replication.put("buildComputeType", "BUILD_LAMBDA_2GB");
                    replication.put("buildTimeoutMinutes", 15);
                })
                .replication());
        lambda.hasResourceProperties(
                "AWS::CodeBuild::Project",
                Map.of(
                        "Environment",
                        Match.objectLike(Map.of(
                                "ComputeType", "BUILD_LAMBDA_2GB",
                                "Type", "LINUX_LAMBDA_CONTAINER",
                                "Image", "aws/codebuild/amazonlinux-x86_64-lambda-standard:corretto21",
                                "PrivilegedMode", false)),
                        "TimeoutInMinutes",
                        Match.absent()));
    }

    /** The queue's policy denies every action over plain HTTP (enforceSSL). */
    private static void assertDeniesInsecureTransport(String queueId) {
        template.hasResourceProperties(
                "AWS::SQS::QueuePolicy",
                Map.of(
                        "Queues",
                        List.of(Map.of("Ref", queueId)),
                        "PolicyDocument",
                        Map.of(
                                "Statement",
                                Match.arrayWith(List.of(Match.objectLike(Map.of(
                                        "Effect",
                                        "Deny",
                                        "Action",
                                        "sqs:*",
                                        "Principal",
                                        Map.of("AWS", "*"),
                                        "Condition",
                                        Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))));
    }
}
