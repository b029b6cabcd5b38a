package org.ecrreplicator.worker.cli;

import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.engine.SourceNotFoundException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** {@code replicator}: the worker's command line. Errors end as one line on stderr, never a stack trace. */
public final class ReplicatorCommand implements Callable<Integer> {
    static final int FAILED = 1;
    static final int USAGE = 2;
    static final int SOURCE_NOT_FOUND = 3;

    private final CommandSpec spec = CommandSpecs.command(
            this, "replicator", "Copies container images exactly between registries (ECR in any partition included).");

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    public static void main(String[] args) {
        // Larger HTTP buffers move blobs with fewer, bigger copies; must be set before the client loads.
        if (System.getProperty("jdk.httpclient.bufsize") == null) {
            System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 * 1024));
        }
        System.exit(commandLine(Environment.system(), EcrFactory.sdk()).execute(args));
    }

    /** The command line with every command built on {@code environment}; tests pass their own. */
    static CommandLine commandLine(Environment environment, EcrFactory ecrFactory) {
        CommandLine commandLine = new CommandLine(new ReplicatorCommand().spec);
        commandLine.addSubcommand(new CopyCommand(environment, ecrFactory).spec());
        commandLine.addSubcommand(new DeleteCommand(environment, ecrFactory).spec());
        commandLine.addSubcommand(new ReplicateCommand(environment, ecrFactory).spec());
        commandLine.addSubcommand(new StatusCommand().spec());
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            cmd.getErr().println("error: " + message(exception));
            cmd.getErr().flush();
            if (exception instanceof SourceNotFoundException) {
                return SOURCE_NOT_FOUND;
            }
            return exception instanceof UsageException ? USAGE : FAILED;
        });
        commandLine.setParameterExceptionHandler((exception, args) -> {
            CommandLine cmd = exception.getCommandLine();
            cmd.getErr()
                    .println("error: " + exception.getMessage() + " (see '"
                            + cmd.getCommandSpec().qualifiedName() + " --help')");
            cmd.getErr().flush();
            return USAGE;
        });
        return commandLine;
    }

    /** One line: our own exceptions already explain themselves; anything else gets its type named. */
    static String message(Throwable exception) {
        if (exception instanceof ReplicatorException || exception instanceof UsageException) {
            return oneLine(exception.getMessage());
        }
        if (exception instanceof UncheckedIOException io) {
            return oneLine(io.getMessage());
        }
        if (exception instanceof IllegalArgumentException) {
            return oneLine(exception.getMessage());
        }
        String text = exception.getMessage();
        return exception.getClass().getSimpleName() + (text == null ? "" : ": " + oneLine(text));
    }

    private static String oneLine(String text) {
        return text == null
                ? "unknown error"
                : text.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
