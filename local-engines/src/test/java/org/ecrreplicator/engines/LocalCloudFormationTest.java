package org.ecrreplicator.engines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.ListStackResourcesResponse;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackResourceSummary;
import software.amazon.awssdk.services.cloudformation.model.StackStatus;

/** The stand-in as the real SDK client sees it: the Query protocol's form in, its XML out. */
class LocalCloudFormationTest {
    private LocalCloudFormation cloudFormation;
    private CloudFormationClient client;

    @BeforeEach
    void start() {
        cloudFormation = new LocalCloudFormation("us-east-1", "123456789012");
        client = CloudFormationClient.builder()
                .endpointOverride(cloudFormation.endpoint())
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
        cloudFormation.close();
    }

    @Test
    void shouldDescribeTheStackWithItsOutputsWhenTheSdkAsksByName() {
        Map<String, String> outputs = new LinkedHashMap<>();
        outputs.put("TableName", "replicator-state");
        outputs.put("QueueUrl", "http://127.0.0.1:9324/000000000000/replication.fifo?a=1&b=<2>");
        String stackId = cloudFormation.putStack("ecr-replicator-dev-replication", outputs);

        Stack stack = client.describeStacks(request -> request.stackName("ecr-replicator-dev-replication"))
                .stacks()
                .get(0);

        assertThat(stack.stackName()).isEqualTo("ecr-replicator-dev-replication");
        assertThat(stack.stackId()).isEqualTo(stackId).startsWith("arn:aws:cloudformation:us-east-1:123456789012:");
        assertThat(stack.stackStatus()).isEqualTo(StackStatus.CREATE_COMPLETE);
        assertThat(stack.outputs().stream().collect(Collectors.toMap(Output::outputKey, Output::outputValue)))
                .isEqualTo(outputs);
        assertThat(cloudFormation.requests()).singleElement().satisfies(form -> assertThat(form)
                .containsEntry("Action", "DescribeStacks")
                .containsEntry("Version", "2010-05-15")
                .containsEntry("StackName", "ecr-replicator-dev-replication"));
        assertThat(client.describeStacks(request -> request.stackName(stackId)).stacks())
                .as("found by its stack id too")
                .hasSize(1);
    }

    @Test
    void shouldAnswerValidationErrorWhenTheStackDoesNotExist() {
        assertThatThrownBy(() -> client.describeStacks(request -> request.stackName("missing")))
                .isInstanceOfSatisfying(CloudFormationException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(400);
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationError");
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Stack with id missing does not exist");
                });
    }

    @Test
    void shouldListEveryResourceInPagesWhenTheStackHasMoreThanOnePage() {
        List<LocalCloudFormation.Resource> resources = new ArrayList<>();
        for (int i = 0; i < LocalCloudFormation.RESOURCE_PAGE + 5; i++) {
            resources.add(new LocalCloudFormation.Resource("Alarm" + i, "stack-Alarm" + i, "AWS::CloudWatch::Alarm"));
        }
        resources.add(
                new LocalCloudFormation.Resource("ImageActionRuleA1B2", "stack-ImageActionRule", "AWS::Events::Rule"));
        cloudFormation.putStack("stack", Map.of(), resources);

        List<ListStackResourcesResponse> pages =
                client.listStackResourcesPaginator(request -> request.stackName("stack")).stream()
                        .toList();

        assertThat(pages).hasSize(2);
        assertThat(pages.get(0).nextToken()).isNotBlank();
        assertThat(pages.get(1).nextToken()).isNull();
        List<StackResourceSummary> all = pages.stream()
                .flatMap(page -> page.stackResourceSummaries().stream())
                .toList();
        assertThat(all).hasSize(resources.size());
        assertThat(all.get(all.size() - 1)).satisfies(rule -> {
            assertThat(rule.logicalResourceId()).isEqualTo("ImageActionRuleA1B2");
            assertThat(rule.physicalResourceId()).isEqualTo("stack-ImageActionRule");
            assertThat(rule.resourceType()).isEqualTo("AWS::Events::Rule");
            assertThat(rule.resourceStatusAsString()).isEqualTo("CREATE_COMPLETE");
            assertThat(rule.lastUpdatedTimestamp()).isNotNull();
        });
        assertThat(cloudFormation.requests()).allSatisfy(form -> assertThat(form)
                .containsEntry("Action", "ListStackResources")
                .containsEntry("StackName", "stack"));
    }

    @Test
    void shouldAnswerValidationErrorWhenResourcesOfAMissingStackAreListed() {
        assertThatThrownBy(() -> client.listStackResources(request -> request.stackName("missing")))
                .isInstanceOfSatisfying(CloudFormationException.class, e -> {
                    assertThat(e.awsErrorDetails().errorCode()).isEqualTo("ValidationError");
                    assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("Stack with id missing does not exist");
                });
    }

    @Test
    void shouldDescribeTheStatusItWasSetToWhenAnOperationFailed() {
        cloudFormation.putStack("stack", Map.of());
        cloudFormation.stackStatus("stack", "UPDATE_ROLLBACK_FAILED");

        assertThat(client.describeStacks(request -> request.stackName("stack"))
                        .stacks()
                        .get(0)
                        .stackStatus())
                .isEqualTo(StackStatus.UPDATE_ROLLBACK_FAILED);
    }
}
