package org.ecrreplicator.engines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.eventbridge.model.DescribeRuleResponse;
import software.amazon.awssdk.services.eventbridge.model.ResourceNotFoundException;
import software.amazon.awssdk.services.eventbridge.model.RuleState;

/** The stand-in as the SDK's EventBridge client (AWS JSON 1.1, target prefix AWSEvents) sees it. */
class LocalEventBridgeTest {
    private LocalEventBridge events;
    private EventBridgeClient client;

    @BeforeEach
    void start() {
        events = new LocalEventBridge("us-east-1", "123456789012");
        client = EventBridgeClient.builder()
                .endpointOverride(events.endpoint())
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
        events.close();
    }

    @Test
    void shouldDescribeTheRuleWithItsStateWhenTheSdkAsksByName() {
        events.putRule(LocalEventBridge.Rule.forEvents("stack-ImageActionRule", "{\"source\":[\"aws.ecr\"]}"));
        events.putRule(LocalEventBridge.Rule.onSchedule("stack-SweepSchedule", "rate(5 minutes)"));

        DescribeRuleResponse image = client.describeRule(request -> request.name("stack-ImageActionRule"));
        client.disableRule(request -> request.name("stack-SweepSchedule"));
        DescribeRuleResponse sweep = client.describeRule(request -> request.name("stack-SweepSchedule"));

        assertThat(image.arn()).isEqualTo("arn:aws:events:us-east-1:123456789012:rule/stack-ImageActionRule");
        assertThat(image.state()).isEqualTo(RuleState.ENABLED);
        assertThat(image.eventPattern()).isEqualTo("{\"source\":[\"aws.ecr\"]}");
        assertThat(image.scheduleExpression()).isNull();
        assertThat(image.eventBusName()).isEqualTo("default");
        assertThat(sweep.state()).isEqualTo(RuleState.DISABLED);
        assertThat(sweep.scheduleExpression()).isEqualTo("rate(5 minutes)");
        assertThat(events.calls())
                .extracting(call -> call.operation())
                .containsExactly("DescribeRule", "DisableRule", "DescribeRule");
    }

    @Test
    void shouldAnswerResourceNotFoundWhenTheRuleDoesNotExist() {
        assertThatThrownBy(() -> client.describeRule(request -> request.name("gone")))
                .isInstanceOfSatisfying(ResourceNotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorMessage())
                            .isEqualTo("Rule gone does not exist on EventBus default.");
                });
    }
}
