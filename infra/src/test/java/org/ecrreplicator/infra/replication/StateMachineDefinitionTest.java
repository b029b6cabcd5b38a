package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Map;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.junit.jupiter.api.Test;

/** The real state-machine definitions against the substitutions the stack passes. */
class StateMachineDefinitionTest {
    private static final Path ASL = TestApps.ROOT.resolve(DeploymentArtifacts.STATE_MACHINE);
    private static final Path RECONCILE_ASL = TestApps.ROOT.resolve(DeploymentArtifacts.RECONCILE_STATE_MACHINE);

    @Test
    void shouldSubstituteEveryPlaceholderOfTheRealDefinitionAndUseEverySubstitution() throws Exception {
        StateMachineDefinition definition = StateMachineDefinition.load(ASL);
        Map<String, String> substitutions = TestApps.define("dev").replication().substitutions();

        assertThat(definition.placeholders())
                .as("the placeholders docs/contracts.md lists")
                .containsExactlyInAnyOrder(
                        StateMachineTemplate.READ_SECRET_FUNCTION_ARN,
                        StateMachineTemplate.CHECK_STATE_FUNCTION_ARN,
                        StateMachineTemplate.START_BUILD_FUNCTION_ARN,
                        StateMachineTemplate.RECORD_RESULT_FUNCTION_ARN,
                        StateMachineTemplate.LEASE_WAIT_SECONDS,
                        StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS);
        assertThat(substitutions.keySet()).isEqualTo(definition.placeholders());

        // Every "${" in the file is one of those placeholders (a typo such as ${LeaseWait Seconds} would
        // otherwise be left as literal text), and the substituted file is still valid JSON.
        String substituted = definition.json();
        for (String name : definition.placeholders()) {
            substituted = substituted.replace("${" + name + "}", "x");
        }
        assertThat(substituted).doesNotContain("${");
        JsonNode parsed = TestApps.JSON.readTree(substituted);
        assertThat(parsed.path("States").size()).isGreaterThan(3);
    }

    @Test
    void shouldSubstituteEveryPlaceholderOfTheReconcileDefinitionAndUseEverySubstitution() throws Exception {
        StateMachineDefinition definition = StateMachineDefinition.load(RECONCILE_ASL);
        Map<String, String> substitutions = TestApps.define("dev").replication().reconcileSubstitutions();

        assertThat(definition.placeholders())
                .as("the placeholders docs/contracts.md lists for statemachine/reconcile.asl.json")
                .containsExactlyInAnyOrder(
                        StateMachineTemplate.READ_SECRET_FUNCTION_ARN,
                        StateMachineTemplate.START_RECONCILE_BUILD_FUNCTION_ARN,
                        StateMachineTemplate.RECORD_RECONCILE_FUNCTION_ARN,
                        StateMachineTemplate.RECONCILE_CONCURRENCY,
                        StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS);
        assertThat(substitutions.keySet()).isEqualTo(definition.placeholders());
        assertThat(substitutions)
                .containsEntry(StateMachineTemplate.RECONCILE_CONCURRENCY, "1")
                .containsEntry(StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS, "3900");

        // The ARNs are tokens until CloudFormation resolves them: a plain value per placeholder instead.
        Map<String, String> plain = new java.util.TreeMap<>();
        definition.placeholders().forEach(name -> plain.put(name, "1"));
        String substituted = StateMachineTemplate.substitute(definition.json(), plain, "reconcile");
        assertThat(substituted).doesNotContain("${");
        JsonNode parsed = TestApps.JSON.readTree(substituted);
        assertThat(parsed.path("States")
                        .path("Shards")
                        .path("MaxConcurrencyPath")
                        .asText())
                .isEqualTo("$.settings.reconcileConcurrency");
    }

    @Test
    void shouldNameMissingAndUnusedSubstitutionsWhenTheyDisagree() {
        StateMachineDefinition definition =
                new StateMachineDefinition(Path.of("replicate.asl.json"), "{\"a\":\"${One}\",\"b\":\"${Two}\"}");

        assertThatThrownBy(() -> definition.requireSubstitutions(Map.of("One", "1", "Three", "3")))
                .as("synth fails naming the file, both sides of the disagreement and where the names are listed")
                .hasMessageContaining("the state-machine definition replicate.asl.json")
                .hasMessageContaining("placeholders without a value [Two]")
                .hasMessageContaining("values no placeholder uses [Three]")
                .hasMessageContaining("docs/contracts.md");
        definition.requireSubstitutions(Map.of("One", "1", "Two", "2"));
    }
}
