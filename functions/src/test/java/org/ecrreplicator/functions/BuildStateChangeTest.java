package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.codebuild.model.BuildPhase;
import software.amazon.awssdk.services.codebuild.model.EnvironmentVariable;
import software.amazon.awssdk.services.codebuild.model.PhaseContext;

class BuildStateChangeTest {
    static JsonNode event(String name) {
        try (InputStream in = BuildStateChangeTest.class.getResourceAsStream("/events/" + name)) {
            return Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldReadTheAttemptIdAndExportedVariablesWhenTheBuildSucceeded() {
        BuildStateChange change = BuildStateChange.parse(event("codebuild-succeeded.json"));

        assertThat(change.succeeded()).isTrue();
        assertThat(change.projectName()).isEqualTo("ecr-replicator-dev");
        assertThat(change.buildId()).isEqualTo("ecr-replicator-dev:0b6f2a6e-1c55-4a8e-9a2b-3c4d5e6f7a8b");
        assertThat(change.environment()).containsEntry(BuildVariables.ATTEMPT_ID, "0123456789abcdef0123456789abcdef");
        assertThat(change.exported())
                .containsEntry(BuildResults.OUTCOME, "REPLICATED")
                .containsEntry(BuildResults.BLOBS_SKIPPED, "1");
        assertThat(change.failedPhase()).isNull();
    }

    @Test
    void shouldNameTheFailedPhaseAndLogWhenTheBuildFailed() {
        BuildStateChange change = BuildStateChange.parse(event("codebuild-failed.json"));

        assertThat(change.failed()).isTrue();
        assertThat(change.exported()).isNull();
        assertThat(change.failedPhase()).startsWith("BUILD FAILED (COMMAND_EXECUTION_ERROR");
        assertThat(change.logLocation()).contains("logEvent:group=/aws/codebuild/ecr-replicator-dev");
    }

    @Test
    void shouldNotParseEventsOfOtherSources() {
        com.fasterxml.jackson.databind.node.ObjectNode other =
                (com.fasterxml.jackson.databind.node.ObjectNode) event("codebuild-succeeded.json");
        other.put("source", "aws.ecr");

        assertThat(BuildStateChange.parse(other)).isNull();
    }

    @Test
    void shouldMapExportedVariablesToTheTaskResultWhenComplete() {
        JsonNode result = BuildReporter.taskResult(
                "p:1",
                Map.of(
                        BuildResults.OUTCOME,
                        "REPLICATED",
                        BuildResults.REPLICATED_DIGEST,
                        "sha256:" + "a".repeat(64),
                        BuildResults.BYTES_COPIED,
                        "10",
                        BuildResults.BLOBS_COPIED,
                        "2",
                        BuildResults.BLOBS_SKIPPED,
                        "",
                        BuildResults.BLOBS_MOUNTED,
                        "4",
                        BuildResults.BYTES_MOUNTED,
                        "4000",
                        BuildResults.REFERRERS_COPIED,
                        "3",
                        BuildResults.REMOVED_DIGEST,
                        ""));

        assertThat(Json.write(result))
                .isEqualTo("{\"buildId\":\"p:1\",\"outcome\":\"REPLICATED\",\"digest\":\"sha256:" + "a".repeat(64)
                        + "\",\"bytesCopied\":10,\"blobsCopied\":2,\"blobsSkipped\":0,\"blobsMounted\":4,"
                        + "\"bytesMounted\":4000,\"referrersCopied\":3,"
                        + "\"referrersSkipped\":0,\"removedDigest\":null}");
    }

    @Test
    void shouldCarryTheRemovedDigestAndRequireADigestForEveryOutcomeThatKeepsTheImage() {
        String removed = "sha256:" + "b".repeat(64);

        JsonNode deleted = BuildReporter.taskResult(
                "p:2",
                Map.of(
                        BuildResults.OUTCOME,
                        "DELETED",
                        BuildResults.REPLICATED_DIGEST,
                        removed,
                        BuildResults.REMOVED_DIGEST,
                        removed));

        assertThat(deleted.path("removedDigest").asText()).isEqualTo(removed);
        assertThatThrownBy(() -> BuildReporter.taskResult("p:3", Map.of(BuildResults.OUTCOME, "KEPT")))
                .hasMessageContaining("reports KEPT but exported no REPLICATED_DIGEST");
        assertThatThrownBy(() -> BuildReporter.taskResult(
                        "p:4",
                        Map.of(
                                BuildResults.OUTCOME,
                                "UNCHANGED",
                                BuildResults.REPLICATED_DIGEST,
                                removed,
                                BuildResults.REMOVED_DIGEST,
                                "x")))
                .hasMessageContaining("REMOVED_DIGEST is 'x', not a digest");
    }

    @Test
    void shouldRefuseAResultWithoutOutcomeOrWithABadCount() {
        assertThatThrownBy(() -> BuildReporter.taskResult("p:1", Map.of())).hasMessageContaining("exported no OUTCOME");
        assertThatThrownBy(() -> BuildReporter.taskResult(
                        "p:1", Map.of(BuildResults.OUTCOME, "DELETED", BuildResults.BYTES_COPIED, "lots")))
                .hasMessageContaining("BYTES_COPIED is 'lots'");
    }

    @Test
    void shouldReadTheSameFactsFromABuildAsBatchGetBuildsReportsIt() {
        software.amazon.awssdk.services.codebuild.model.Build build =
                software.amazon.awssdk.services.codebuild.model.Build.builder()
                        .id("ecr-replicator-dev:0b1c")
                        .projectName("ecr-replicator-dev")
                        .buildStatus("FAILED")
                        .environment(
                                environment -> environment.environmentVariables(List.of(EnvironmentVariable.builder()
                                        .name(BuildVariables.ATTEMPT_ID)
                                        .value("attempt-1")
                                        .type("PLAINTEXT")
                                        .build())))
                        .phases(List.of(
                                BuildPhase.builder()
                                        .phaseType("PROVISIONING")
                                        .phaseStatus("SUCCEEDED")
                                        .build(),
                                BuildPhase.builder()
                                        .phaseType("BUILD")
                                        .phaseStatus("FAILED")
                                        .contexts(List.of(PhaseContext.builder()
                                                .statusCode("COMMAND_EXECUTION_ERROR")
                                                .message("Error while executing command: java. Reason: exit status 1")
                                                .build()))
                                        .build(),
                                // CodeBuild's last phase carries no status.
                                BuildPhase.builder().phaseType("COMPLETED").build()))
                        .logs(logs -> logs.deepLink("https://console.aws.amazon.com/cloudwatch/home#logEvent"))
                        .build();

        BuildStateChange change = BuildStateChange.of(build);

        assertThat(change.failed()).isTrue();
        assertThat(change.buildId()).isEqualTo("ecr-replicator-dev:0b1c");
        assertThat(change.environment()).containsEntry(BuildVariables.ATTEMPT_ID, "attempt-1");
        assertThat(change.exported()).isEmpty();
        assertThat(change.failedPhase())
                .isEqualTo("BUILD FAILED (COMMAND_EXECUTION_ERROR: Error while executing command: java. Reason: exit"
                        + " status 1)");
        assertThat(change.logLocation()).contains("logEvent");
    }
}
