package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.ecrreplicator.domain.contract.ReconcileMetrics;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

/** The reconcile's part of the dev replication stack (decision 0068), asserted on intent. */
class ReconcileStackTest {
    private static Template template;
    private static Map<String, Map<String, Object>> resources;

    @BeforeAll
    static void synthesize() {
        template = Template.fromStack(TestApps.define("dev").replication());
        resources = Templates.resources(template);
    }

    private static String id(String type, String constructId) {
        return Templates.logicalId(resources, type, constructId);
    }

    private static Map<String, Object> ref(String type, String constructId) {
        return Map.of("Ref", id(type, constructId));
    }

    private static Map<String, Object> tableArn(Map<String, Map<String, Object>> in) {
        return Map.of("Fn::GetAtt", List.of(Templates.logicalId(in, "AWS::DynamoDB::Table", "StateTable"), "Arn"));
    }

    @Test
    void shouldRunTheReconcileWorkflowFromItsAslFileWithItsSubstitutionsErrorLoggingAndTracing() {
        Map<String, Object> workflow =
                Templates.properties(resources, id("AWS::StepFunctions::StateMachine", "ReconcileWorkflow"));
        assertThat(workflow)
                .containsEntry("StateMachineName", "ecr-replicator-dev-reconcile")
                .containsEntry("StateMachineType", "STANDARD")
                .containsEntry("TracingConfiguration", Map.of("Enabled", true));
        assertThat(workflow.get("DefinitionString").toString()).contains("\"MaxConcurrencyPath\"");
        assertThat(TestApps.JSON
                        .valueToTree(workflow.get("LoggingConfiguration"))
                        .toString())
                .contains("\"Level\":\"ERROR\"")
                .contains("\"IncludeExecutionData\":false")
                .contains(id("AWS::Logs::LogGroup", "ReconcileWorkflowLogs"));
        assertThat(Templates.properties(resources, id("AWS::Logs::LogGroup", "ReconcileWorkflowLogs")))
                .containsEntry("LogGroupName", "/aws/vendedlogs/states/ecr-replicator-dev-reconcile");
        @SuppressWarnings("unchecked")
        Map<String, Object> substitutions = (Map<String, Object>) workflow.get("DefinitionSubstitutions");
        assertThat(substitutions)
                .containsOnlyKeys(
                        StateMachineTemplate.READ_SECRET_FUNCTION_ARN,
                        StateMachineTemplate.START_RECONCILE_BUILD_FUNCTION_ARN,
                        StateMachineTemplate.RECORD_RECONCILE_FUNCTION_ARN,
                        StateMachineTemplate.RECONCILE_CONCURRENCY,
                        StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS)
                .containsEntry(StateMachineTemplate.READ_SECRET_FUNCTION_ARN, ref("AWS::Lambda::Alias", "ReadSecret"))
                .containsEntry(
                        StateMachineTemplate.START_RECONCILE_BUILD_FUNCTION_ARN,
                        ref("AWS::Lambda::Alias", "StartReconcileBuildAlias"))
                .containsEntry(
                        StateMachineTemplate.RECORD_RECONCILE_FUNCTION_ARN,
                        ref("AWS::Lambda::Alias", "RecordReconcileAlias"))
                .containsEntry(StateMachineTemplate.RECONCILE_CONCURRENCY, "1")
                .as("the builds are the replication's project: the same task timeout, (30 + 30) * 60 + 300")
                .containsEntry(StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS, "3900");
        template.hasOutput(
                StackOutputs.RECONCILE_STATE_MACHINE_ARN,
                Map.of("Value", ref("AWS::StepFunctions::StateMachine", "ReconcileWorkflow")));
    }

    @Test
    void shouldPassTheConcurrencySettingToTheMapWhenConfigured() {
        Map<String, Map<String, Object>> configured =
                Templates.resources(Template.fromStack(TestApps.define("dev", replication -> {
                            replication.put("buildConcurrency", 20);
                            replication.put("reconcileConcurrency", 12);
                            replication.put("reconcileShardSize", 2000);
                        })
                        .replication()));
        Map<String, Object> workflow = Templates.properties(
                configured, Templates.logicalId(configured, "AWS::StepFunctions::StateMachine", "ReconcileWorkflow"));
        assertThat(TestApps.JSON
                        .valueToTree(workflow.get("DefinitionSubstitutions"))
                        .toString())
                .contains("\"" + StateMachineTemplate.RECONCILE_CONCURRENCY + "\":\"12\"");
        assertThat(Templates.environment(configured, FunctionSpec.START_RECONCILE_BUILD))
                .containsEntry(FunctionEnvironment.RECONCILE_SHARD_SIZE, "2000");
    }

    @Test
    void shouldLetTheReconcileWorkflowInvokeExactlyItsThreeTaskAliases() {
        String role = id("AWS::IAM::Role", "ReconcileWorkflowRole");
        List<Object> invoked = Templates.statementsOf(resources, role).stream()
                .filter(statement -> String.valueOf(statement.get("Action")).contains("lambda:InvokeFunction"))
                .flatMap(statement -> Templates.asList(statement.get("Resource")).stream())
                .collect(Collectors.toCollection(ArrayList::new));
        List<String> tasks = List.of("ReadSecretAlias", "StartReconcileBuildAlias", "RecordReconcileAlias");
        for (String task : tasks) {
            assertThat(invoked).contains(ref("AWS::Lambda::Alias", task));
        }
        assertThat(invoked).as("only the aliases (and CDK's ':*' form of them)").allSatisfy(resource -> assertThat(
                        TestApps.JSON.writeValueAsString(resource))
                .containsAnyOf(tasks.toArray(String[]::new)));
    }

    @Test
    void shouldConfigureTheReconcileFunctionsLikeStartBuildWithTheFilterAndTheStackName() {
        Map<String, Object> startBuild = Templates.environment(resources, FunctionSpec.START_BUILD);
        Map<String, Object> startReconcileBuild = Templates.environment(resources, FunctionSpec.START_RECONCILE_BUILD);
        assertThat(startReconcileBuild)
                .as("StartBuild's environment, and the filter and shard size of the plan")
                .containsAllEntriesOf(startBuild)
                .containsOnlyKeys(concat(
                        startBuild.keySet(),
                        FunctionEnvironment.REPOSITORY_FILTER,
                        FunctionEnvironment.RECONCILE_SHARD_SIZE))
                .containsEntry(FunctionEnvironment.REPOSITORY_FILTER, "prefix:team/")
                .containsEntry(FunctionEnvironment.RECONCILE_SHARD_SIZE, "500");
        assertThat(Templates.environment(resources, FunctionSpec.RECORD_RECONCILE))
                .containsOnlyKeys(
                        FunctionEnvironment.TABLE_NAME,
                        FunctionEnvironment.STACK_NAME,
                        FunctionEnvironment.HISTORY_TTL_DAYS)
                .containsEntry(FunctionEnvironment.TABLE_NAME, ref("AWS::DynamoDB::Table", "StateTable"))
                .containsEntry(FunctionEnvironment.STACK_NAME, "ecr-replicator-dev-replication")
                .containsEntry(FunctionEnvironment.HISTORY_TTL_DAYS, "30");
        for (FunctionSpec spec : List.of(FunctionSpec.START_RECONCILE_BUILD, FunctionSpec.RECORD_RECONCILE)) {
            assertThat(Templates.properties(resources, id("AWS::Lambda::Function", spec.id() + "Function")))
                    .as(spec.id())
                    .containsEntry("Handler", "org.ecrreplicator.functions." + spec.id() + "Handler::handleRequest")
                    .containsEntry("Runtime", "java21");
        }
    }

    @Test
    void shouldPassTheWildcardsAsTheRepositoryFilterWhenTheStackUsesWildcards() {
        Map<String, Map<String, Object>> wildcards =
                Templates.resources(Template.fromStack(TestApps.define("dev", replication -> {
                            replication.remove("repositoryPrefixes");
                            replication.put("repositoryWildcards", List.of("team/*-app", "base/*"));
                        })
                        .replication()));
        assertThat(Templates.environment(wildcards, FunctionSpec.START_RECONCILE_BUILD))
                .containsEntry(FunctionEnvironment.REPOSITORY_FILTER, "wildcard:team/*-app,base/*");
        String role = Templates.logicalId(wildcards, "AWS::IAM::Role", "BuildRole");
        assertThat(leadingKeys(Templates.statementsOf(wildcards, role)))
                .containsExactlyInAnyOrder(
                        "team/*-app:*", "team/*-app@*", "base/*:*", "base/*@*", "#reconcile#*", "#blob#*");
    }

    @Test
    void shouldGrantStartReconcileBuildOnlyTheProjectAndItsAttemptsAndRecordReconcileOnlyTheTableWhenSynthesised() {
        Map<String, Object> project =
                Map.of("Fn::GetAtt", List.of(id("AWS::CodeBuild::Project", "ReplicationBuild"), "Arn"));
        List<Map<String, Object>> start =
                Templates.statementsOf(resources, id("AWS::IAM::Role", "StartReconcileBuildRole"));
        assertThat(Templates.actions(start))
                .containsExactlyInAnyOrder(
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "xray:PutTraceSegments",
                        "xray:PutTelemetryRecords",
                        "codebuild:StartBuild",
                        "dynamodb:GetItem",
                        "dynamodb:PutItem");
        assertThat(Templates.resourcesFor(start, "codebuild:StartBuild")).containsExactly(project);
        assertThat(leadingKeys(start))
                .as("its attempts' task tokens and nothing else of the table (decision 0071)")
                .containsExactly("#attempt#*");

        List<Map<String, Object>> record =
                Templates.statementsOf(resources, id("AWS::IAM::Role", "RecordReconcileRole"));
        assertThat(Templates.actions(record))
                .as("its metrics go out in its log: no cloudwatch:PutMetricData")
                .containsExactlyInAnyOrder(
                        "logs:CreateLogStream",
                        "logs:PutLogEvents",
                        "xray:PutTraceSegments",
                        "xray:PutTelemetryRecords",
                        "dynamodb:GetItem",
                        "dynamodb:PutItem",
                        "dynamodb:UpdateItem");
        assertThat(Templates.resourcesFor(record, "dynamodb:UpdateItem")).containsExactly(tableArn(resources));
    }

    @Test
    void shouldLetCompletionAndTheSweepAnswerTheTasksOfBothWorkflows() {
        Map<String, Object> workflow = ref("AWS::StepFunctions::StateMachine", "Workflow");
        Map<String, Object> reconcile = ref("AWS::StepFunctions::StateMachine", "ReconcileWorkflow");
        for (String function : List.of("Completion", "Sweep")) {
            List<Map<String, Object>> statements =
                    Templates.statementsOf(resources, id("AWS::IAM::Role", function + "Role"));
            for (String action : List.of("states:SendTaskSuccess", "states:SendTaskFailure")) {
                assertThat(Templates.resourcesFor(statements, action))
                        .as(function + " " + action)
                        .containsExactlyInAnyOrder(workflow, reconcile);
            }
        }
    }

    @Test
    void shouldStartTheReconcileDailyWithAnEmptyInputThroughARoleThatMayOnlyStartIt() {
        Map<String, Object> rule = Templates.properties(resources, id("AWS::Events::Rule", "ReconcileSchedule"));
        assertThat(rule)
                .containsEntry("ScheduleExpression", "rate(1 day)")
                .containsEntry("State", "ENABLED")
                .doesNotContainKey("EventPattern");
        List<Object> targets = Templates.asList(rule.get("Targets"));
        assertThat(targets).hasSize(1);
        @SuppressWarnings("unchecked")
        Map<String, Object> target = (Map<String, Object>) targets.get(0);
        String role = id("AWS::IAM::Role", "ReconcileScheduleRole");
        assertThat(target)
                .containsEntry("Arn", ref("AWS::StepFunctions::StateMachine", "ReconcileWorkflow"))
                .containsEntry("Input", "{}")
                .containsEntry("RoleArn", Map.of("Fn::GetAtt", List.of(role, "Arn")))
                .containsEntry("RetryPolicy", Map.of("MaximumRetryAttempts", 2, "MaximumEventAgeInSeconds", 3600));
        assertThat(TestApps.JSON
                        .valueToTree(Templates.properties(resources, role).get("AssumeRolePolicyDocument"))
                        .toString())
                .contains("events.amazonaws.com");
        List<Map<String, Object>> statements = Templates.statementsOf(resources, role);
        assertThat(Templates.actions(statements)).containsExactly("states:StartExecution");
        assertThat(Templates.resourcesFor(statements, "states:StartExecution"))
                .containsExactly(ref("AWS::StepFunctions::StateMachine", "ReconcileWorkflow"));
    }

    @Test
    void shouldScheduleTheConfiguredCronExpressionWhenSet() {
        Template cron = Template.fromStack(
                TestApps.define("dev", replication -> replication.put("reconcileSchedule", "cron(0 3 ? * SUN *)"))
                        .replication());
        cron.hasResourceProperties("AWS::Events::Rule", Map.of("ScheduleExpression", "cron(0 3 ? * SUN *)"));
    }

    @Test
    void shouldCreateNoScheduleButKeepTheWorkflowWhenTheScheduleIsOff() {
        Template off =
                Template.fromStack(TestApps.define("dev", replication -> replication.put("reconcileSchedule", "off"))
                        .replication());
        Map<String, Map<String, Object>> offResources = Templates.resources(off);
        assertThat(offResources.keySet()).noneMatch(key -> key.startsWith("ReconcileSchedule"));
        off.resourceCountIs("AWS::StepFunctions::StateMachine", 2);
        off.hasOutput(StackOutputs.RECONCILE_STATE_MACHINE_ARN, Map.of());
        String failed = Templates.logicalId(offResources, "AWS::CloudWatch::Alarm", "ReconcileFailedAlarm");
        assertThat(TestApps.JSON
                        .valueToTree(Templates.properties(offResources, failed))
                        .toString())
                .as("nothing to start, nothing that fails to start")
                .doesNotContain("FailedInvocations");
    }

    @Test
    void shouldLetTheBuildReadAndWriteOnlyTheStateItemsOfTheReplicatedRepositoriesAndOfTheRuns() {
        String role = id("AWS::IAM::Role", "BuildRole");
        List<Map<String, Object>> statements = Templates.statementsOf(resources, role);
        List<Map<String, Object>> dynamo = statements.stream()
                .filter(statement -> Templates.asList(statement.get("Action")).stream()
                        .anyMatch(action -> String.valueOf(action).startsWith("dynamodb:")))
                .toList();
        assertThat(dynamo).hasSize(2);
        assertThat(Templates.asList(dynamo.get(0).get("Action")))
                .containsExactlyInAnyOrder("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");
        assertThat(Templates.asList(dynamo.get(0).get("Resource"))).containsExactly(tableArn(resources));
        assertThat(leadingKeys(List.of(dynamo.get(0))))
                .containsExactlyInAnyOrder("team/*:*", "team/*@*", "#reconcile#*");
        // The shared blob index (decision 0072): batched reads and additions, its own items only.
        assertThat(Templates.asList(dynamo.get(1).get("Action")))
                .containsExactlyInAnyOrder("dynamodb:BatchGetItem", "dynamodb:UpdateItem");
        assertThat(Templates.asList(dynamo.get(1).get("Resource"))).containsExactly(tableArn(resources));
        assertThat(leadingKeys(List.of(dynamo.get(1)))).containsExactly("#blob#*");

        // The plan lists the repositories (DescribeRepositories without names is authorised on repository/*)
        // and the tags of the replicated ones.
        assertThat(TestApps.JSON
                        .valueToTree(Templates.resourcesFor(statements, "ecr:DescribeRepositories"))
                        .toString())
                .contains(":repository/*\"");
        assertThat(TestApps.JSON
                        .valueToTree(Templates.resourcesFor(statements, "ecr:ListImages"))
                        .toString())
                .contains(":repository/team/*\"");
    }

    @Test
    void shouldAlarmOnceADayWhenARunLeftDriftAndOnEveryFailedOrUnstartedRun() {
        Map<String, Object> drift =
                Templates.properties(resources, id("AWS::CloudWatch::Alarm", "ReconcileDriftAlarm"));
        assertThat(drift)
                .containsEntry("AlarmName", "ecr-replicator-dev-replication-reconcile-drift")
                .containsEntry("Namespace", ReconcileMetrics.NAMESPACE)
                .containsEntry("MetricName", ReconcileMetrics.DRIFT_LEFT)
                .containsEntry(
                        "Dimensions",
                        List.of(Map.of("Name", ReconcileMetrics.DIMENSION, "Value", "ecr-replicator-dev-replication")))
                .containsEntry("Statistic", "Maximum")
                .containsEntry("Period", 86_400)
                .containsEntry("EvaluationPeriods", 1)
                .containsEntry("Threshold", 0)
                .containsEntry("ComparisonOperator", "GreaterThanThreshold")
                .containsEntry("TreatMissingData", "notBreaching");

        Map<String, Object> failed =
                Templates.properties(resources, id("AWS::CloudWatch::Alarm", "ReconcileFailedAlarm"));
        assertThat(failed)
                .containsEntry("AlarmName", "ecr-replicator-dev-replication-reconcile-failed")
                .containsEntry("Threshold", 0)
                .containsEntry("ComparisonOperator", "GreaterThanThreshold")
                .containsEntry("TreatMissingData", "notBreaching");
        String metrics = TestApps.JSON.valueToTree(failed.get("Metrics")).toString();
        String reconcile = id("AWS::StepFunctions::StateMachine", "ReconcileWorkflow");
        assertThat(metrics)
                .contains("FILL(failed, 0) + FILL(timedOut, 0) + FILL(notStarted, 0)")
                .contains("\"ExecutionsFailed\"", "\"ExecutionsTimedOut\"", "\"FailedInvocations\"")
                .contains(reconcile)
                .contains(id("AWS::Events::Rule", "ReconcileSchedule"))
                .doesNotContain("\"" + id("AWS::StepFunctions::StateMachine", "Workflow") + "\"");
    }

    @Test
    void shouldSendTheReconcileAlarmsToTheConfiguredTopic() {
        String topic = "arn:aws:sns:us-east-1:111122223333:replication-alarms";
        Map<String, Map<String, Object>> withTopic = Templates.resources(
                Template.fromStack(TestApps.define("dev", replication -> replication.put("alarmTopicArn", topic))
                        .replication()));
        for (String alarm : List.of("ReconcileDriftAlarm", "ReconcileFailedAlarm")) {
            assertThat(Templates.properties(withTopic, Templates.logicalId(withTopic, "AWS::CloudWatch::Alarm", alarm)))
                    .as(alarm)
                    .containsEntry("AlarmActions", List.of(topic));
        }
    }

    private String dashboardBody() {
        return TestApps.JSON
                .valueToTree(Templates.properties(resources, id("AWS::CloudWatch::Dashboard", "Dashboard"))
                        .get("DashboardBody"))
                .toString();
    }

    @Test
    void shouldDrawEveryReconcileMetricOfThisStackOnTheDashboard() {
        String body = dashboardBody();
        assertThat(body)
                .contains("Reconcile runs", "Reconcile: tags per run", "Reconcile: bytes sent and mounted per run");
        for (String metric : ReconcileMetrics.ALL) {
            assertThat(body)
                    .as(metric)
                    .contains("\\\"" + ReconcileMetrics.NAMESPACE + "\\\",\\\"" + metric + "\\\",\\\""
                            + ReconcileMetrics.DIMENSION + "\\\",\\\"ecr-replicator-dev-replication\\\"");
        }
    }

    @Test
    void shouldDrawTheBytesMountedBesideTheBytesCopiedAndNotAmongTheTagCountsWhenTheDashboardIsBuilt() {
        String body = dashboardBody();
        int tags = body.indexOf("Reconcile: tags per run");
        int bytes = body.indexOf("Reconcile: bytes sent and mounted per run");
        assertThat(tags).isPositive().isLessThan(bytes);
        String tagsWidget = body.substring(tags, bytes);
        String bytesWidget = body.substring(bytes);
        for (String metric : List.of(ReconcileMetrics.BYTES_COPIED, ReconcileMetrics.BYTES_MOUNTED)) {
            String drawn = "\\\"" + metric + "\\\"";
            assertThat(bytesWidget).as(metric).contains(drawn);
            assertThat(tagsWidget).as(metric).doesNotContain(drawn);
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Object> leadingKeys(List<Map<String, Object>> statements) {
        List<Object> keys = new ArrayList<>();
        for (Map<String, Object> statement : statements) {
            Map<String, Object> condition = (Map<String, Object>) statement.get("Condition");
            if (condition != null && condition.get("ForAllValues:StringLike") instanceof Map<?, ?> like) {
                keys.addAll(Templates.asList(like.get("dynamodb:LeadingKeys")));
            }
        }
        return keys;
    }

    private static List<String> concat(java.util.Collection<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all;
    }
}
