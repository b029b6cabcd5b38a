package org.ecrreplicator.functions;

import java.time.Duration;
import org.ecrreplicator.state.AttemptStore;
import org.ecrreplicator.state.DynamoAttemptStore;
import org.ecrreplicator.state.DynamoTagStateStore;
import org.ecrreplicator.state.TagStateStore;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.codebuild.CodeBuildClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SDK clients for the composition roots: one per service per handler instance, built once per cold start.
 * url-connection-client starts fastest in Lambda; region, credentials and endpoints come from the SDK's
 * standard providers ({@code AWS_REGION}, the execution role, {@code AWS_ENDPOINT_URL_<SERVICE>}). Every call
 * path has one retry policy: the SDK's standard retries, except where a handler retries itself.
 */
final class Clients {
    private static final Duration CONNECT = Duration.ofSeconds(3);
    private static final Duration SOCKET = Duration.ofSeconds(20);
    private static final Duration ATTEMPT = Duration.ofSeconds(25);
    private static final Duration CALL = Duration.ofSeconds(60);

    private Clients() {}

    /** The timeouts and HTTP client every function client shares, on any service's builder. */
    private static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C build(
            B builder, boolean sdkRetries) {
        ClientOverrideConfiguration.Builder config = ClientOverrideConfiguration.builder()
                .apiCallAttemptTimeout(ATTEMPT)
                .apiCallTimeout(CALL);
        if (!sdkRetries) {
            config.retryStrategy(AwsRetryStrategy.doNotRetry());
        }
        return builder.httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT)
                        .socketTimeout(SOCKET))
                .overrideConfiguration(config.build())
                .build();
    }

    static SqsClient sqs() {
        return build(SqsClient.builder(), true);
    }

    static SfnClient sfn() {
        return build(SfnClient.builder(), true);
    }

    static SecretsManagerClient secretsManager() {
        return build(SecretsManagerClient.builder(), true);
    }

    /**
     * IAM of the destination partition signed with the destination user's key, not this function's role:
     * only that user can manage its own keys there. {@code AWS_ENDPOINT_URL_IAM} still overrides the endpoint.
     */
    static IamClient iamWith(AwsBasicCredentials key, Region signingRegion) {
        return build(
                IamClient.builder().region(signingRegion).credentialsProvider(StaticCredentialsProvider.create(key)),
                true);
    }

    /** ECR of the destination region signed with the destination user's key. */
    static EcrClient ecrWith(AwsBasicCredentials key, String region) {
        return build(
                EcrClient.builder()
                        .region(Region.of(region))
                        .credentialsProvider(StaticCredentialsProvider.create(key)),
                true);
    }

    static DynamoDbClient dynamoDb() {
        return build(DynamoDbClient.builder(), true);
    }

    /** The state table's store; {@code table} is an argument, so a missing name fails before a client is built. */
    static TagStateStore stateStore(String table) {
        return new DynamoTagStateStore(dynamoDb(), table);
    }

    /** The attempt ids' task tokens, in the state table (decision 0071). */
    static AttemptStore attemptStore(String table) {
        return new DynamoAttemptStore(dynamoDb(), table);
    }

    /** CodeBuild's client for Completion and the sweep (BatchGetBuilds, ListBuildsForProject). */
    static CodeBuildClient codeBuild() {
        return build(CodeBuildClient.builder(), true);
    }

    /**
     * CodeBuild's client for StartBuild, which retries throttling and transient failures itself with its own
     * backoff and bound: the SDK's retries underneath would multiply the attempts.
     */
    static CodeBuildClient codeBuildForStartBuild() {
        return build(CodeBuildClient.builder(), false);
    }
}
