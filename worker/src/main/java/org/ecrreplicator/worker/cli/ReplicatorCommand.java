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
    /** {@code diff} and {@code sync}: something could not be read, copied or deleted; 1 there means "differs". */
    static final int ERRORS = 4;

    private final CommandSpec spec = CommandSpecs.command(
            this, "replicator", "Copies container images exactly between registries (ECR in any partition included).");

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return USAGE;
    }

    /** DemoCommand's own description (DemoHelpTest in local-pipeline holds the two together). */
    static final String DEMO_DESCRIPTION = "Runs the whole pipeline on this machine, with no AWS account.";

    /**
     * {@code demo} runs from the launcher (bin/replicator) on the local pipeline's classpath, never from this
     * jar; it is listed here so that {@code --help} names every command.
     */
    private static CommandSpec demo() {
        Callable<Integer> launcherOnly = () -> {
            throw new UsageException("demo runs from the launcher: bin/replicator demo (see its --help there)");
        };
        return CommandSpecs.command(launcherOnly, "demo", DEMO_DESCRIPTION);
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
        commandLine.addSubcommand(new DiffCommand(environment, ecrFactory).spec());
        commandLine.addSubcommand(new SyncCommand(environment, ecrFactory).spec());
        commandLine.addSubcommand(new StatusCommand().spec());
        commandLine.addSubcommand(new RedriveCommand().spec());
        commandLine.addSubcommand(demo());
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            cmd.getErr().println("error: " + message(exception));
            cmd.getErr().flush();
            if (exception instanceof UsageException) {
                return USAGE;
            }
            if (cmd.getCommandSpec().userObject() instanceof DiffCommand
                    || cmd.getCommandSpec().userObject() instanceof SyncCommand) {
                // A registry that cannot be listed at all: an error, where 1 would say "they differ".
                return ERRORS;
            }
            return exception instanceof SourceNotFoundException ? SOURCE_NOT_FOUND : FAILED;
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
