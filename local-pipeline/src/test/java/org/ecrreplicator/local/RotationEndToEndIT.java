package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.ecrreplicator.engines.LocalEcrApi;
import org.ecrreplicator.engines.LocalIam;
import org.ecrreplicator.engines.LocalSecretsManager;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.engines.SystemProperties;
import org.ecrreplicator.functions.FunctionsConfig;
import org.ecrreplicator.functions.ReadSecretHandler;
import org.ecrreplicator.functions.RotateSecretHandler;
import org.ecrreplicator.worker.cli.InProcessReplicator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Key rotation end to end (decision 0075): the real ReadSecret and rotation functions against the Secrets
 * Manager and IAM stand-ins, and the build's {@code replicate} command copying between real registries into the
 * ECR stand-in, which takes only the keys IAM holds. Each build gets its keys as CodeBuild gives them: resolved at
 * its start from the secret version ReadSecret validated, pinned by version id.
 */
class RotationEndToEndIT {
    private static final String SOURCE_REGION = "us-east-1";
    private static final String SOURCE_ACCOUNT = "123456789012";
    private static final String DESTINATION_REGION = "us-gov-west-1";
    private static final String DESTINATION_ACCOUNT = "210987654321";
    private static final String USER = "ecr-replicator-rotation";
    private static final String SECRET_NAME = "ecr-replicator-rotation/destination";
    private static final String REGISTRY_PASSWORD = "fake-rotation-registry-password";
    private static final String FUNCTION_KEY = "AKIAFUNCTIONROLEFAKE";

    private static RegistryProcess source;
    private static RegistryProcess destination;
    private static LocalEcrApi ecr;
    private static final SystemProperties properties = new SystemProperties();

    @TempDir
    Path files;

    private LocalSecretsManager secrets;
    private LocalIam iam;
    private SecretsManagerClient codeBuildSecrets;
    private String arn;
    private LocalFunction readSecret;
    private LocalFunction rotateSecret;

    @BeforeAll
    static void startRegistries() {
        source = RegistryProcess.startAnonymous();
        destination =
                RegistryProcess.builder().htpasswd("AWS", REGISTRY_PASSWORD).start();
        ecr = new LocalEcrApi(destination, REGISTRY_PASSWORD, DESTINATION_ACCOUNT, DESTINATION_REGION);
    }

    @AfterAll
    static void stopRegistries() {
        properties.restore();
        ecr.close();
        destination.close();
        source.close();
    }

    @BeforeEach
    void start() {
        secrets = new LocalSecretsManager(SOURCE_REGION, SOURCE_ACCOUNT);
        iam = new LocalIam(DESTINATION_ACCOUNT);
        ecr.acceptKeysOf(iam);
        LocalIam.AccessKey first = iam.addKey(USER);
        arn = secrets.put(
                SECRET_NAME,
                Json.MAPPER
                        .createObjectNode()
                        .put("user", USER)
                        .put("accesskey", first.accessKeyId())
                        .put("secretaccesskey", first.secretAccessKey())
                        .put("partition", "aws-us-gov")
                        .put("accountid", DESTINATION_ACCOUNT)
                        .toString());
        // The functions build their clients through the SDK's standard providers, as in Lambda: these properties
        // point them at the stand-ins. The function's own role signs Secrets Manager; IAM and ECR are signed
        // with the destination keys.
        properties.set("aws.region", SOURCE_REGION);
        properties.set("aws.accessKeyId", FUNCTION_KEY);
        properties.set("aws.secretAccessKey", "fake-function-role-secret-not-checked");
        properties.set("aws.endpointUrlSecretsManager", secrets.endpoint().toString());
        properties.set("aws.endpointUrlIam", iam.endpoint().toString());
        properties.set("aws.endpointUrlEcr", ecr.endpoint().toString());
        FunctionsConfig config = FunctionsConfig.from(
                Map.of(FunctionEnvironment.SECRET_ID, arn, FunctionEnvironment.DESTINATION_REGION, DESTINATION_REGION));
        readSecret = LambdaHandlers.adapt(new ReadSecretHandler(config));
        rotateSecret = LambdaHandlers.adapt(new RotateSecretHandler(config));
        codeBuildSecrets = SecretsManagerClient.builder()
                .endpointOverride(secrets.endpoint())
                .region(Region.of(SOURCE_REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(FUNCTION_KEY, "fake-codebuild-role-secret-not-checked")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @AfterEach
    void stop() {
        codeBuildSecrets.close();
        secrets.close();
        iam.close();
    }

    @Test
    void shouldReplicateWithTheSecretsKeysWhenTheKeyRotatesBetweenTwoBuilds() throws Exception {
        SampleImages.Image before = push(71, "rotation/app", "before");
        SampleImages.Image after = push(72, "rotation/app", "after");
        Keys firstKeys = keysOf(readSecret(before));

        InProcessReplicator.Run firstBuild = replicate(before, firstKeys, () -> {});

        assertReplicated(firstBuild, before);

        rotate();

        JsonNode validated = readSecret(after);
        assertThat(validated.path("secretVersionId").asText()).isEqualTo(secrets.currentVersionId(SECRET_NAME));
        Keys rotatedKeys = keysOf(validated);
        assertThat(rotatedKeys.accessKeyId()).isNotEqualTo(firstKeys.accessKeyId());

        InProcessReplicator.Run secondBuild = replicate(after, rotatedKeys, () -> {});

        assertReplicated(secondBuild, after);
        assertThat(String.join("\n", firstBuild.out(), firstBuild.err(), secondBuild.out(), secondBuild.err()))
                .doesNotContain(firstKeys.secretAccessKey())
                .doesNotContain(rotatedKeys.secretAccessKey());
    }

    @Test
    void shouldFinishABuildThatStartedWithTheOldKeyWhenTheKeyRotatesUnderIt() throws Exception {
        SampleImages.Image running = push(73, "rotation/held", "running");
        SampleImages.Image late = push(74, "rotation/held", "late");
        // ReadSecret validated this version before the rotation; the build's keys are resolved from it.
        JsonNode readBefore = readSecret(running);
        String validated = readBefore.path("secretVersionId").asText();
        Keys oldKeys = keysOf(readBefore);
        CountDownLatch atEcr = new CountDownLatch(1);
        CountDownLatch rotated = new CountDownLatch(1);

        // The build has its keys and is about to make its first ECR call when the rotation runs.
        CompletableFuture<InProcessReplicator.Run> heldBuild =
                CompletableFuture.supplyAsync(() -> replicate(running, oldKeys, () -> {
                    atEcr.countDown();
                    awaitQuietly(rotated);
                }));
        assertThat(atEcr.await(2, TimeUnit.MINUTES))
                .as("the build reaches its first ECR call")
                .isTrue();
        rotate();
        // Nothing of the build has reached ECR yet: it creates the repository with its first calls.
        assertThat(ecr.repository("rotation/held")).isEmpty();
        rotated.countDown();
        InProcessReplicator.Run held = heldBuild.get(2, TimeUnit.MINUTES);

        assertThat(secrets.versionIdOf(SECRET_NAME, LocalSecretsManager.PREVIOUS))
                .contains(validated);
        assertThat(Json.MAPPER
                        .readTree(secrets.valueOf(SECRET_NAME, LocalSecretsManager.CURRENT))
                        .path("accesskey")
                        .asText())
                .isNotEqualTo(oldKeys.accessKeyId());
        assertReplicated(held, running);
        assertThat(ecr.repository("rotation/held")).isPresent();

        // A build StartBuild started before the rotation but CodeBuild ran after it: pinned to the version
        // ReadSecret validated, now AWSPREVIOUS, it still gets the old key, and the old key still works.
        Keys pinnedAfterRotation = keysOf(arn, validated);
        assertThat(pinnedAfterRotation).isEqualTo(oldKeys);
        InProcessReplicator.Run lateBuild = replicate(late, pinnedAfterRotation, () -> {});

        assertReplicated(lateBuild, late);
        assertThat(iam.keys(USER)).extracting(LocalIam.AccessKey::accessKeyId).contains(oldKeys.accessKeyId());
        assertThat(String.join("\n", held.out(), held.err(), lateBuild.out(), lateBuild.err()))
                .doesNotContain(oldKeys.secretAccessKey());
    }

    /** The destination keys CodeBuild hands a build: two SECRETS_MANAGER variables pinned to one version. */
    private record Keys(String accessKeyId, String secretAccessKey) {
        @Override
        public String toString() {
            return "Keys[hidden]";
        }
    }

    private JsonNode readSecret(SampleImages.Image image) throws Exception {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.set("request", Json.MAPPER.readTree(requestJson(image)));
        return readSecret.invoke(payload);
    }

    private Keys keysOf(JsonNode validated) {
        return keysOf(
                validated.path("secretArn").asText(),
                validated.path("secretVersionId").asText());
    }

    /** StartBuild's references (secret-id:json-key:version-stage:version-id), resolved as CodeBuild does. */
    private Keys keysOf(String secretArn, String versionId) {
        return new Keys(
                LocalPipeline.resolveSecret(codeBuildSecrets, secretArn + ":accesskey::" + versionId),
                LocalPipeline.resolveSecret(codeBuildSecrets, secretArn + ":secretaccesskey::" + versionId));
    }

    /** Secrets Manager's RotateSecret: a pending version, then the function invoked once per step. */
    private void rotate() throws Exception {
        String token = secrets.startRotation(SECRET_NAME);
        for (String step : List.of("createSecret", "setSecret", "testSecret", "finishSecret")) {
            rotateSecret.invoke(Json.MAPPER
                    .createObjectNode()
                    .put("SecretId", arn)
                    .put("ClientRequestToken", token)
                    .put("Step", step));
        }
        assertThat(secrets.currentVersionId(SECRET_NAME)).isEqualTo(token);
    }

    private InProcessReplicator.Run replicate(SampleImages.Image image, Keys keys, Runnable beforeEcr) {
        Map<String, String> env = new HashMap<>();
        env.put(BuildVariables.REPLICATION_REQUEST, requestJson(image));
        env.put(BuildVariables.SOURCE_REGISTRY, source.authority());
        env.put(BuildVariables.DESTINATION_REGISTRY, ecr.authority());
        env.put(BuildVariables.DESTINATION_REGISTRY_IS_ECR, "true");
        env.put(BuildVariables.DESTINATION_REGION, DESTINATION_REGION);
        env.put(BuildVariables.DESTINATION_ACCESS_KEY_ID, keys.accessKeyId());
        env.put(BuildVariables.DESTINATION_SECRET_ACCESS_KEY, keys.secretAccessKey());
        env.put(BuildVariables.CREATE_REPOSITORIES, "true");
        env.put(BuildVariables.REGISTRY_INSECURE, "true");
        Path output = files.resolve(image.tag() + ".env");
        InProcessReplicator.Run run =
                InProcessReplicator.build(env, beforeEcr, "replicate", "--output", output.toString());
        assertThat(run.exit()).as(run.err()).isZero();
        try {
            assertThat(Files.readAllLines(output))
                    .contains(
                            BuildResults.OUTCOME + "=REPLICATED",
                            BuildResults.REPLICATED_DIGEST + "=" + image.digest());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return run;
    }

    private void assertReplicated(InProcessReplicator.Run run, SampleImages.Image image) throws Exception {
        assertThat(run.out()).contains("REPLICATED " + image.digest());
        assertThat(destinationDigest(image.repository(), image.tag())).contains(image.digest());
    }

    private static SampleImages.Image push(long seed, String repository, String tag) {
        return SampleImages.seed(seed).pushOciImage(SampleImages.Target.anonymous(source.baseUri()), repository, tag);
    }

    private static String requestJson(SampleImages.Image image) {
        return "{\"repository\":\"" + image.repository() + "\",\"tag\":\"" + image.tag() + "\",\"digest\":\""
                + image.digest() + "\",\"action\":\"PUSH\",\"eventTime\":\"2026-11-30T04:00:00Z\","
                + "\"eventId\":\"rotation-" + image.tag() + "\",\"sourceRegistry\":\"" + SOURCE_ACCOUNT + "\"}";
    }

    /** What the destination registry itself holds, read past the ECR stand-in with its own password. */
    private static Optional<String> destinationDigest(String repository, String tag) throws Exception {
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<Void> response = http.send(
                    HttpRequest.newBuilder(
                                    URI.create(destination.baseUri() + "/v2/" + repository + "/manifests/" + tag))
                            .method("HEAD", HttpRequest.BodyPublishers.noBody())
                            .header(
                                    "Authorization",
                                    SampleImages.Target.basic(destination.baseUri(), "AWS", REGISTRY_PASSWORD)
                                            .authorization())
                            .header("Accept", SampleImages.OCI_MANIFEST + ", " + SampleImages.OCI_INDEX)
                            .build(),
                    HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200
                    ? response.headers().firstValue("Docker-Content-Digest")
                    : Optional.empty();
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            if (!latch.await(2, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the rotation did not finish within 2 minutes");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
