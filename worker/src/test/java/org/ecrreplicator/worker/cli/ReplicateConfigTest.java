package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ecrreplicator.domain.contract.BuildVariables.COPY_REFERRERS;
import static org.ecrreplicator.domain.contract.BuildVariables.CREATE_REPOSITORIES;
import static org.ecrreplicator.domain.contract.BuildVariables.DESTINATION_ACCESS_KEY_ID;
import static org.ecrreplicator.domain.contract.BuildVariables.DESTINATION_REGION;
import static org.ecrreplicator.domain.contract.BuildVariables.DESTINATION_REGISTRY;
import static org.ecrreplicator.domain.contract.BuildVariables.DESTINATION_SECRET_ACCESS_KEY;
import static org.ecrreplicator.domain.contract.BuildVariables.IMAGE_TAG_MUTABILITY;
import static org.ecrreplicator.domain.contract.BuildVariables.REPLICATE_DELETES;
import static org.ecrreplicator.domain.contract.BuildVariables.REPLICATION_REQUEST;
import static org.ecrreplicator.domain.contract.BuildVariables.SOURCE_REGISTRY;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicateConfigTest {
    private static final String REQUEST = "{\"repository\":\"team/app\",\"tag\":\"1.0\",\"digest\":\"sha256:"
            + "a".repeat(64) + "\",\"action\":\"PUSH\",\"eventTime\":\"2026-11-22T10:00:00Z\",\"eventId\":\"e-1\","
            + "\"sourceRegistry\":\"111122223333\"}";

    private static Map<String, String> ecrBuild() {
        Map<String, String> env = new HashMap<>();
        env.put(REPLICATION_REQUEST, REQUEST);
        env.put(SOURCE_REGISTRY, "111122223333.dkr.ecr.us-east-1.amazonaws.com");
        env.put(DESTINATION_REGISTRY, "444455556666.dkr.ecr.us-gov-west-1.amazonaws.com");
        env.put(DESTINATION_REGION, "us-gov-west-1");
        env.put(DESTINATION_ACCESS_KEY_ID, "AKIAIOSFODNN7EXAMPLE");
        env.put(DESTINATION_SECRET_ACCESS_KEY, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
        env.put(CREATE_REPOSITORIES, "true");
        env.put(IMAGE_TAG_MUTABILITY, "IMMUTABLE");
        return env;
    }

    @Test
    void shouldRecogniseEcrOnBothSidesWhenHostsAreEcrHosts() {
        ReplicateConfig config = ReplicateConfig.from(new Environment(ecrBuild()));

        assertThat(config.sourceIsEcr()).isTrue();
        assertThat(config.destinationIsEcr()).isTrue();
        assertThat(config.sourceRegion()).isEqualTo("us-east-1");
        assertThat(config.destinationRegion()).isEqualTo("us-gov-west-1");
        assertThat(config.repositoryDefaults().create()).isTrue();
        assertThat(config.repositoryDefaults().tagMutability()).isEqualTo("IMMUTABLE");
        assertThat(ReplicateConfig.accountOf(config.destinationRegistry())).isEqualTo("444455556666");
        assertThat(config.toString()).doesNotContain("wJalrXUtnFEMI").doesNotContain("AKIA");
    }

    @Test
    void shouldNameTheMissingKeysButNotTheirValuesWhenTheDestinationIsEcr() {
        Map<String, String> env = ecrBuild();
        env.remove(DESTINATION_SECRET_ACCESS_KEY);

        assertThatThrownBy(() -> ReplicateConfig.from(new Environment(env)))
                .hasMessageContaining(DESTINATION_SECRET_ACCESS_KEY)
                .hasMessageNotContaining("AKIAIOSFODNN7EXAMPLE");
    }

    @Test
    void shouldNameTheFieldWhenTheRequestIsInvalidOrAFlagIsNotBoolean() {
        Map<String, String> badRequest = ecrBuild();
        badRequest.put(REPLICATION_REQUEST, REQUEST.replace("\"PUSH\"", "\"COPY\""));
        Map<String, String> badFlag = ecrBuild();
        badFlag.put(CREATE_REPOSITORIES, "yes");
        Map<String, String> badMutability = ecrBuild();
        badMutability.put(IMAGE_TAG_MUTABILITY, "SOMETIMES");

        assertThatThrownBy(() -> ReplicateConfig.from(new Environment(badRequest)))
                .hasMessageContaining(REPLICATION_REQUEST + " is invalid")
                .hasMessageContaining("action");
        assertThatThrownBy(() -> ReplicateConfig.from(new Environment(badFlag)))
                .hasMessage("environment variable " + CREATE_REPOSITORIES + " must be true or false");
        assertThatThrownBy(() -> ReplicateConfig.from(new Environment(badMutability)))
                .hasMessageContaining(IMAGE_TAG_MUTABILITY);
    }

    @Test
    void shouldDeriveTheSourceHostFromTheAccountWhenSourceRegistryIsNotSet() {
        Map<String, String> env = ecrBuild();
        env.remove(SOURCE_REGISTRY);
        env.put("AWS_REGION", "eu-west-1");

        ReplicateConfig config = ReplicateConfig.from(new Environment(env));

        assertThat(config.sourceRegistry()).isEqualTo("111122223333.dkr.ecr.eu-west-1.amazonaws.com");
    }

    @Test
    void shouldLeaveDeletesOffAndReferrersOnWhenTheFlagsAreNotSet() {
        ReplicateConfig defaults = ReplicateConfig.from(new Environment(ecrBuild()));
        Map<String, String> env = ecrBuild();
        env.put(REPLICATE_DELETES, "true");
        env.put(COPY_REFERRERS, "false");
        ReplicateConfig set = ReplicateConfig.from(new Environment(env));
        env.put(REPLICATE_DELETES, "sometimes");

        assertThat(defaults.replicateDeletes()).isFalse();
        assertThat(defaults.copyReferrers()).isTrue();
        assertThat(set.replicateDeletes()).isTrue();
        assertThat(set.copyReferrers()).isFalse();
        assertThatThrownBy(() -> ReplicateConfig.from(new Environment(env)))
                .hasMessage("environment variable " + REPLICATE_DELETES + " must be true or false");
    }
}
