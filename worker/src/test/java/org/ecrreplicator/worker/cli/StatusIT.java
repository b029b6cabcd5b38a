package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.domain.state.EventMark;
import org.ecrreplicator.domain.state.Lease;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagStatus;
import org.ecrreplicator.engines.DynamoDbLocalEngine;
import org.ecrreplicator.engines.LocalCloudFormation;
import org.ecrreplicator.engines.LocalStateTable;
import org.ecrreplicator.state.DynamoTagStateStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code replicator status} in process against DynamoDB Local and the CloudFormation stand-in. The command builds
 * its clients as on an operator's machine; the SDK's own endpoint and credential settings (the system properties
 * that mirror {@code AWS_ENDPOINT_URL_<SERVICE>} and {@code AWS_ACCESS_KEY_ID}) point them at loopback.
 */
class StatusIT {
    private static final String STACK = StackOutputs.replicationStackName("statusit");
    private static final String TABLE = "replicator-state";
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final Map<String, String> saved = new HashMap<>();
    private static DynamoDbLocalEngine dynamoEngine;
    private static LocalCloudFormation cloudFormation;
    private static Digest app1;

    @BeforeAll
    static void start() throws Exception {
        dynamoEngine = DynamoDbLocalEngine.start();
        cloudFormation = new LocalCloudFormation("us-east-1", "123456789012");
        cloudFormation.putStack(STACK, Map.of(StackOutputs.TABLE_NAME, TABLE));
        cloudFormation.putStack("stack-without-table", Map.of(StackOutputs.QUEUE_URL, "http://127.0.0.1:1/q"));
        setProperty("aws.endpointUrlCloudFormation", cloudFormation.endpoint().toString());
        setProperty("aws.endpointUrlDynamoDb", dynamoEngine.endpoint().toString());
        setProperty("aws.accessKeyId", "AKIAIOSFODNN7EXAMPLE");
        setProperty("aws.secretAccessKey", "local-test-only-not-a-key");
        app1 = Digest.sha256(MessageDigest.getInstance("SHA-256").digest("app1".getBytes(StandardCharsets.UTF_8)));

        try (DynamoDbClient dynamo = DynamoDbClient.builder()
                .endpointOverride(dynamoEngine.endpoint())
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "local-test-only-not-a-key")))
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
            LocalStateTable.create(dynamo, TABLE, StateTable.KEY);
            DynamoTagStateStore store = new DynamoTagStateStore(dynamo, TABLE);
            store.save(tag("team/app:1.0", TagStatus.REPLICATED)
                    .applied(new EventMark(T0, "ev-app-1.0"))
                    .replicated(app1, T0.plusSeconds(30), false)
                    .build("replicator-copy:build-1", "hash-1")
                    .done());
            store.save(tag("team/app:2.0", TagStatus.FAILED)
                    .build("replicator-copy:build-2", "hash-2")
                    .error("BuildFailed", "the build failed in phase BUILD", "arn:execution:2")
                    .done());
            store.save(tag("other/tool:latest", TagStatus.BUILDING)
                    .lease(new Lease("arn:execution:3", T0.plusSeconds(1200)))
                    .build("replicator-copy:build-3", "hash-3")
                    .done());
            store.save(tag("other/tool:old", TagStatus.DELETED)
                    .applied(new EventMark(T0, "ev-other/tool:old"))
                    .replicated(null, T0.plusSeconds(20), true)
                    .done());
        }
    }

    @AfterAll
    static void stop() {
        saved.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
        cloudFormation.close();
        dynamoEngine.close();
    }

    private static void setProperty(String name, String value) {
        saved.put(name, System.getProperty(name));
        System.setProperty(name, value);
    }

    private static TagState.Builder tag(String key, TagStatus status) {
        return new TagState.Builder(key)
                .version(1)
                .lastSeen(new EventMark(T0, "ev-" + key), null)
                .status(status)
                .updatedAt(T0.plusSeconds(60));
    }

    private static CliRun run(String... args) {
        return CliRun.inProcess(args);
    }

    private static List<String> lines(CliRun run) {
        return run.out().lines().toList();
    }

    @Test
    void shouldPrintEveryTagSortedByRepositoryAndTagWhenNoTargetIsGiven() {
        CliRun run = run("status", "--stack", STACK, "--region", "us-east-1");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.err()).isEmpty();
        List<String> lines = lines(run);
        assertThat(lines.get(0))
                .startsWith("repository")
                .contains("tag", "status", "last event", "replicated digest", "last build", "error", "last reconcile");
        assertThat(lines.get(1)).matches("[- ]+");
        assertThat(lines.subList(2, lines.size()))
                .hasSize(4)
                .satisfiesExactly(
                        line -> assertThat(line).startsWith("other/tool").contains("latest", "BUILDING", "build-3"),
                        line -> assertThat(line).startsWith("other/tool").contains("old", "DELETED"),
                        line -> assertThat(line)
                                .startsWith("team/app")
                                .contains("1.0", "REPLICATED", app1.toString().substring(0, 19), "build-1")
                                .doesNotContain(app1.toString())
                                .endsWith("never"),
                        line -> assertThat(line).startsWith("team/app").contains("2.0", "FAILED", "BuildFailed"));
    }

    @Test
    void shouldPrintOneJsonArrayWithTheWholeRecordWhenJsonIsAsked() {
        CliRun run = run("status", "--stack", STACK, "--region", "us-east-1", "--json");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(run.out().strip().lines()).hasSize(1);
        JsonNode json = Json.parse(run.out());
        assertThat(json.isArray()).isTrue();
        assertThat(json).hasSize(4);
        JsonNode replicated = json.get(2);
        assertThat(replicated.get("repository").asText()).isEqualTo("team/app");
        assertThat(replicated.get("tag").asText()).isEqualTo("1.0");
        assertThat(replicated.get("status").asText()).isEqualTo("REPLICATED");
        assertThat(replicated.get("inSync").asBoolean()).isTrue();
        assertThat(replicated.get("replicatedDigest").asText()).isEqualTo(app1.toString());
        assertThat(replicated.get("lastEvent").get("id").asText()).isEqualTo("ev-team/app:1.0");
        assertThat(replicated.get("lastEvent").get("time").asText()).isEqualTo(T0.toString());
        assertThat(replicated.get("buildId").asText()).isEqualTo("replicator-copy:build-1");
        assertThat(replicated.get("lastReconcile").isNull()).isTrue();
        JsonNode failed = json.get(3);
        assertThat(failed.get("inSync").asBoolean()).isFalse();
        assertThat(failed.get("error").asText()).isEqualTo("BuildFailed");
        assertThat(failed.get("cause").asText()).isEqualTo("the build failed in phase BUILD");
        assertThat(failed.get("replicatedDigest").isNull()).isTrue();
    }

    @Test
    void shouldKeepOnlyInFlightAndFailedTagsWhenOutOfSyncIsAsked() {
        CliRun run = run("status", "--stack", STACK, "--region", "us-east-1", "--out-of-sync", "--json");

        assertThat(run.exit()).as(run.err()).isZero();
        assertThat(Json.parse(run.out()))
                .extracting(row ->
                        row.get("repository").asText() + ":" + row.get("tag").asText())
                .containsExactly("other/tool:latest", "team/app:2.0");
    }

    @Test
    void shouldNarrowToTheRepositoryOrTheTagWhenOneIsNamed() {
        CliRun repository = run("status", "--stack", STACK, "--region", "us-east-1", "--json", "other/tool");
        CliRun oneTag = run("status", "--stack", STACK, "--region", "us-east-1", "--json", "team/app:2.0");
        CliRun absentTag = run("status", "--stack", STACK, "--region", "us-east-1", "team/app:9.9");

        assertThat(Json.parse(repository.out()))
                .extracting(row -> row.get("tag").asText())
                .containsExactly("latest", "old");
        assertThat(Json.parse(oneTag.out()))
                .singleElement()
                .satisfies(row -> assertThat(row.get("status").asText()).isEqualTo("FAILED"));
        assertThat(absentTag.exit()).isZero();
        assertThat(lines(absentTag)).hasSize(2);
    }

    @Test
    void shouldFailWithOneLineNamingTheFixWhenTheStackIsMissing() {
        CliRun run = run("status", "--env", "nowhere", "--region", "us-east-1");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err())
                .startsWith("error: stack ecr-replicator-nowhere-replication does not exist in us-east-1")
                .contains("deploy it", "--stack");
    }

    @Test
    void shouldFailWithOneLineWhenTheStackHasNoTableOutput() {
        CliRun run = run("status", "--stack", "stack-without-table", "--region", "us-east-1");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).contains("has no output " + StackOutputs.TABLE_NAME, "deploy this version");
    }

    @Test
    void shouldRefuseWithUsageWhenNeitherEnvNorStackIsGiven() {
        CliRun neither = run("status", "--region", "us-east-1");
        CliRun both = run("status", "--env", "dev", "--stack", STACK);

        assertThat(neither.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(neither.err()).contains("--env ENV", "--stack NAME", "neither");
        assertThat(both.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(both.err()).contains("both");
    }
}
