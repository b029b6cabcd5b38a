package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.ecrreplicator.domain.Durations;
import org.junit.jupiter.api.Test;

/** {@code redrive}'s arguments, checked before any AWS call. */
class RedriveCommandTest {
    @Test
    void shouldExitWithUsageNamingTheFormsWhenSinceIsNotADuration() {
        CliRun run = CliRun.inProcess("redrive", "--stack", "any", "--since", "yesterday");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).contains("--since 'yesterday'", "10m", "24h", "7d", "ISO-8601", "PT30M");
    }

    @Test
    void shouldAcceptShortAndIsoFormsWhenSinceIsParsed() {
        assertThat(Durations.parse("10m", "--since")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("24h", "--since")).isEqualTo(Duration.ofHours(24));
        assertThat(Durations.parse("7d", "--since")).isEqualTo(Duration.ofDays(7));
        assertThat(Durations.parse("PT90M", "--since")).isEqualTo(Duration.ofMinutes(90));
        assertThat(Durations.parse("P2D", "--since")).isEqualTo(Duration.ofDays(2));
        assertThat(Durations.text(Duration.ofHours(24))).isEqualTo("1d");
        for (String bad : new String[] {"0h", "-1h", "PT-5M", "5", "5w", "h"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> Durations.parse(bad, "--since"))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
