package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.ecrreplicator.engines.LocalSecretsManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * The local CodeBuild's resolution of a {@code SECRETS_MANAGER} reference ({@code
 * secret-id:json-key:version-stage:version-id}) against the Secrets Manager stand-in, as CodeBuild resolves it
 * against Secrets Manager: a build pinned to the version ReadSecret validated keeps it across a rotation.
 */
class SecretReferenceTest {
    private LocalSecretsManager secrets;
    private SecretsManagerClient client;
    private String arn;
    private String validated;

    @BeforeEach
    void start() {
        secrets = new LocalSecretsManager("us-east-1", "123456789012");
        client = SecretsManagerClient.builder()
                .endpointOverride(secrets.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDLOCAL", "not-checked")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
        arn = secrets.put("destination", "{\"accesskey\":\"first-key\"}");
        validated = secrets.currentVersionId("destination");
        secrets.put("destination", "{\"accesskey\":\"rotated-key\"}");
    }

    @AfterEach
    void stop() {
        client.close();
        secrets.close();
    }

    @Test
    void shouldResolveThePinnedVersionWhenTheSecretWasRotatedAfterIt() {
        assertThat(LocalPipeline.resolveSecret(client, arn + ":accesskey::" + validated))
                .isEqualTo("first-key");
    }

    @Test
    void shouldResolveTheCurrentVersionWhenTheReferenceNamesNoVersion() {
        assertThat(LocalPipeline.resolveSecret(client, arn + ":accesskey")).isEqualTo("rotated-key");
        assertThat(LocalPipeline.resolveSecret(client, "destination:accesskey")).isEqualTo("rotated-key");
    }

    @Test
    void shouldResolveAStagingLabelAndRefuseALabelThatIsNotTheNamedVersions() {
        assertThat(LocalPipeline.resolveSecret(client, arn + ":accesskey:AWSPREVIOUS"))
                .isEqualTo("first-key");
        assertThatThrownBy(() -> LocalPipeline.resolveSecret(client, arn + ":accesskey:AWSCURRENT:" + validated))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void shouldFailNamingTheVersionWhenNoSuchVersionExists() {
        assertThatThrownBy(() -> LocalPipeline.resolveSecret(client, arn + ":accesskey::no-such-version"))
                .isInstanceOf(ResourceNotFoundException.class)
                .hasMessageContaining("no-such-version");
    }
}
