package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.contract.Artifacts;
import org.ecrreplicator.domain.state.EventMark;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagStatus;
import org.ecrreplicator.state.DynamoTagStateStore;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * The file {@code demo --keep} prints, used as an operator would: its variables in the environment of the
 * worker's jar, and nothing else, so the SDK's own settings find the local pipeline's stack and table.
 */
class OperatorEnvironmentIT {
    @Test
    void shouldLetTheWorkerJarFindTheLocalStackAndReadItsTableWhenItsVariablesAreSet() throws Exception {
        Path repoRoot = RepoRoot.find();
        try (LocalPipeline pipeline = LocalPipeline.start(new LocalPipeline.Settings(
                null,
                null,
                repoRoot,
                repoRoot.resolve(Artifacts.WORKER_JAR),
                1,
                Duration.ofSeconds(1),
                Duration.ofMillis(200),
                line -> {}))) {
            Map<String, String> variables = variables(pipeline);
            assertThat(variables)
                    .containsKeys(
                            "AWS_ENDPOINT_URL_CLOUDFORMATION",
                            "AWS_ENDPOINT_URL_DYNAMODB",
                            "AWS_ENDPOINT_URL_SFN",
                            "AWS_ENDPOINT_URL_SQS",
                            "AWS_ENDPOINT_URL_SECRETS_MANAGER",
                            "AWS_REGION")
                    .containsEntry("AWS_ACCESS_KEY_ID", LocalPipeline.FAKE_ACCESS_KEY)
                    .containsEntry("REPLICATOR_STACK", LocalPipeline.STACK);
            writeTag(URI.create(variables.get("AWS_ENDPOINT_URL_DYNAMODB")));

            Run run = runJar(repoRoot, variables, "status", "--stack", variables.get("REPLICATOR_STACK"), "--json");

            assertThat(run.exit()).as(run.err()).isZero();
            JsonNode rows = Json.parse(run.out());
            assertThat(rows).hasSize(1);
            assertThat(rows.get(0).get("repository").asText()).isEqualTo("operator/app");
            assertThat(rows.get(0).get("status").asText()).isEqualTo("FAILED");
        }
    }

    /**
     * {@code doctor} against the local pipeline as an operator runs it: every check passes but the reconcile's
     * (none has run), until a malformed secret replaces the good one; then the secret fails with its fix, the
     * destination checks are not run, and no value of the secret is printed.
     */
    @Test
    void shouldPassDoctorUntilTheSecretIsMalformedThenFailItWithTheFix() throws Exception {
        Path repoRoot = RepoRoot.find();
        try (LocalPipeline pipeline = LocalPipeline.start(new LocalPipeline.Settings(
                null,
                null,
                repoRoot,
                repoRoot.resolve(Artifacts.WORKER_JAR),
                1,
                Duration.ofSeconds(1),
                Duration.ofMillis(200),
                line -> {}))) {
            Map<String, String> variables = variables(pipeline);
            String stack = variables.get("REPLICATOR_STACK");

            Run healthy = runJar(repoRoot, variables, "doctor", "--stack", stack, "--json");
            try (SecretsManagerClient secrets = SecretsManagerClient.builder()
                    .endpointOverride(URI.create(variables.get("AWS_ENDPOINT_URL_SECRETS_MANAGER")))
                    .region(Region.of(LocalPipeline.REGION))
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(LocalPipeline.FAKE_ACCESS_KEY, "local-test-only-not-a-key")))
                    .httpClient(UrlConnectionHttpClient.create())
                    .build()) {
                secrets.putSecretValue(request -> request.secretId(LocalPipeline.SECRET_NAME)
                        .secretString("{\"user\":\"replicator-demo\",\"secretaccesskey\":\""
                                + LocalPipeline.FAKE_SECRET_KEY + "\",\"partition\":\"aws-us-gov\"}"));
            }
            Run malformed = runJar(repoRoot, variables, "doctor", "--stack", stack);

            assertThat(healthy.exit()).as(healthy.out() + healthy.err()).isZero();
            JsonNode checks = Json.parse(healthy.out()).get("checks");
            assertThat(checks).hasSize(11);
            for (JsonNode check : checks) {
                assertThat(check.get("status").asText())
                        .as(check.toString())
                        .isEqualTo(check.get("name").asText().equals("last reconcile") ? "WARN" : "PASS");
            }
            assertThat(malformed.exit()).as(malformed.err()).isEqualTo(1);
            List<String> lines = malformed.out().lines().toList();
            String secretLine = lines.stream()
                    .filter(line -> line.startsWith("FAIL  destination secret"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(malformed.out()));
            assertThat(secretLine).contains("missing field(s) accesskey, accountid");
            assertThat(lines.get(lines.indexOf(secretLine) + 1))
                    .startsWith("      fix: put a value with the fields")
                    .contains("aws secretsmanager put-secret-value --secret-id");
            assertThat(malformed.out()).contains("FAIL  destination login", "not checked");
            assertThat(malformed.out() + malformed.err()).doesNotContain(LocalPipeline.FAKE_SECRET_KEY);
        }
    }

    private record Run(int exit, String out, String err) {}

    /** The variables of the file {@code demo --keep} writes. */
    private static Map<String, String> variables(LocalPipeline pipeline) throws IOException {
        Path file = pipeline.writeOperatorEnvironment();
        Map<String, String> variables = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            if (!line.startsWith("#") && line.contains("=")) {
                variables.put(line.substring(0, line.indexOf('=')), line.substring(line.indexOf('=') + 1));
            }
        }
        return variables;
    }

    /** The worker jar as its own process with only {@code variables} for the SDK. */
    private static Run runJar(Path repoRoot, Map<String, String> variables, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                repoRoot.resolve(Artifacts.WORKER_JAR).toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(false);
        // Only the file's variables reach the SDK: none of this JVM's system properties do.
        builder.environment().keySet().removeIf(name -> name.startsWith("AWS_"));
        builder.environment().put("AWS_CONFIG_FILE", "/nonexistent");
        builder.environment().put("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
        builder.environment().putAll(variables);
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Run(
                process.exitValue(),
                new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static void writeTag(URI dynamoEndpoint) {
        try (DynamoDbClient dynamo = DynamoDbClient.builder()
                .endpointOverride(dynamoEndpoint)
                .region(Region.of(LocalPipeline.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(LocalPipeline.FAKE_ACCESS_KEY, "local-test-only-not-a-key")))
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
            Instant now = Instant.now();
            new DynamoTagStateStore(dynamo, LocalPipeline.TABLE)
                    .save(new TagState.Builder("operator/app:1.0")
                            .version(1)
                            .lastSeen(new EventMark(now, "ev-1"), null)
                            .status(TagStatus.FAILED)
                            .error("BuildFailed", "test", "arn:execution")
                            .updatedAt(now)
                            .done());
        }
    }
}
