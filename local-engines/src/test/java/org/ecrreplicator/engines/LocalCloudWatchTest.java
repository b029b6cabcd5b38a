package org.ecrreplicator.engines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.AlarmType;
import software.amazon.awssdk.services.cloudwatch.model.CloudWatchException;
import software.amazon.awssdk.services.cloudwatch.model.DescribeAlarmsResponse;
import software.amazon.awssdk.services.cloudwatch.model.InvalidNextTokenException;
import software.amazon.awssdk.services.cloudwatch.model.MetricAlarm;
import software.amazon.awssdk.services.cloudwatch.model.StateValue;

/** The stand-in as the SDK's CloudWatch client (AWS Query protocol) sees it. */
class LocalCloudWatchTest {
    private static final String TOPIC = "arn:aws:sns:us-east-1:123456789012:ops";

    private LocalCloudWatch cloudWatch;
    private CloudWatchClient client;

    @BeforeEach
    void start() {
        cloudWatch = new LocalCloudWatch("us-east-1", "123456789012");
        client = CloudWatchClient.builder()
                .endpointOverride(cloudWatch.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDLOCALTESTONLY000", "local-test-only-not-a-key")))
                .httpClient(UrlConnectionHttpClient.builder()
                        .socketTimeout(Duration.ofSeconds(5))
                        .build())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        cloudWatch.close();
    }

    @Test
    void shouldDescribeTheNamedAlarmsWithTheirActionsWhenTheSdkAsksByName() {
        cloudWatch.putAlarm(LocalCloudWatch.Alarm.of("stack-DeadLetterAlarm", List.of(TOPIC)));
        cloudWatch.putAlarm(LocalCloudWatch.Alarm.of("stack-FailedExecutionsAlarm", List.of())
                .withState("ALARM"));
        cloudWatch.putAlarm(LocalCloudWatch.Alarm.of("other-Alarm", List.of(TOPIC)));

        DescribeAlarmsResponse response = client.describeAlarms(
                request -> request.alarmNames("stack-DeadLetterAlarm", "stack-FailedExecutionsAlarm", "deleted-Alarm")
                        .alarmTypes(AlarmType.METRIC_ALARM, AlarmType.COMPOSITE_ALARM));

        assertThat(response.metricAlarms())
                .extracting(MetricAlarm::alarmName)
                .as("unknown names are left out, not an error")
                .containsExactly("stack-DeadLetterAlarm", "stack-FailedExecutionsAlarm");
        MetricAlarm dead = response.metricAlarms().get(0);
        assertThat(dead.alarmArn()).isEqualTo("arn:aws:cloudwatch:us-east-1:123456789012:alarm:stack-DeadLetterAlarm");
        assertThat(dead.actionsEnabled()).isTrue();
        assertThat(dead.alarmActions()).containsExactly(TOPIC);
        assertThat(dead.stateValue()).isEqualTo(StateValue.OK);
        assertThat(dead.threshold()).isZero();
        assertThat(response.metricAlarms().get(1).alarmActions()).isEmpty();
        assertThat(response.metricAlarms().get(1).stateValue()).isEqualTo(StateValue.ALARM);
        assertThat(response.compositeAlarms()).isEmpty();
        assertThat(cloudWatch.requests()).singleElement().satisfies(form -> assertThat(form)
                .containsEntry("Action", "DescribeAlarms")
                .containsEntry("Version", "2010-08-01")
                .containsEntry("AlarmNames.member.1", "stack-DeadLetterAlarm")
                .containsEntry("AlarmTypes.member.2", "CompositeAlarm"));
    }

    @Test
    void shouldPageFiftyAtATimeWhenNoMaxRecordsIsGiven() {
        IntStream.range(0, 60)
                .forEach(i -> cloudWatch.putAlarm(LocalCloudWatch.Alarm.of(String.format("alarm-%02d", i), List.of())));

        List<DescribeAlarmsResponse> pages =
                client.describeAlarmsPaginator(request -> request.alarmNamePrefix("alarm-")).stream()
                        .toList();

        assertThat(pages).hasSize(2);
        assertThat(pages.get(0).metricAlarms()).hasSize(50);
        assertThat(pages.get(1).metricAlarms()).hasSize(10);
        assertThat(pages.get(1).metricAlarms().get(9).alarmName()).isEqualTo("alarm-59");
    }

    @Test
    void shouldEnableAndDisableActionsWhenAsked() {
        cloudWatch.putAlarm(LocalCloudWatch.Alarm.of("a", List.of(TOPIC)));

        client.disableAlarmActions(request -> request.alarmNames("a"));
        boolean disabled = !cloudWatch.alarm("a").actionsEnabled();
        client.enableAlarmActions(request -> request.alarmNames("a"));

        assertThat(disabled).isTrue();
        assertThat(cloudWatch.alarm("a").actionsEnabled()).isTrue();
    }

    @Test
    void shouldAnswerTheServiceErrorCodesWhenTheRequestIsInvalid() {
        assertThatThrownBy(() -> client.describeAlarms(request -> request.nextToken("not-a-token")))
                .isInstanceOf(InvalidNextTokenException.class);
        assertThatThrownBy(() ->
                        client.describeAlarms(request -> request.alarmNames("a").alarmNamePrefix("b")))
                .isInstanceOfSatisfying(CloudWatchException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidParameterCombination");
                });
        assertThatThrownBy(() -> client.describeAlarms(request -> request.maxRecords(101)))
                .isInstanceOfSatisfying(
                        CloudWatchException.class,
                        e -> assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationError"));
    }
}
