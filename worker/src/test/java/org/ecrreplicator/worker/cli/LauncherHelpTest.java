package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code bin/replicator --help} prints bin/lib/usage/replicator.txt without building anything, so the file must
 * be what the CLI itself prints, {@code demo} (which the launcher runs from another module) included. Run with {@code -Dusage.update=true} to rewrite the file after changing a command.
 */
class LauncherHelpTest {
    static final Path USAGE = Path.of("..", "bin", "lib", "usage", "replicator.txt");

    @Test
    void shouldListEveryCommandWithItsOneLineWhenHelpIsPrintedWithoutABuild() throws IOException {
        CommandLine commandLine = ReplicatorCommand.commandLine(new Environment(Map.of()), (r, c, id, d) -> {
            throw new AssertionError("no ECR client is needed for help");
        });
        String expected = commandLine.getUsageMessage(CommandLine.Help.Ansi.OFF);

        if (Boolean.getBoolean("usage.update")) {
            Files.writeString(USAGE, expected);
        }
        assertThat(Files.readString(USAGE))
                .as("bin/lib/usage/replicator.txt is stale: rerun this test with -Dusage.update=true")
                .isEqualTo(expected);
        String commands = expected.substring(expected.indexOf("Commands:"));
        for (String command : commandLine.getSubcommands().keySet()) {
            assertThat(commands).as("--help lists " + command).containsPattern("(?m)^  " + command + " +\\S");
        }
        assertThat(commands.lines().skip(1))
                .as("one line per command: make the first description line of a command short")
                .hasSize(commandLine.getSubcommands().size());
    }
}
