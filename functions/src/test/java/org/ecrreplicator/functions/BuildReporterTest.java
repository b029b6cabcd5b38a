package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.junit.jupiter.api.Test;

/**
 * The task results of reconcile builds (decision 0068), from their environment and exported variables, and the
 * cause of a failed build.
 */
class BuildReporterTest {
    private static final String BUILD = "ecr-replicator-dev:7d1c";
    private static final Map<String, String> PLAN = Map.of(BuildVariables.RECONCILE_RUN, "run-1");
    private static final Map<String, String> SHARD_4 =
            Map.of(BuildVariables.RECONCILE_RUN, "run-1", BuildVariables.RECONCILE_SHARD, "4");

    @Test
    void shouldListTheShardNumbersFromZeroWhenAPlanBuildSucceeded() {
        ObjectNode result = BuildReporter.reconcileResult(BUILD, PLAN, Map.of(BuildResults.RECONCILE_SHARDS, "3"));

        assertThat(result.path("buildId").asText()).isEqualTo(BUILD);
        assertThat(result.path("shards")).isEqualTo(Json.parse("[0,1,2]"));
        assertThat(result.has("shard")).isFalse();
        assertThat(BuildReporter.reconcileResult(BUILD, PLAN, Map.of(BuildResults.RECONCILE_SHARDS, "0"))
                        .path("shards"))
                .as("nothing matched: an empty Map")
                .isEqualTo(Json.parse("[]"));
    }

    @Test
    void shouldParseTheShardsCountsWhenAShardBuildSucceeded() {
        ReconcileCounts counts = new ReconcileCounts(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        String exported = "inSync=1,missing=2,stale=3,extra=4,repaired=5,deferred=6,failed=7,extraKept=8,"
                + "bytesCopied=9,bytesMounted=10";

        ObjectNode result =
                BuildReporter.reconcileResult(BUILD, SHARD_4, Map.of(BuildResults.RECONCILE_COUNTS, exported));

        assertThat(result.path("buildId").asText()).isEqualTo(BUILD);
        assertThat(result.path("shard").isInt()).isTrue();
        assertThat(result.path("shard").asInt()).isEqualTo(4);
        assertThat(result.has("shards")).isFalse();
        Map<String, Long> parsed = new LinkedHashMap<>();
        result.path("counts").properties().forEach(field -> {
            assertThat(field.getValue().isNumber()).as(field.getKey()).isTrue();
            parsed.put(field.getKey(), field.getValue().asLong());
        });
        assertThat(parsed).isEqualTo(counts.asMap());
    }

    @Test
    void shouldNameTheBuildspecWhenAPlanBuildExportedNoShards() {
        Map<String, String> nothing = new HashMap<>();
        nothing.put(BuildResults.RECONCILE_SHARDS, " ");

        for (Map<String, String> exported : List.of(Map.<String, String>of(), nothing)) {
            assertThatThrownBy(() -> BuildReporter.reconcileResult(BUILD, PLAN, exported))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(BUILD)
                    .hasMessageContaining(BuildResults.RECONCILE_SHARDS)
                    .hasMessageContaining("buildspec.yml");
        }
        assertThatThrownBy(() -> BuildReporter.reconcileResult(BUILD, PLAN, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("buildspec.yml");
    }

    @Test
    void shouldNameTheBuildspecWhenAShardBuildExportedNoCounts() {
        assertThatThrownBy(() -> BuildReporter.reconcileResult(BUILD, SHARD_4, Map.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(BuildResults.RECONCILE_COUNTS)
                .hasMessageContaining("buildspec.yml");
        assertThatThrownBy(() -> BuildReporter.reconcileResult(BUILD, SHARD_4, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("buildspec.yml");
    }

    @Test
    void shouldRefuseCountsThatAreNotNameCountPairs() {
        for (String exported : new String[] {"inSync", "=3", "missing=-1", "missing=two"}) {
            assertThatThrownBy(() -> BuildReporter.reconcileResult(
                            BUILD, SHARD_4, Map.of(BuildResults.RECONCILE_COUNTS, exported)))
                    .as(exported)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void shouldPutTheWorkersReasonFirstInTheCauseWhenAFailedBuildExportedOne() {
        BuildStateChange failed =
                new BuildStateChange("ecr-replicator-dev", "FAILED", BUILD, Map.of(), null, "BUILD", "https://logs/x");
        String reason = "destination 127.0.0.1:5001 refused the credentials of user 'replicator': check the"
                + " secret's accesskey";

        assertThat(BuildReporter.failureCause(failed, Map.of(BuildResults.FAILURE_REASON, reason + "\n")))
                .isEqualTo(reason + " (build " + BUILD + " FAILED in phase BUILD; log: https://logs/x)");
    }

    @Test
    void shouldNameTheBuildPhaseAndLogWhenAFailedBuildExportedNoReason() {
        BuildStateChange failed =
                new BuildStateChange("ecr-replicator-dev", "TIMED_OUT", BUILD, Map.of(), null, null, null);
        String bare = "build " + BUILD + " TIMED_OUT in phase unknown; log: unknown";

        assertThat(BuildReporter.failureCause(failed, null)).isEqualTo(bare);
        assertThat(BuildReporter.failureCause(failed, Map.of(BuildResults.FAILURE_REASON, " ")))
                .isEqualTo(bare);
    }
}
