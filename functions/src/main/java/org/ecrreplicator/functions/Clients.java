package org.ecrreplicator.functions;

import java.time.Duration;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.codebuild.CodeBuildClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * SDK clients for the composition roots: one per service per handler instance, built once per cold start.
 * url-connection-client starts fastest in Lambda; region, credentials and endpoints come from the SDK's
 * standard providers ({@code AWS_REGION}, the execution role, {@code AWS_ENDPOINT_URL_<SERVICE>}).
 */
final class Clients {
    private static final Duration CONNECT = Duration.ofSeconds(3);
    private static final Duration SOCKET = Duration.ofSeconds(20);
    private static final Duration ATTEMPT = Duration.ofSeconds(25);
    private static final Duration CALL = Duration.ofSeconds(60);

    private Clients() {}

    private static SdkHttpClient http() {
        return UrlConnectionHttpClient.builder()
                .connectionTimeout(CONNECT)
                .socketTimeout(SOCKET)
                .build();
    }

    private static ClientOverrideConfiguration timeouts() {
        return ClientOverrideConfiguration.builder()
                .apiCallAttemptTimeout(ATTEMPT)
                .apiCallTimeout(CALL)
                .build();
    }

    static SqsClient sqs() {
        return SqsClient.builder()
                .httpClient(http())
                .overrideConfiguration(timeouts())
                .build();
    }

    static SfnClient sfn() {
        return SfnClient.builder()
                .httpClient(http())
                .overrideConfiguration(timeouts())
                .build();
    }

    static SecretsManagerClient secretsManager() {
        return SecretsManagerClient.builder()
                .httpClient(http())
                .overrideConfiguration(timeouts())
                .build();
    }

    static DynamoDbClient dynamoDb() {
        return DynamoDbClient.builder()
                .httpClient(http())
                .overrideConfiguration(timeouts())
                .build();
    }

    static CodeBuildClient codeBuild() {
        return CodeBuildClient.builder()
                .httpClient(http())
                .overrideConfiguration(timeouts())
                .build();
    }
}
