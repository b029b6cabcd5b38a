package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The demo's options as picocli parses them; nothing is started. */
class DemoCommandTest {
    private static Duration timeout(String... args) {
        DemoCommand demo = new DemoCommand();
        new CommandLine(demo).parseArgs(args);
        return demo.timeout;
    }

    @Test
    void shouldTakeShortFormsAndIso8601WhenGivenATimeout() {
        assertThat(timeout("--timeout", "10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(timeout("--timeout", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(timeout("--timeout", "1h")).isEqualTo(Duration.ofHours(1));
        assertThat(timeout("--timeout", "PT90S")).isEqualTo(Duration.ofSeconds(90));
        assertThat(timeout()).isEqualTo(Duration.ofMinutes(10));
    }

    @Test
    void shouldNameTheFormsWhenTheTimeoutIsNotADuration() {
        assertThatThrownBy(() -> timeout("--timeout", "soon"))
                .isInstanceOf(CommandLine.ParameterException.class)
                .hasMessageContaining("--timeout 'soon' is not a positive duration")
                .hasMessageContaining("10m");
    }
}
