package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** The command line as picocli's programmatic model builds it: parsing, defaults, usage errors. No registry. */
class ReplicatorCommandTest {
    private final EcrFactory noEcr = (region, credentials, registryId, defaults) -> {
        throw new AssertionError("no ECR client is needed to parse arguments");
    };

    private CommandSpec parsed(String command, String... args) {
        CommandLine commandLine = ReplicatorCommand.commandLine(new Environment(Map.of()), noEcr);
        String[] all = new String[args.length + 1];
        all[0] = command;
        System.arraycopy(args, 0, all, 1, args.length);
        commandLine.parseArgs(all);
        return commandLine.getSubcommands().get(command).getCommandSpec();
    }

    private CliRun run(String... args) {
        return CliRun.inProcess(Map.of(), noEcr, args);
    }

    @Test
    void shouldBuildOnlyTheNamedCommandWhenTheArgumentsStartWithOne() {
        CommandLine all = ReplicatorCommand.commandLine(new Environment(Map.of()), noEcr);
        assertThat(all.getSubcommands()).hasSizeGreaterThan(10);

        for (String name : all.getSubcommands().keySet()) {
            CommandLine one =
                    ReplicatorCommand.commandLine(new Environment(Map.of()), noEcr, new String[] {name, "--help"});
            assertThat(one.getSubcommands()).as(name).containsOnlyKeys(name);
            assertThat(one.getSubcommands().get(name).getCommandSpec().name()).isEqualTo(name);
        }
    }

    @Test
    void shouldBuildEveryCommandWhenTheFirstArgumentNamesNone() {
        CommandLine unknown =
                ReplicatorCommand.commandLine(new Environment(Map.of()), noEcr, new String[] {"cpoy", "a", "b"});
        CliRun run = run("cpoy", "a", "b");

        assertThat(unknown.getSubcommands()).containsKeys("copy", "sync", "doctor", "demo");
        assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(run.err())
                .contains("Unmatched arguments from index 0: 'cpoy'")
                .contains("replicator --help");
    }

    @Test
    void shouldReadEveryCopyOptionWhenAllAreGiven() {
        CommandSpec copy = parsed(
                "copy",
                "--insecure",
                "--concurrency",
                "7",
                "--src-creds",
                "fake-user:fake-pass",
                "--dest-creds=other:fake",
                "--json",
                "source.example:5000/app:1",
                "dest.example/app");

        assertThat(ConnectionOptions.insecure(copy)).isTrue();
        assertThat(ConnectionOptions.concurrency(copy)).isEqualTo(7);
        assertThat(CredentialsOption.SOURCE.value(copy)).isEqualTo("fake-user:fake-pass");
        assertThat(CredentialsOption.DESTINATION.value(copy)).isEqualTo("other:fake");
        assertThat(CommandSpecs.flag(copy, "--json")).isTrue();
        assertThat(CommandSpecs.positional(copy, 0)).isEqualTo("source.example:5000/app:1");
        assertThat(CommandSpecs.positional(copy, 1)).isEqualTo("dest.example/app");
    }

    @Test
    void shouldUseDefaultsWhenOptionsAreAbsent() {
        CommandSpec copy = parsed("copy", "source.example/app:1", "dest.example/app");

        assertThat(ConnectionOptions.insecure(copy)).isFalse();
        assertThat(ConnectionOptions.concurrency(copy)).isEqualTo(16);
        assertThat(ConnectionOptions.maxManifests(copy)).isEqualTo(1000);
        assertThat(CredentialsOption.SOURCE.value(copy)).isNull();
        assertThat(CredentialsOption.DESTINATION.value(copy)).isNull();
        assertThat(CommandSpecs.flag(copy, "--json")).isFalse();
    }

    @Test
    void shouldReadTheOutputPathWhenReplicateIsGivenOne() {
        CommandSpec replicate = parsed("replicate", "--output", "results.env", "--concurrency=2");

        Path output = CommandSpecs.value(replicate, "--output");
        assertThat(output).isEqualTo(Path.of("results.env"));
        assertThat(ConnectionOptions.concurrency(replicate)).isEqualTo(2);
    }

    @Test
    void shouldExitWithUsageAndNameTheMissingParameterWhenDestinationIsAbsent() {
        CliRun run = run("copy", "source.example/app:1");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(run.err())
                .isEqualTo("error: Missing required parameter: 'DESTINATION' (see 'replicator copy --help')"
                        + System.lineSeparator());
        assertThat(run.out()).isEmpty();
    }

    @Test
    void shouldExitWithUsageWhenReplicateHasNoOutput() {
        CliRun run = run("replicate");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(run.err()).contains("Missing required option: '--output=FILE'");
    }

    @Test
    void shouldExitWithUsageWhenConcurrencyIsNotANumber() {
        CliRun run = run("copy", "--concurrency", "many", "registry.example/app:1", "other.example/app");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(run.err()).contains("'many' is not an int");
    }

    @Test
    void shouldExitWithUsageWhenTheManifestLimitIsBelowOne() {
        CliRun run = run("copy", "--max-manifests", "0", "registry.example/app:1", "other.example/app");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(run.err()).contains("--max-manifests must be at least 1, not 0");
    }

    @Test
    void shouldExitWithUsageAndSayWhyWhenInsecureIsGivenWithAnEcrHost() {
        CliRun run = run(
                "copy",
                "--insecure",
                "--src-creds",
                "fake-user:fake-pass",
                "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1",
                "127.0.0.1:5000/app");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(run.err())
                .contains("--insecure cannot be used with ECR host 123456789012.dkr.ecr.us-east-1.amazonaws.com")
                .contains("drop --insecure")
                .doesNotContain("fake-pass");
    }

    @Test
    void shouldExitWithUsageWhenDeleteIsGivenConcurrencyItHasNoUseFor() {
        CliRun run = run("delete", "--concurrency", "2", "registry.example/app:1");

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(run.err()).contains("Unknown options: '--concurrency'", "replicator delete --help");
    }

    @Test
    void shouldPrintVersionAndExitZeroWhenAskedOnASubcommand() {
        CliRun run = run("delete", "--version");

        assertThat(run.exit()).isZero();
        assertThat(run.out().strip()).isEqualTo(CommandSpecs.VERSION);
    }

    @Test
    void shouldListExitCodesAndSharedOptionsWhenCopyHelpIsAsked() {
        CliRun run = run("copy", "--help");

        assertThat(run.exit()).isZero();
        assertThat(run.out())
                .contains("Usage: replicator copy")
                .contains("--concurrency=N", "(default: 16)", "--src-creds=USER:PASS", "REPLICATOR_DEST_CREDS")
                .contains("Exit codes:", "3   the source does not exist");
    }

    @Test
    void shouldStreamMoreBlobsPerCopyWhenOneImageIsCopiedThanWhenTagsRunSideBySide() {
        assertThat(ConnectionOptions.concurrency(parsed("replicate", "--output", "results.env")))
                .isEqualTo(16);
        assertThat(ConnectionOptions.concurrency(parsed("reconcile", "--output", "results.env")))
                .isEqualTo(4);
    }

    @Test
    void shouldPrintUsageAndExitWithUsageWhenNoCommandIsGiven() {
        CliRun run = run();

        assertThat(run.exit()).isEqualTo(ReplicatorCommand.USAGE);
        assertThat(run.err()).contains("Commands:", "copy", "delete", "replicate");
    }
}
