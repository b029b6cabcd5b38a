package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.domain.state.EventMark;
import org.ecrreplicator.domain.state.Lease;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.domain.state.ReconcileRun;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagStatus;
import org.ecrreplicator.engines.DynamoDbLocalEngine;
import org.ecrreplicator.engines.LocalCloudFormation;
import org.ecrreplicator.engines.LocalSecretsManager;
import org.ecrreplicator.engines.LocalStateTable;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.engines.SystemProperties;
import org.ecrreplicator.state.DynamoReconcileStore;
import org.ecrreplicator.state.DynamoTagStateStore;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * {@code replicator status} in process against DynamoDB Local and the CloudFormation stand-in, and for {@code
 * --live} two real distribution registries. The command builds its clients as on an operator's machine; the SDK's
 * own endpoint and credential settings (the system properties that mirror {@code AWS_ENDPOINT_URL_<SERVICE>} and
 * {@code AWS_ACCESS_KEY_ID}) point them at loopback. The reconcile runs are written through {@link
 * DynamoReconcileStore} into a second stack's table, so that the first one shows none.
 */
class StatusIT {
    private static final String STACK = StackOutputs.replicationStackName("statusit");
    private static final String TABLE = "replicator-state";
    private static final String RECONCILED_STACK = StackOutputs.replicationStackName("statusit-reconciled");
    private static final String RECONCILED_TABLE = "replicator-state-reconciled";
    private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
    private static final Instant RUN_ENDED = T0.plusSeconds(3600);
    private static final String DEPLOYED_STACK = StackOutputs.replicationStackName("statusit-deployed");
    private static final String GOV_KEY = "AKIAI44QH8DHBEXAMPLE";
    private static final SystemProperties properties = new SystemProperties();
    private static DynamoDbLocalEngine dynamoEngine;
    private static LocalCloudFormation cloudFormation;
    private static LocalSecretsManager secrets;
    private static Digest app1;
    private static RegistryProcess source;
    private static RegistryProcess destination;

    @BeforeAll
    static void start() throws Exception {
        dynamoEngine = DynamoDbLocalEngine.start();
        cloudFormation = new LocalCloudFormation("us-east-1", "123456789012");
        cloudFormation.putStack(STACK, Map.of(StackOutputs.TABLE_NAME, TABLE));
        cloudFormation.putStack("stack-without-table", Map.of(StackOutputs.QUEUE_URL, "http://127.0.0.1:1/q"));
        cloudFormation.putStack(RECONCILED_STACK, Map.of(StackOutputs.TABLE_NAME, RECONCILED_TABLE));
        // A deployment as the stack describes it: the destination is the secret's account in DestinationRegion.
        secrets = new LocalSecretsManager("us-east-1", "123456789012");
        String secretArn = secrets.put(
                "ecr-replicator-statusit/destination",
                "{\"user\":\"ecr-replicator-statusit\",\"accesskey\":\"" + GOV_KEY + "\",\"secretaccesskey\":"
                        + "\"je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY\",\"partition\":\"aws-us-gov\","
                        + "\"accountid\":\"444455556666\"}");
        cloudFormation.putStack(
                DEPLOYED_STACK,
                Map.of(
                        StackOutputs.TABLE_NAME,
                        TABLE,
                        StackOutputs.DESTINATION_SECRET_ID,
                        secretArn,
                        StackOutputs.DESTINATION_REGION,
                        "us-gov-west-1"));
        properties.set("aws.endpointUrlSecretsManager", secrets.endpoint().toString());
        properties.set(
                "aws.endpointUrlCloudFormation", cloudFormation.endpoint().toString());
        properties.set("aws.endpointUrlDynamoDb", dynamoEngine.endpoint().toString());
        properties.set("aws.accessKeyId", "AKIAIOSFODNN7EXAMPLE");
        properties.set("aws.secretAccessKey", "local-test-only-not-a-key");
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

            // A run over both repositories whose shard of other/tool failed: only team/app was reconciled.
            LocalStateTable.create(dynamo, RECONCILED_TABLE, StateTable.KEY);
            DynamoTagStateStore reconciledTags = new DynamoTagStateStore(dynamo, RECONCILED_TABLE);
            reconciledTags.save(tag("team/app:1.0", TagStatus.REPLICATED).done());
            reconciledTags.save(tag("other/tool:latest", TagStatus.REPLICATED).done());
            DynamoReconcileStore runs = new DynamoReconcileStore(dynamo, RECONCILED_TABLE);
            ReconcileRun started = ReconcileRun.started("nightly-7", "", T0, 2);
            Instant expires = Instant.now().plusSeconds(86_400);
            runs.savePlan(started, List.of(List.of("team/app"), List.of("other/tool")), expires);
            ReconcileCounts shard0 = new ReconcileCounts(40, 2, 1, 0, 3, 0, 0, 0, 3 * 1024 * 1024, 1024 * 1024);
            runs.saveShardCounts("nightly-7", 0, shard0);
            runs.saveRun(started.ended(RUN_ENDED, 1, shard0), expires);
        }

        source = RegistryProcess.startAnonymous();
        destination = RegistryProcess.startAnonymous();
    }

    @AfterAll
    static void stop() {
        if (destination != null) {
            destination.close();
        }
        if (source != null) {
            source.close();
        }
        properties.restore();
        secrets.close();
        cloudFormation.close();
        dynamoEngine.close();
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
        assertThat(lines.get(0)).isEqualTo("last reconcile: no reconcile has run yet: run replicator backfill");
        assertThat(lines.get(1))
                .startsWith("repository")
                .contains("tag", "status", "last event", "replicated digest", "last build", "error", "last reconcile")
                .doesNotContain("live");
        assertThat(lines.get(2)).matches("[- ]+");
        assertThat(lines.subList(3, lines.size()))
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
        assertThat(lines(absentTag)).hasSize(3);
    }

    @Test
    void shouldPrintTheLastReconcileAboveTheTableAndWhenItCoveredEachTag() {
        CliRun run = run("status", "--stack", RECONCILED_STACK, "--region", "us-east-1");

        assertThat(run.exit()).as(run.err()).isZero();
        List<String> lines = lines(run);
        assertThat(lines.get(0))
                .startsWith("last reconcile: run nightly-7 DRIFT_LEFT, ended ")
                .contains(" ago (" + RUN_ENDED + "); 2 shards, 1 failed; 40 in sync, 2 missing, 1 stale, 0 extra,"
                        + " 3 repaired, 0 deferred, 0 failed, 0 extra kept, 3.0 MiB copied, 1.0 MiB mounted");
        assertThat(lines.subList(3, lines.size()))
                .satisfiesExactly(
                        line -> assertThat(line).startsWith("other/tool").endsWith(" -"),
                        line -> assertThat(line).startsWith("team/app").endsWith(RUN_ENDED.toString()));
    }

    @Test
    void shouldKeepTheJsonArrayAndGiveEachTagTheEndOfTheRunThatCoveredIt() {
        CliRun run = run("status", "--stack", RECONCILED_STACK, "--region", "us-east-1", "--json");

        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = run.json();
        assertThat(json.isArray()).isTrue();
        assertThat(json.get(0).get("repository").asText()).isEqualTo("other/tool");
        assertThat(json.get(0).get("lastReconcile").isNull())
                .as("its shard failed")
                .isTrue();
        assertThat(json.get(1).get("lastReconcile").asText()).isEqualTo(RUN_ENDED.toString());
        assertThat(json.get(1).has("live")).isFalse();
    }

    @Test
    void shouldPrintTheRunAloneAsOneLineOrOneObjectWhenLastReconcileIsAsked() {
        CliRun text = run("status", "--stack", RECONCILED_STACK, "--region", "us-east-1", "--last-reconcile");
        CliRun json = run("status", "--stack", RECONCILED_STACK, "--region", "us-east-1", "--last-reconcile", "--json");
        CliRun none = run("status", "--stack", STACK, "--region", "us-east-1", "--last-reconcile", "--json");
        CliRun withTarget = run("status", "--stack", STACK, "--last-reconcile", "team/app");

        assertThat(text.exit()).as(text.err()).isZero();
        assertThat(lines(text)).singleElement().asString().startsWith("last reconcile: run nightly-7 DRIFT_LEFT");
        JsonNode last = json.json().get("lastReconcile");
        assertThat(last.get("runId").asText()).isEqualTo("nightly-7");
        assertThat(last.get("status").asText()).isEqualTo("DRIFT_LEFT");
        assertThat(last.get("startedAt").asText()).isEqualTo(T0.toString());
        assertThat(last.get("endedAt").asText()).isEqualTo(RUN_ENDED.toString());
        assertThat(last.get("shards").asInt()).isEqualTo(2);
        assertThat(last.get("failedShards").asInt()).isEqualTo(1);
        assertThat(last.get("counts").get("missing").asLong()).isEqualTo(2);
        assertThat(last.get("counts").get("bytesCopied").asLong()).isEqualTo(3 * 1024 * 1024);
        assertThat(last.get("counts").get("bytesMounted").asLong()).isEqualTo(1024 * 1024);
        assertThat(last.get("driftLeft").asLong()).isZero();
        assertThat(none.json().get("lastReconcile").isNull()).isTrue();
        assertThat(withTarget.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(withTarget.err()).contains("--last-reconcile prints the run alone");
    }

    @Test
    void shouldAskBothRegistriesForEveryRowShownWhenLiveIsAsked() throws Exception {
        SampleImages.Image inSync = single(31, source, "live/team/app", "1.0");
        single(31, destination, "live/team/app", "1.0");
        SampleImages.Image moved = single(32, source, "live/team/app", "2.0");
        SampleImages.Image stale = single(33, destination, "live/team/app", "2.0");
        SampleImages.Image missing = single(34, source, "live/other/tool", "latest");
        SampleImages.Image kept = single(35, destination, "live/other/tool", "old");
        String[] registries = {
            "--source", source.authority() + "/live", "--dest", destination.authority() + "/live", "--insecure"
        };

        CliRun table =
                run(concat(new String[] {"status", "--stack", STACK, "--region", "us-east-1", "--live"}, registries));
        CliRun json = run(concat(
                new String[] {"status", "--stack", STACK, "--region", "us-east-1", "--live", "--json"}, registries));

        assertThat(table.exit()).as(table.err()).isZero();
        assertThat(table.err()).isEmpty();
        List<String> lines = lines(table);
        assertThat(lines.get(1)).contains("source now", "destination now", "live");
        assertThat(lines.subList(3, lines.size()))
                .satisfiesExactly(
                        line -> assertThat(line)
                                .startsWith("other/tool")
                                .contains("latest", missing.digest().substring(0, 19))
                                .endsWith("missing at destination"),
                        line -> assertThat(line)
                                .startsWith("other/tool")
                                .contains("old", kept.digest().substring(0, 19))
                                .endsWith("gone at source"),
                        line -> assertThat(line)
                                .startsWith("team/app")
                                .contains("1.0", inSync.digest().substring(0, 19))
                                .endsWith("in sync"),
                        line -> assertThat(line)
                                .startsWith("team/app")
                                .contains(
                                        "2.0",
                                        moved.digest().substring(0, 19),
                                        stale.digest().substring(0, 19))
                                .endsWith("differs"));
        assertThat(json.exit()).as(json.err()).isZero();
        assertThat(json.json())
                .extracting(row -> row.get("tag").asText() + " "
                        + row.get("live").get("verdict").asText() + " "
                        + row.get("live").get("sourceDigest").asText() + " "
                        + row.get("live").get("destinationDigest").asText())
                .containsExactly(
                        "latest MISSING_AT_DESTINATION " + missing.digest() + " null",
                        "old GONE_AT_SOURCE null " + kept.digest(),
                        "1.0 IN_SYNC " + inSync.digest() + " " + inSync.digest(),
                        "2.0 DIFFERS " + moved.digest() + " " + stale.digest());
    }

    @Test
    void shouldNameTheFirstFailuresAndExitFourWhenARegistryCannotBeAsked() {
        single(41, source, "down/team/app", "1.0");

        CliRun run = run(
                "status",
                "--stack",
                STACK,
                "--region",
                "us-east-1",
                "--live",
                "--json",
                "--source",
                source.authority() + "/down",
                "--dest",
                "no-such-registry.invalid:5000",
                "--insecure");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.ERRORS);
        assertThat(run.err().strip().lines().toList())
                .satisfiesExactly(
                        line -> assertThat(line)
                                .startsWith("error: other/tool:latest: destination: HEAD manifest other/tool:latest at"
                                        + " no-such-registry.invalid:5000")
                                .contains("cannot resolve host no-such-registry.invalid"),
                        line -> assertThat(line).startsWith("error: other/tool:old: destination: "),
                        line -> assertThat(line).startsWith("error: team/app:1.0: destination: "),
                        line -> assertThat(line)
                                .isEqualTo("error: and 1 more tags the registries could not be asked"
                                        + " about (live: unknown; --json has each error)"));
        assertThat(run.json())
                .extracting(row -> row.get("live").get("verdict").asText())
                .containsOnly("UNKNOWN");
    }

    /** What the command asked an ECR factory for: the registry, and the access key id it would sign with. */
    private record EcrAsked(String region, String registryId, String accessKeyId) {}

    /** Records each ECR client asked for and refuses it, so that nothing reaches AWS. */
    private static CliRun runRecordingEcr(List<EcrAsked> asked, String... args) {
        EcrFactory recording = (region, credentials, registryId, defaults) -> {
            asked.add(new EcrAsked(
                    region.id(), registryId, credentials.resolveCredentials().accessKeyId()));
            throw new ReplicatorException("no ECR in this test: " + registryId);
        };
        return CliRun.inProcess(Map.of(), recording, args);
    }

    @Test
    void shouldLookAtTheStacksOwnRegistryWithTheDeploymentsCredentialsWhenNoSourceIsGiven() {
        List<EcrAsked> asked = new ArrayList<>();

        // No --insecure: it is refused as soon as one side is ECR, which the other side is here.
        CliRun run = runRecordingEcr(
                asked,
                "status",
                "--stack",
                DEPLOYED_STACK,
                "--region",
                "us-east-1",
                "--live",
                "--dest",
                destination.authority());

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        assertThat(run.err()).contains("no ECR in this test: 123456789012");
        assertThat(asked).containsExactly(new EcrAsked("us-east-1", "123456789012", "AKIAIOSFODNN7EXAMPLE"));
    }

    @Test
    void shouldFindTheDestinationInTheSecretAndTheStacksRegionAndSignWithTheSecretsKeys() {
        List<EcrAsked> asked = new ArrayList<>();

        // No --insecure: it is refused as soon as one side is ECR, which the other side is here.
        CliRun run = runRecordingEcr(
                asked,
                "status",
                "--stack",
                DEPLOYED_STACK,
                "--region",
                "us-east-1",
                "--live",
                "--source",
                source.authority());

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        assertThat(run.all()).doesNotContain("je7MtGbClwBF");
        assertThat(asked).containsExactly(new EcrAsked("us-gov-west-1", "444455556666", GOV_KEY));
        assertThat(secrets.calls()).isNotEmpty();
    }

    @Test
    void shouldFailNamingTheOutputAndDestWhenTheStackDoesNotSayWhereTheDestinationIs() {
        CliRun run = run(
                "status",
                "--stack",
                STACK,
                "--region",
                "us-east-1",
                "--live",
                "--source",
                source.authority(),
                "--insecure");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.FAILED);
        assertThat(run.err().strip().lines())
                .singleElement()
                .asString()
                .contains("has no output " + StackOutputs.DESTINATION_REGION, "deploy this version", "--dest HOST");
    }

    @Test
    void shouldRefuseRegistryOptionsWithoutLive() {
        CliRun run = run("status", "--stack", STACK, "--dest", "registry.example");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(run.err()).contains("--dest applies to --live only");
    }

    private static SampleImages.Image single(long seed, RegistryProcess at, String repository, String tag) {
        return SampleImages.seed(seed).pushOciImage(SampleImages.Target.anonymous(at.baseUri()), repository, tag);
    }

    private static String[] concat(String[] first, String[] second) {
        String[] all = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, all, first.length, second.length);
        return all;
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
