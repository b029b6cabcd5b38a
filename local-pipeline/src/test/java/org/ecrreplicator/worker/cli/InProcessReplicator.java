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
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine commandLine = ReplicatorCommand.commandLine(new Environment(Map.of()), EcrFactory.sdk());
        commandLine.setOut(new PrintWriter(out));
        commandLine.setErr(new PrintWriter(err));
        int exit = commandLine.execute(args);
        return new Run(exit, out.toString(), err.toString());
    }
}
