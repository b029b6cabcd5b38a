package org.ecrreplicator.engines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.InvalidParameterException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceExistsException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/** The stand-in's staging labels as the SDK's Secrets Manager client sees them. */
class LocalSecretsManagerTest {
    private static final String NAME = "team/destination";

    private LocalSecretsManager secrets;
    private SecretsManagerClient client;
    private String first;

    @BeforeEach
    void start() {
        secrets = new LocalSecretsManager("us-east-1", "123456789012");
        client = SecretsManagerClient.builder()
                .endpointOverride(secrets.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDLOCALTESTONLY000", "local-test-only-not-a-key")))
                .httpClient(UrlConnectionHttpClient.builder()
                        .socketTimeout(Duration.ofSeconds(5))
                        .build())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        secrets.put(NAME, "{\"v\":1}");
        first = secrets.currentVersionId(NAME);
    }

    @AfterEach
    void stop() {
        client.close();
        secrets.close();
    }

    @Test
    void shouldPutAPendingVersionBesideTheCurrentWhenVersionStagesSaySo() {
        client.putSecretValue(put -> put.secretId(NAME)
                .clientRequestToken("11111111-2222-3333-4444-555555555555")
                .secretString("{\"v\":2}")
                .versionStages("AWSPENDING"));

        assertThat(client.getSecretValue(get -> get.secretId(NAME)).secretString())
                .isEqualTo("{\"v\":1}");
        assertThat(client.getSecretValue(get -> get.secretId(NAME).versionStage("AWSPENDING"))
                        .versionStages())
                .containsExactly("AWSPENDING");
        assertThat(client.describeSecret(d -> d.secretId(NAME)).versionIdsToStages())
                .isEqualTo(Map.of(
                        first, List.of("AWSCURRENT"), "11111111-2222-3333-4444-555555555555", List.of("AWSPENDING")));
        // The same token again: the same value is accepted, another one refused.
        client.putSecretValue(put -> put.secretId(NAME)
                .clientRequestToken("11111111-2222-3333-4444-555555555555")
                .secretString("{\"v\":2}")
                .versionStages("AWSPENDING"));
        assertThatThrownBy(() -> client.putSecretValue(put -> put.secretId(NAME)
                        .clientRequestToken("11111111-2222-3333-4444-555555555555")
                        .secretString("{\"v\":3}")
                        .versionStages("AWSPENDING")))
                .isInstanceOf(ResourceExistsException.class);
    }

    @Test
    void shouldMovePreviousAlongWhenCurrentMovesToAnotherVersion() {
        String token = secrets.startRotation(NAME);
        assertThatThrownBy(() -> client.getSecretValue(get -> get.secretId(NAME).versionId(token)))
                .as("RotateSecret's version has no value until createSecret puts one")
                .isInstanceOf(ResourceNotFoundException.class);
        client.putSecretValue(put -> put.secretId(NAME)
                .clientRequestToken(token)
                .secretString("{\"v\":2}")
                .versionStages("AWSPENDING"));

        assertThatThrownBy(() -> client.updateSecretVersionStage(
                        u -> u.secretId(NAME).versionStage("AWSCURRENT").moveToVersionId(token)))
                .as("AWSCURRENT is on another version: it must be named")
                .isInstanceOf(InvalidParameterException.class);
        client.updateSecretVersionStage(u -> u.secretId(NAME)
                .versionStage("AWSCURRENT")
                .moveToVersionId(token)
                .removeFromVersionId(first));

        Map<String, List<String>> stages =
                client.describeSecret(d -> d.secretId(NAME)).versionIdsToStages();
        assertThat(stages).containsOnlyKeys(first, token);
        assertThat(stages.get(first)).containsExactly("AWSPREVIOUS");
        assertThat(stages.get(token)).containsExactlyInAnyOrder("AWSPENDING", "AWSCURRENT");
        assertThat(client.getSecretValue(get -> get.secretId(NAME).versionStage("AWSPREVIOUS"))
                        .secretString())
                .isEqualTo("{\"v\":1}");
        assertThat(client.describeSecret(d -> d.secretId(NAME)).rotationEnabled())
                .isTrue();
    }

    @Test
    void shouldRefuseToRemoveCurrentWithoutMovingIt() {
        assertThatThrownBy(() -> client.updateSecretVersionStage(
                        u -> u.secretId(NAME).versionStage("AWSCURRENT").removeFromVersionId(first)))
                .isInstanceOf(InvalidParameterException.class)
                .hasMessageContaining("can't be completely removed");
    }
}
