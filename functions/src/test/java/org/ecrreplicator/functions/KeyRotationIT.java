package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.engines.LocalEcrApi;
import org.ecrreplicator.engines.LocalIam;
import org.ecrreplicator.engines.LocalSecretsManager;
import org.ecrreplicator.engines.RegistryProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.iam.IamClient;

/**
 * The rotation function against the Secrets Manager, IAM and ECR stand-ins, whose keys are shared: a key IAM
 * creates authenticates at ECR, a key IAM deletes no longer does.
 */
class KeyRotationIT {
    private static final String SECRET_NAME = "ecr-replicator-dev/destination";
    private static final String USER = "replicator";
    private static final String ACCOUNT = "210987654321";
    private static final String REGION = "us-gov-west-1";
    private static final String REGISTRY_PASSWORD = "local-test-registry-password";

    private static RegistryProcess registry;
    private static LocalEcrApi ecr;

    private final List<String> logs = new CopyOnWriteArrayList<>();
    private final List<Duration> sleeps = new CopyOnWriteArrayList<>();
    private final List<Region> iamRegions = new CopyOnWriteArrayList<>();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    private LocalSecretsManager secrets;
    private LocalIam iam;
    private LocalIam.AccessKey firstKey;
    private RotateSecretHandler handler;
    private String arn;

    @BeforeAll
    static void startRegistry() {
        registry = RegistryProcess.builder().htpasswd("AWS", REGISTRY_PASSWORD).start();
        ecr = new LocalEcrApi(registry, REGISTRY_PASSWORD, ACCOUNT, REGION);
    }

    @AfterAll
    static void stopRegistry() {
        ecr.close();
        registry.close();
    }

    @BeforeEach
    void start() {
        secrets = new LocalSecretsManager("us-east-1", "123456789012");
        iam = new LocalIam(ACCOUNT);
        ecr.acceptKeysOf(iam);
        firstKey = iam.addKey(USER);
        arn = secrets.put(SECRET_NAME, secretWith(firstKey.accessKeyId(), firstKey.secretAccessKey()));
        handler = new RotateSecretHandler(
                LocalAws.secretsManager(secrets.endpoint()),
                (key, region) -> {
                    iamRegions.add(region);
                    return IamClient.builder()
                            .endpointOverride(iam.endpoint())
                            .region(region)
                            .credentialsProvider(StaticCredentialsProvider.create(key))
                            .httpClient(UrlConnectionHttpClient.create())
                            .build();
                },
                (key, region) -> ecrClient(key),
                REGION,
                clock,
                duration -> {
                    sleeps.add(duration);
                    clock.advance(duration);
                },
                logs::add);
    }

    @AfterEach
    void stop() {
        secrets.close();
        iam.close();
    }

    private static String secretWith(String accessKey, String secretKey) {
        return Json.MAPPER
                .createObjectNode()
                .put("user", USER)
                .put("accesskey", accessKey)
                .put("secretaccesskey", secretKey)
                .put("partition", "aws-us-gov")
                .put("accountid", ACCOUNT)
                .toString();
    }

    private static EcrClient ecrClient(AwsBasicCredentials key) {
        return EcrClient.builder()
                .endpointOverride(ecr.endpoint())
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(key))
                .httpClient(UrlConnectionHttpClient.create())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    private static boolean authenticates(String accessKey, String secretKey) {
        try (EcrClient client = ecrClient(AwsBasicCredentials.create(accessKey, secretKey))) {
            client.getAuthorizationToken(get -> {});
            return true;
        } catch (SdkException e) {
            return false;
        }
    }

    private void step(String token, String step) {
        handler.handle(Json.MAPPER
                .createObjectNode()
                .put("SecretId", arn)
                .put("ClientRequestToken", token)
                .put("Step", step));
    }

    private void rotate(String token) {
        for (String step : List.of("createSecret", "setSecret", "testSecret", "finishSecret")) {
            step(token, step);
        }
    }

    private JsonNode value(String label) throws Exception {
        return Json.MAPPER.readTree(secrets.valueOf(SECRET_NAME, label));
    }

    @Test
    void shouldMakeTheNewKeyCurrentWhenAllFourStepsSucceed() throws Exception {
        String firstVersion = secrets.currentVersionId(SECRET_NAME);
        String token = secrets.startRotation(SECRET_NAME);

        rotate(token);

        assertThat(secrets.currentVersionId(SECRET_NAME)).isEqualTo(token);
        assertThat(secrets.versionIdOf(SECRET_NAME, "AWSPREVIOUS")).contains(firstVersion);
        JsonNode current = value("AWSCURRENT");
        assertThat(current.path("accesskey").asText()).isNotEqualTo(firstKey.accessKeyId());
        assertThat(iam.keys(USER))
                .extracting(LocalIam.AccessKey::accessKeyId)
                .containsExactlyInAnyOrder(
                        firstKey.accessKeyId(), current.path("accesskey").asText());
        // The other fields are unchanged.
        assertThat(current.path("user").asText()).isEqualTo(USER);
        assertThat(current.path("partition").asText()).isEqualTo("aws-us-gov");
        assertThat(current.path("accountid").asText()).isEqualTo(ACCOUNT);
        assertThat(authenticates(
                        current.path("accesskey").asText(),
                        current.path("secretaccesskey").asText()))
                .isTrue();
        // IAM of the destination partition, signed for its global endpoint.
        assertThat(iamRegions).containsOnly(Region.AWS_US_GOV_GLOBAL);
        assertThat(String.join("\n", logs))
                .contains("\"step\":\"finishSecret\"")
                .doesNotContain(firstKey.secretAccessKey())
                .doesNotContain(current.path("secretaccesskey").asText())
                .doesNotContain(firstKey.accessKeyId())
                .doesNotContain(current.path("accesskey").asText());
    }

    @Test
    void shouldKeepThePreviousKeyWorkingWhenRotationFinishes() throws Exception {
        // A build that started before the rotation holds the version it was pinned to.
        String pinned = secrets.currentVersionId(SECRET_NAME);

        rotate(secrets.startRotation(SECRET_NAME));

        assertThat(secrets.versionIdOf(SECRET_NAME, "AWSPREVIOUS")).contains(pinned);
        JsonNode previous = value("AWSPREVIOUS");
        assertThat(previous.path("accesskey").asText()).isEqualTo(firstKey.accessKeyId());
        assertThat(authenticates(firstKey.accessKeyId(), firstKey.secretAccessKey()))
                .isTrue();
    }

    @Test
    void shouldDeleteThePreviousKeyOnlyWhenTheNextRotationNeedsRoom() throws Exception {
        rotate(secrets.startRotation(SECRET_NAME));
        JsonNode second = value("AWSCURRENT");

        rotate(secrets.startRotation(SECRET_NAME));

        JsonNode third = value("AWSCURRENT");
        assertThat(iam.keys(USER))
                .extracting(LocalIam.AccessKey::accessKeyId)
                .containsExactlyInAnyOrder(
                        second.path("accesskey").asText(),
                        third.path("accesskey").asText());
        assertThat(authenticates(firstKey.accessKeyId(), firstKey.secretAccessKey()))
                .isFalse();
        assertThat(authenticates(
                        third.path("accesskey").asText(),
                        third.path("secretaccesskey").asText()))
                .isTrue();
    }

    @Test
    void shouldLeaveCurrentUntouchedWhenTestSecretFails() throws Exception {
        String current = secrets.currentVersionId(SECRET_NAME);
        String token = secrets.startRotation(SECRET_NAME);
        step(token, "createSecret");
        step(token, "setSecret");
        String pendingKey = value("AWSPENDING").path("accesskey").asText();
        String pendingSecret = value("AWSPENDING").path("secretaccesskey").asText();
        // A key that never works at the destination: deleted behind the rotation's back.
        iam.removeKey(pendingKey);

        Throwable failure = catchThrowable(() -> step(token, "testSecret"));

        assertThat(failure)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("did not authenticate at ECR in " + REGION)
                .hasMessageContaining("UnrecognizedClientException");
        assertThat(failure.getMessage()).doesNotContain(pendingSecret);
        assertThat(secrets.currentVersionId(SECRET_NAME)).isEqualTo(current);
        assertThat(value("AWSCURRENT").path("accesskey").asText()).isEqualTo(firstKey.accessKeyId());
        // Retried with backoff for up to a minute of the clock, without sleeping.
        assertThat(sleeps).hasSizeGreaterThan(2);
        assertThat(sleeps.stream().reduce(Duration.ZERO, Duration::plus)).isLessThanOrEqualTo(Duration.ofMinutes(1));
        assertThat(sleeps.get(1)).isGreaterThan(sleeps.get(0));
    }

    @Test
    void shouldRetryTestSecretWhenTheNewKeyIsNotYetAccepted() throws Exception {
        String token = secrets.startRotation(SECRET_NAME);
        step(token, "createSecret");
        String pendingKey = value("AWSPENDING").path("accesskey").asText();
        AtomicInteger refusals = new AtomicInteger(2);
        // IAM's eventual consistency: the new key is refused twice before ECR knows it.
        ecr.acceptOnly(id -> iam.isActive(id) && !(id.equals(pendingKey) && refusals.getAndDecrement() > 0));

        step(token, "testSecret");

        assertThat(sleeps).hasSize(2);
        step(token, "finishSecret");
        assertThat(secrets.currentVersionId(SECRET_NAME)).isEqualTo(token);
    }

    @Test
    void shouldDeleteTheKeyThatIsNotCurrentWhenTheUserHasTwoKeys() throws Exception {
        LocalIam.AccessKey stray = iam.addKey(USER);

        rotate(secrets.startRotation(SECRET_NAME));

        assertThat(String.join("\n", logs))
                .contains("deleted the user's key that is not current")
                .doesNotContain(stray.accessKeyId());

        String rotated = value("AWSCURRENT").path("accesskey").asText();
        assertThat(iam.keys(USER))
                .extracting(LocalIam.AccessKey::accessKeyId)
                .containsExactlyInAnyOrder(firstKey.accessKeyId(), rotated)
                .doesNotContain(stray.accessKeyId());
        assertThat(authenticates(stray.accessKeyId(), stray.secretAccessKey())).isFalse();
    }

    @Test
    void shouldCreateOneKeyWhenCreateSecretIsRepeated() throws Exception {
        String token = secrets.startRotation(SECRET_NAME);

        step(token, "createSecret");
        step(token, "createSecret");

        assertThat(iam.keys(USER)).hasSize(2);
        assertThat(value("AWSPENDING").path("accesskey").asText()).isNotEqualTo(firstKey.accessKeyId());
    }

    @Test
    void shouldDoNothingWhenAStepIsRepeatedAfterTheRotationFinished() {
        String token = secrets.startRotation(SECRET_NAME);
        rotate(token);
        int requests = iam.requests().size();

        rotate(token);

        assertThat(iam.requests()).hasSize(requests);
        assertThat(secrets.currentVersionId(SECRET_NAME)).isEqualTo(token);
    }

    @Test
    void shouldRefuseWhenTheVersionIsNotStagedPending() {
        String current = secrets.currentVersionId(SECRET_NAME);
        secrets.startRotation(SECRET_NAME);

        Throwable failure = catchThrowable(() -> step("not-a-version-of-this-secret", "createSecret"));

        assertThat(failure).hasMessageContaining("has no stage for rotation");
        assertThat(iam.keys(USER)).hasSize(1);
        assertThat(secrets.currentVersionId(SECRET_NAME)).isEqualTo(current);
    }
}
