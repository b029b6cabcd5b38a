package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.junit.jupiter.api.Test;

class FunctionsConfigTest {
    @Test
    void shouldNameTheVariableAndWhatItHoldsWhenARequiredOneIsMissing() {
        FunctionsConfig config = FunctionsConfig.from(Map.of());

        assertThatThrownBy(config::tableName)
                .hasMessageContaining("TABLE_NAME is not set")
                .hasMessageContaining("DynamoDB state table");
    }

    @Test
    void shouldApplyDefaultsWhenOptionalVariablesAreAbsent() {
        FunctionsConfig config = FunctionsConfig.from(Map.of(FunctionEnvironment.TABLE_NAME, "t"));

        assertThat(config.tableName()).isEqualTo("t");
        assertThat(config.lease()).isEqualTo(Duration.ofSeconds(5400));
        assertThat(config.imageTagMutability()).isEqualTo("MUTABLE");
        assertThat(config.createRepositories()).isTrue();
        assertThat(config.registryInsecure()).isFalse();
        assertThat(config.replicateDeletes())
                .as("never deletes unless the stack says so")
                .isFalse();
        assertThat(config.copyReferrers()).isTrue();
        assertThat(config.sweepLookback()).isEqualTo(Duration.ofHours(2));
        assertThat(config.sweepGrace()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.buildTaskTimeout()).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void shouldRejectMalformedValuesNamingTheExpectedForm() {
        assertThatThrownBy(() -> FunctionsConfig.from(Map.of(FunctionEnvironment.LEASE_SECONDS, "-5")))
                .hasMessageContaining("LEASE_SECONDS is '-5': expected a positive whole number");
        assertThatThrownBy(() -> FunctionsConfig.from(Map.of(FunctionEnvironment.SCAN_ON_PUSH, "yes")))
                .hasMessageContaining("expected true or false");
        assertThatThrownBy(() -> FunctionsConfig.from(Map.of(FunctionEnvironment.IMAGE_TAG_MUTABILITY, "mutable")))
                .hasMessageContaining("MUTABLE or IMMUTABLE");
        assertThatThrownBy(() -> FunctionsConfig.from(Map.of(FunctionEnvironment.REPLICATE_DELETES, "1")))
                .hasMessageContaining("REPLICATE_DELETES is '1': expected true or false");
        assertThatThrownBy(() -> FunctionsConfig.from(Map.of(FunctionEnvironment.SWEEP_LOOKBACK_SECONDS, "0")))
                .hasMessageContaining("SWEEP_LOOKBACK_SECONDS is '0'");
        assertThatThrownBy(() -> FunctionsConfig.from(Map.of(FunctionEnvironment.DESTINATION_REGION, "govcloud")))
                .hasMessageContaining(FunctionEnvironment.DESTINATION_REGION);
    }
}
