package org.ecrreplicator.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class EnvironmentContextTest {
    private static final Map<String, Object> ENVIRONMENTS = Map.of(
            "dev",
            Map.of(
                    "replication",
                    Map.of(
                            "buildTimeoutMinutes",
                            60,
                            "prefixes",
                            List.of("team/"),
                            "computeType",
                            "EC2_SMALL",
                            "region",
                            "us-gov-west-1",
                            "enabled",
                            true)),
            "prod",
            Map.of());

    @Test
    void shouldReadTypedValuesWhenEnvironmentIsKnown() {
        EnvironmentContext context = EnvironmentContext.of("dev", ENVIRONMENTS);
        EnvironmentContext.Section replication = context.section("replication");

        assertThat(context.name()).isEqualTo("dev");
        assertThat(replication.integer("buildTimeoutMinutes", 5, 480)).isEqualTo(60);
        assertThat(replication.stringList("prefixes")).containsExactly("team/");
        assertThat(replication.oneOf("computeType", List.of("EC2_SMALL", "LAMBDA_2GB")))
                .isEqualTo("EC2_SMALL");
        assertThat(replication.bool("enabled", false)).isTrue();
        assertThat(replication.isString("computeType")).isTrue();
        assertThat(replication.isString("buildTimeoutMinutes")).isFalse();
        assertThat(replication.isString("absent")).isFalse();
        assertThat(replication.integer("missing", 1, 9, 4)).isEqualTo(4);
    }

    @Test
    void shouldNameValidChoicesWhenEnvironmentIsMissingOrUnknown() {
        assertThatThrownBy(() -> EnvironmentContext.of(null, ENVIRONMENTS))
                .hasMessageContaining("pass -c env=<name> with one of [dev, prod]");
        assertThatThrownBy(() -> EnvironmentContext.of("staging", ENVIRONMENTS))
                .hasMessageContaining("'staging', which is not an environment: use one of [dev, prod]");
        assertThatThrownBy(() -> EnvironmentContext.of("dev", null)).hasMessageContaining("'environments' is missing");
    }

    @Test
    void shouldNameThePathAndTheExpectationWhenValueIsInvalid() {
        EnvironmentContext.Section replication =
                EnvironmentContext.of("dev", ENVIRONMENTS).section("replication");

        assertThatThrownBy(() -> replication.integer("buildTimeoutMinutes", 5, 30))
                .hasMessage("context 'environments.dev.replication.buildTimeoutMinutes' is 60:"
                        + " expected a whole number from 5 to 30");
        assertThatThrownBy(() -> replication.oneOf("computeType", List.of("LAMBDA_2GB")))
                .hasMessageContaining("'EC2_SMALL': expected one of [LAMBDA_2GB]");
        assertThatThrownBy(() -> replication.matching("region", Pattern.compile("us-east-\\d"), "a commercial region"))
                .hasMessageContaining("expected a commercial region");
        assertThatThrownBy(() -> replication.string("absent"))
                .hasMessage("context 'environments.dev.replication.absent' is missing: expected a string");
        assertThatThrownBy(() -> replication.bool("prefixes", false)).hasMessageContaining("expected true or false");
        assertThatThrownBy(() -> EnvironmentContext.of("prod", ENVIRONMENTS).section("replication"))
                .hasMessageContaining("'environments.prod.replication' is missing");
    }
}
