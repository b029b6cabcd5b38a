package org.ecrreplicator.worker.cli;

import java.time.Duration;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SDK clients for the operator commands, on the operator's machine: url-connection-client with explicit
 * timeouts (an unreachable endpoint fails in seconds, not minutes), the profile and region the options name,
 * else the SDK's standard providers. Endpoints are the SDK's own: {@code AWS_ENDPOINT_URL_<SERVICE>} and
 * {@code endpoint_url} in the profile, which is how the local pipeline's env file points them at loopback.
 *
 * @param profile {@code --profile}: its credentials and its region
 * @param region {@code --region}: wins over the profile's
 */
record AwsClients(Optional<String> profile, Optional<String> region) {
    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Duration SOCKET = Duration.ofSeconds(30);
    private static final Duration ATTEMPT = Duration.ofSeconds(30);
    private static final Duration CALL = Duration.ofSeconds(90);

    CloudFormationClient cloudFormation() {
        return build(CloudFormationClient.builder());
    }

    DynamoDbClient dynamoDb() {
        return build(DynamoDbClient.builder());
    }

    SfnClient sfn() {
        return build(SfnClient.builder());
    }

    SqsClient sqs() {
        return build(SqsClient.builder());
    }

    SecretsManagerClient secretsManager() {
        return build(SecretsManagerClient.builder());
    }

    EventBridgeClient eventBridge() {
        return build(EventBridgeClient.builder());
    }

    CloudWatchClient cloudWatch() {
        return build(CloudWatchClient.builder());
    }

    /** ECR with these credentials instead of the profile's or the SDK chain's (the destination user's keys). */
    EcrClient ecr(AwsCredentialsProvider credentials) {
        return build(EcrClient.builder().credentialsProvider(credentials));
    }

    private <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(B builder) {
        ClientOverrideConfiguration.Builder config = ClientOverrideConfiguration.builder()
                .apiCallAttemptTimeout(ATTEMPT)
                .apiCallTimeout(CALL);
        profile.ifPresent(name -> {
            // The profile's region and endpoint_url as well as its credentials, as the AWS CLI's --profile does.
            config.defaultProfileName(name);
            builder.credentialsProvider(
                    ProfileCredentialsProvider.builder().profileName(name).build());
        });
        region.ifPresent(name -> builder.region(Region.of(name)));
        return builder.httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT)
                        .socketTimeout(SOCKET))
                .overrideConfiguration(config.build())
                .build();
    }
}
