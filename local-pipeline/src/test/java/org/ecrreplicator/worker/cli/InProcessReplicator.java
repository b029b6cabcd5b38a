package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import picocli.CommandLine;

/**
 * The worker's {@code replicator} command line in this JVM, for the local pipeline's tests of operator commands:
 * its clients find the pipeline through the SDK's own endpoint settings, as on an operator's machine.
 */
public final class InProcessReplicator {
    /** One run: the exit code and what it printed. */
    public record Run(int exit, String out, String err) {}

    private InProcessReplicator() {}

    public static Run run(String... args) {
        return runWith(new Environment(Map.of()), EcrFactory.sdk(), args);
    }

    /**
     * The build's command line with {@code environment} as its process environment (what CodeBuild resolved when
     * the build started). {@code beforeEcr} runs whenever the command is about to open an ECR client, before any
     * call with the keys it was given: a test holds a build there that has its keys and has not used them yet.
     */
    public static Run build(Map<String, String> environment, Runnable beforeEcr, String... args) {
        EcrFactory sdk = EcrFactory.sdk();
        return runWith(
                new Environment(environment),
                (region, credentials, registryId, defaults) -> {
                    beforeEcr.run();
                    return sdk.create(region, credentials, registryId, defaults);
                },
                args);
    }

    private static Run runWith(Environment environment, EcrFactory ecr, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = ReplicatorCommand.commandLine(environment, ecr);
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
