package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.Map;
import org.ecrreplicator.worker.redrive.RedriveWindow;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** {@code redrive}'s arguments, checked before any AWS call. */
class RedriveCommandTest {
    @Test
    void shouldExitWithUsageNamingTheFormsWhenSinceIsNotADuration() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = ReplicatorCommand.commandLine(new Environment(Map.of()), EcrFactory.sdk());
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));

        int exit = commandLine.execute("redrive", "--stack", "any", "--since", "yesterday");

        assertThat(exit).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(out.toString()).isEmpty();
        assertThat(err.toString().strip().lines()).hasSize(1);
        assertThat(err.toString()).contains("--since 'yesterday'", "10m", "24h", "7d", "ISO-8601", "PT30M");
    }

    @Test
    void shouldAcceptShortAndIsoFormsWhenSinceIsParsed() {
        assertThat(RedriveWindow.parse("10m")).isEqualTo(Duration.ofMinutes(10));
        assertThat(RedriveWindow.parse("24h")).isEqualTo(Duration.ofHours(24));
        assertThat(RedriveWindow.parse("7d")).isEqualTo(Duration.ofDays(7));
        assertThat(RedriveWindow.parse("PT90M")).isEqualTo(Duration.ofMinutes(90));
        assertThat(RedriveWindow.parse("P2D")).isEqualTo(Duration.ofDays(2));
        assertThat(RedriveWindow.text(Duration.ofHours(24))).isEqualTo("1d");
        for (String bad : new String[] {"0h", "-1h", "PT-5M", "5", "5w", "h"}) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> RedriveWindow.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
