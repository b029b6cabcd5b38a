package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code bin/replicator demo --help} prints bin/lib/usage/demo.txt before any set-up or build, so the file must
 * be DemoCommand's own usage. Run with {@code -Dusage.update=true} to rewrite it after changing an option.
 */
class DemoHelpTest {
    private static final Path USAGE = Path.of("..", "bin", "lib", "usage");

    @Test
    void shouldPrintDemoCommandsOwnUsageWhenAskedForHelpWithoutABuild() throws IOException {
        CommandLine demo = new CommandLine(new DemoCommand());
        String expected = demo.getUsageMessage(CommandLine.Help.Ansi.OFF);

        if (Boolean.getBoolean("usage.update")) {
            Files.writeString(USAGE.resolve("demo.txt"), expected);
        }
        assertThat(Files.readString(USAGE.resolve("demo.txt")))
                .as("bin/lib/usage/demo.txt is stale: rerun this test with -Dusage.update=true")
                .isEqualTo(expected);
    }

    @Test
    void shouldListDemoWithItsDescriptionInTheLaunchersHelp() throws IOException {
        String description = new CommandLine(new DemoCommand())
                .getCommandSpec()
                .usageMessage()
                .description()[0];

        assertThat(Files.readString(USAGE.resolve("replicator.txt")))
                .containsPattern("(?m)^\\s+demo\\s+\\Q" + description + "\\E$");
    }
}
