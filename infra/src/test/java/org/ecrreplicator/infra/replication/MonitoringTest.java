package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.SynthesisMessage;

/** The alarms' names and actions, the alarms on the queue's age, functions and rejected events, the warning. */
// Annotations.find* returns cxapi.SynthesisMessage, deprecated in aws-cdk-lib 2.263 with no replacement type.
@SuppressWarnings("deprecation")
class MonitoringTest {
    private static final String STACK = "ecr-replicator-dev-replication";
    private static final String TOPIC = "arn:aws:sns:us-east-1:111122223333:replication-alarms";

    private static Stack withoutTopic;
    private static Map<String, Map<String, Object>> resources;
    private static Stack withTopic;

    @BeforeAll
    static void synthesize() {
        withoutTopic = TestApps.define("dev").replication();
        resources = Templates.resources(Template.fromStack(withoutTopic));
        withTopic = TestApps.define("dev", replication -> replication.put("alarmTopicArn", TOPIC))
                .replication();
    }

    private static Map<String, Object> alarm(String constructId) {
        return Templates.properties(resources, Templates.logicalId(resources, "AWS::CloudWatch::Alarm", constructId));
    }

    @Test
    void shouldNameEveryAlarmAfterTheStackWhenSynthesized() {
        List<String> names = new ArrayList<>();
        resources.values().stream()
                .filter(resource -> "AWS::CloudWatch::Alarm".equals(resource.get("Type")))
                .forEach(resource -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> properties = (Map<String, Object>) resource.get("Properties");
                    names.add(Objects.toString(properties.get("AlarmName"), "(generated)"));
                });
        assertThat(names)
                .isNotEmpty()
                .allSatisfy(name -> assertThat(name).matches(STACK + "-[a-z0-9-]+"))
                .doesNotHaveDuplicates()
                .contains(
                        STACK + "-dead-letters",
                        STACK + "-queue-age",
                        STACK + "-rejected-events",
                        STACK + "-dispatch-errors",
                        STACK + "-read-secret-throttles");
    }

    @Test
    void shouldSendOkActionsToTheAlarmTopicWhenATopicIsSet() {
        Template template = Template.fromStack(withTopic);
        template.allResourcesProperties(
                "AWS::CloudWatch::Alarm", Map.of("AlarmActions", List.of(TOPIC), "OKActions", List.of(TOPIC)));
        Template.fromStack(withoutTopic)
                .allResourcesProperties("AWS::CloudWatch::Alarm", Map.of("OKActions", Match.absent()));
    }

    @Test
    void shouldWarnNamingAlarmTopicArnWhenNoTopicIsSet() {
        List<SynthesisMessage> warnings =
                Annotations.fromStack(withoutTopic).findWarning("*", Match.stringLikeRegexp(".*alarmTopicArn.*"));
        assertThat(warnings).hasSize(1);
        assertThat(Annotations.fromStack(withTopic).findWarning("*", Match.stringLikeRegexp(".*alarmTopicArn.*")))
                .isEmpty();
    }

    @Test
    void shouldAlarmWhenTheOldestQueuedRequestIsOlderThanTheThreshold() {
        assertThat(alarm("QueueAgeAlarm"))
                .containsEntry("Namespace", "AWS/SQS")
                .containsEntry("MetricName", "ApproximateAgeOfOldestMessage")
                .containsEntry(
                        "Dimensions",
                        List.of(Map.of(
                                "Name",
                                "QueueName",
                                "Value",
                                Map.of(
                                        "Fn::GetAtt",
                                        List.of(
                                                Templates.logicalId(resources, "AWS::SQS::Queue", "ReplicationQueue"),
                                                "QueueName")))))
                .containsEntry("Statistic", "Maximum")
                .containsEntry("Threshold", (int) ReplicationMonitoring.QUEUE_AGE_THRESHOLD.toSeconds())
                .containsEntry("ComparisonOperator", "GreaterThanThreshold");
    }

    @Test
    void shouldAlarmOnErrorsAndThrottlesOfEveryFunction() {
        for (FunctionSpec spec : FunctionSpec.values()) {
            String function = Templates.logicalId(resources, "AWS::Lambda::Function", spec.id() + "Function");
            for (String metric : List.of("Errors", "Throttles")) {
                assertThat(alarm(spec.id() + metric + "Alarm"))
                        .as(spec.id() + " " + metric)
                        .containsEntry("Namespace", "AWS/Lambda")
                        .containsEntry("MetricName", metric)
                        .containsEntry(
                                "Dimensions", List.of(Map.of("Name", "FunctionName", "Value", Map.of("Ref", function))))
                        .containsEntry("Statistic", "Sum")
                        .containsEntry("Threshold", 0)
                        .containsEntry("ComparisonOperator", "GreaterThanThreshold")
                        .containsEntry(
                                "AlarmName",
                                STACK + "-" + ReplicationMonitoring.kebab(spec.id()) + "-" + metric.toLowerCase());
            }
        }
    }

    @Test
    void shouldCountEnqueueRejectionsFromItsLogGroupAndAlarmOnOne() {
        String filter = Templates.logicalId(resources, "AWS::Logs::MetricFilter", "RejectedEventsFilter");
        Map<String, Object> properties = Templates.properties(resources, filter);
        assertThat(properties)
                .containsEntry(
                        "LogGroupName",
                        Map.of("Ref", Templates.logicalId(resources, "AWS::Logs::LogGroup", "EnqueueLogs")))
                .containsEntry("FilterPattern", "{ $.RejectedEvents = 1 }");
        assertThat(properties.get("MetricTransformations"))
                .isEqualTo(List.of(Map.of(
                        "MetricNamespace",
                        ReplicationMonitoring.rejectedEventsNamespace(STACK),
                        "MetricName",
                        "RejectedEvents",
                        "MetricValue",
                        "1")));
        assertThat(alarm("RejectedEventsAlarm"))
                .containsEntry("Namespace", ReplicationMonitoring.rejectedEventsNamespace(STACK))
                .containsEntry("MetricName", "RejectedEvents")
                .containsEntry("Statistic", "Sum")
                .containsEntry("Threshold", 0)
                .containsEntry("ComparisonOperator", "GreaterThanThreshold");
    }

    @Test
    void shouldShowTheNewAlarmsMetricsOnTheDashboard() {
        String body = TestApps.JSON
                .valueToTree(Templates.properties(
                                resources, Templates.logicalId(resources, "AWS::CloudWatch::Dashboard", "Dashboard"))
                        .get("DashboardBody"))
                .toString();
        assertThat(body)
                .contains("Function errors", "Function throttles", "Rejected events", "Age of the oldest message")
                .contains("Throttles", "RejectedEvents", "ApproximateAgeOfOldestMessage", "Errors");
    }
}
