package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.Sha256;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.ecrreplicator.engines.AwsJsonEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * StartReconcileBuild against CodeBuild's API as a loopback stand-in ({@link LocalAws.FakeCodeBuild}, as
 * WorkflowHandlersIT uses it for StartBuild): the plan and shard builds' environments and one build per attempt.
 */
class StartReconcileBuildHandlerTest {
    private static final String PROJECT = "ecr-replicator-dev";
    private static final String TABLE = "ecr-replicator-dev-state";
    private static final String SECRET_ARN =
            "arn:aws:secretsmanager:us-east-1:123456789012:secret:ecr-replicator-dev/destination-AbCdEf";
    private static final String DESTINATION = "210987654321.dkr.ecr.us-gov-west-1.amazonaws.com";
    private static final String EXECUTION = "arn:aws:states:us-east-1:123456789012:execution:reconcile:run-1";

    private final List<String> logs = new CopyOnWriteArrayList<>();
    private final LocalAws.FakeCodeBuild codeBuild = new LocalAws.FakeCodeBuild();
    private final InMemoryAttemptStore attempts = new InMemoryAttemptStore();
    private final StartReconcileBuildHandler handler = new StartReconcileBuildHandler(
            FunctionsConfig.from(Map.of(
                    FunctionEnvironment.TABLE_NAME, TABLE,
                    FunctionEnvironment.SECRET_ID, SECRET_ARN,
                    FunctionEnvironment.DESTINATION_REGION, "us-gov-west-1",
                    FunctionEnvironment.BUILD_PROJECT_NAME, PROJECT,
                    FunctionEnvironment.LEASE_SECONDS, "600",
                    FunctionEnvironment.AWS_REGION, "us-east-1",
                    FunctionEnvironment.REPOSITORY_FILTER, "prefix:team-",
                    FunctionEnvironment.RECONCILE_SHARD_SIZE, "250",
                    FunctionEnvironment.BUILD_TASK_TIMEOUT_SECONDS, "7200")),
            attempts,
            LocalAws.codeBuild(codeBuild.endpoint.endpoint()),
            pause -> {
                throw new AssertionError("no pause expected, asked for " + pause);
            },
            logs::add,
            new MutableClock(Instant.parse("2026-11-22T03:00:00Z")));

    @AfterEach
    void tearDown() {
        codeBuild.close();
        LocalAws.assertNoSecretIn(logs);
    }

    private static ObjectNode plan(String prefix, String taskToken) {
        ObjectNode payload = common(taskToken);
        ObjectNode request = payload.putObject("request");
        if (prefix != null) {
            request.put("prefix", prefix);
        }
        return payload;
    }

    private static ObjectNode shard(int number, String taskToken) {
        ObjectNode payload = common(taskToken);
        payload.put("shard", number);
        return payload;
    }

    private static ObjectNode common(String taskToken) {
        ObjectNode payload = Json.MAPPER.createObjectNode();
        payload.put("runId", "run-1");
        payload.putObject("destination").put("registry", DESTINATION).put("secretArn", SECRET_ARN);
        payload.put("executionArn", EXECUTION);
        payload.put("taskToken", taskToken);
        return payload;
    }

    /** The environment CodeBuild was asked for, by name: {@code type:value}. */
    private Map<String, String> requested(int call) {
        AwsJsonEndpoint.Call start = codeBuild.endpoint.calls("StartBuild").get(call);
        assertThat(start.request().path("projectName").asText()).isEqualTo(PROJECT);
        Map<String, String> environment = new LinkedHashMap<>();
        for (JsonNode variable : start.request().path("environmentVariablesOverride")) {
            environment.put(
                    variable.path("name").asText(),
                    variable.path("type").asText() + ":"
                            + variable.path("value").asText());
        }
        return environment;
    }

    @Test
    void shouldGiveThePlanBuildThePrefixFilterAndShardSizeWhenThePayloadHasNoShard() {
        JsonNode out = handler.handle(plan("team-a/", "token-plan"));

        assertThat(out.path("buildId").asText()).startsWith(PROJECT + ":");
        assertThat(codeBuild.builds).containsOnlyKeys(out.path("buildId").asText());
        Map<String, String> environment = requested(0);
        assertThat(environment)
                .containsEntry(BuildVariables.RECONCILE_RUN, "PLAINTEXT:run-1")
                .containsEntry(BuildVariables.RECONCILE_PREFIX, "PLAINTEXT:team-a/")
                .containsEntry(BuildVariables.REPOSITORY_FILTER, "PLAINTEXT:prefix:team-")
                .containsEntry(BuildVariables.RECONCILE_SHARD_SIZE, "PLAINTEXT:250")
                .containsEntry(BuildVariables.TABLE_NAME, "PLAINTEXT:" + TABLE)
                .containsEntry(BuildVariables.LEASE_SECONDS, "PLAINTEXT:600")
                .containsEntry(BuildVariables.EXECUTION_ARN, "PLAINTEXT:" + EXECUTION)
                .containsEntry(BuildVariables.ATTEMPT_ID, "PLAINTEXT:" + attemptOf("token-plan"))
                .containsEntry(BuildVariables.SOURCE_REGISTRY, "PLAINTEXT:123456789012.dkr.ecr.us-east-1.amazonaws.com")
                .containsEntry(BuildVariables.DESTINATION_REGISTRY, "PLAINTEXT:" + DESTINATION)
                .doesNotContainKeys(BuildVariables.RECONCILE_SHARD, BuildVariables.REPLICATION_REQUEST);
        assertThat(environment.toString()).as("the token stays in the table").doesNotContain("token-plan");
    }

    /** The attempt id StartReconcileBuild stored {@code taskToken} under. */
    private String attemptOf(String taskToken) {
        return attempts.byId.entrySet().stream()
                .filter(entry -> entry.getValue().taskToken().equals(taskToken))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no attempt stored for " + taskToken));
    }

    @Test
    void shouldGiveTheShardBuildItsNumberAndNoPlanSettingsWhenThePayloadHasAShard() {
        handler.handle(shard(3, "token-shard-3"));

        Map<String, String> environment = requested(0);
        assertThat(environment)
                .containsEntry(BuildVariables.RECONCILE_RUN, "PLAINTEXT:run-1")
                .containsEntry(BuildVariables.RECONCILE_SHARD, "PLAINTEXT:3")
                .containsEntry(BuildVariables.TABLE_NAME, "PLAINTEXT:" + TABLE)
                .containsEntry(BuildVariables.LEASE_SECONDS, "PLAINTEXT:600")
                .doesNotContainKeys(
                        BuildVariables.RECONCILE_PREFIX,
                        BuildVariables.REPOSITORY_FILTER,
                        BuildVariables.RECONCILE_SHARD_SIZE,
                        BuildVariables.REPLICATION_REQUEST);
    }

    @Test
    void shouldPinTheSecretVersionReadSecretValidatedWhenTheDestinationNamesIt() {
        ObjectNode payload = shard(0, "token-shard-0");
        ((ObjectNode) payload.path("destination")).put("secretVersionId", "0f1e2d3c-version");

        handler.handle(payload);

        assertThat(requested(0))
                .containsEntry(
                        BuildVariables.DESTINATION_ACCESS_KEY_ID,
                        "SECRETS_MANAGER:" + SECRET_ARN + ":accesskey::0f1e2d3c-version")
                .containsEntry(
                        BuildVariables.DESTINATION_SECRET_ACCESS_KEY,
                        "SECRETS_MANAGER:" + SECRET_ARN + ":secretaccesskey::0f1e2d3c-version");
    }

    @Test
    void shouldPassTheDestinationKeysOnlyAsSecretsManagerReferencesWhateverTheBuild() {
        handler.handle(plan(null, "token-plan"));
        handler.handle(shard(0, "token-shard-0"));

        for (int call = 0; call < 2; call++) {
            Map<String, String> environment = requested(call);
            assertThat(environment)
                    .containsEntry(
                            BuildVariables.DESTINATION_ACCESS_KEY_ID, "SECRETS_MANAGER:" + SECRET_ARN + ":accesskey")
                    .containsEntry(
                            BuildVariables.DESTINATION_SECRET_ACCESS_KEY,
                            "SECRETS_MANAGER:" + SECRET_ARN + ":secretaccesskey");
            assertThat(environment.entrySet().stream()
                            .filter(variable -> variable.getValue().startsWith("SECRETS_MANAGER:"))
                            .map(Map.Entry::getKey))
                    .containsExactlyInAnyOrder(
                            BuildVariables.DESTINATION_ACCESS_KEY_ID, BuildVariables.DESTINATION_SECRET_ACCESS_KEY);
            assertThat(environment.values())
                    .allMatch(value -> value.startsWith("PLAINTEXT:") || value.startsWith("SECRETS_MANAGER:"));
        }
        assertThat(requested(0)).containsEntry(BuildVariables.RECONCILE_PREFIX, "PLAINTEXT:");
    }

    @Test
    void shouldRefuseAPrefixThatIsNoRepositoryPathNamingTheForm() {
        for (String prefix : new String[] {"Team-A/", "team a/", "team-a/*"}) {
            assertThatThrownBy(() -> handler.handle(plan(prefix, "token-plan")))
                    .as(prefix)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + prefix + "'")
                    .hasMessageContaining("{\"prefix\": \"team-a/\"}");
        }
        assertThat(codeBuild.endpoint.calls("StartBuild")).isEmpty();
    }

    @Test
    void shouldRefuseAShardThatIsNoShardNumber() {
        ObjectNode negative = shard(0, "token");
        negative.put("shard", -1);
        ObjectNode text = shard(0, "token");
        text.put("shard", "first");

        for (ObjectNode payload : List.of(negative, text)) {
            assertThatThrownBy(() -> handler.handle(payload))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a shard number");
        }
        assertThat(codeBuild.endpoint.calls("StartBuild")).isEmpty();
    }

    @Test
    void shouldStartOneBuildPerTaskTokenWhenAnInvocationIsRetried() {
        String first = handler.handle(shard(1, "token-a")).path("buildId").asText();
        String retried = handler.handle(shard(1, "token-a")).path("buildId").asText();
        String redriven = handler.handle(shard(1, "token-b")).path("buildId").asText();

        assertThat(retried).isEqualTo(first);
        assertThat(redriven).isNotEqualTo(first);
        assertThat(codeBuild.builds).hasSize(2);
        List<String> tokens = codeBuild.endpoint.calls("StartBuild").stream()
                .map(call -> call.request().path("idempotencyToken").asText())
                .toList();
        assertThat(tokens)
                .containsExactly(
                        Sha256.hex("token-a").substring(0, 32),
                        Sha256.hex("token-a").substring(0, 32),
                        Sha256.hex("token-b").substring(0, 32));
        assertThat(List.of(requested(0), requested(1), requested(2)))
                .extracting(environment -> environment.get(BuildVariables.ATTEMPT_ID))
                .as("the retried invocation hands CodeBuild the same attempt id")
                .containsExactly(
                        "PLAINTEXT:" + attemptOf("token-a"),
                        "PLAINTEXT:" + attemptOf("token-a"),
                        "PLAINTEXT:" + attemptOf("token-b"));
        assertThat(attemptOf("token-a")).isNotEqualTo(attemptOf("token-b")).matches("[0-9a-f]{32}");
        assertThat(attempts.byId.get(attemptOf("token-a")).expiresAt())
                .as("the task timeout and a margin from the clock's now")
                .isEqualTo(
                        Instant.parse("2026-11-22T03:00:00Z").plusSeconds(7200).plus(BuildStarter.ATTEMPT_MARGIN));
    }
}
