package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code bin/replicator --help} prints bin/lib/usage/replicator.txt without building anything, so the file must
 * be what the CLI itself would print, with {@code demo} (which the launcher runs from another module) listed
 * among the commands. Run with {@code -Dusage.update=true} to rewrite the file after changing a command.
 */
class LauncherHelpTest {
    /** DemoCommand's description; DemoHelpTest in local-pipeline checks that the file carries it. */
    static final String DEMO_DESCRIPTION = "Runs the whole pipeline on this machine, with no AWS account.";

    static final Path USAGE = Path.of("..", "bin", "lib", "usage", "replicator.txt");

    @Test
    void shouldListEveryCommandWithItsOneLineWhenHelpIsPrintedWithoutABuild() throws IOException {
        CommandLine commandLine = ReplicatorCommand.commandLine(new Environment(Map.of()), (r, c, id, d) -> {
            throw new AssertionError("no ECR client is needed for help");
        });
        CommandSpec demo = CommandSpec.create().name("demo");
        demo.usageMessage().description(DEMO_DESCRIPTION);
        commandLine.addSubcommand("demo", new CommandLine(demo));
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
                .as("one line per command: give a long description a short CommandSpecs.summary")
                .hasSize(commandLine.getSubcommands().size());
    }
}
