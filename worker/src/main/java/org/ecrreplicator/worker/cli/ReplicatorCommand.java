package org.ecrreplicator.worker.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.engine.SourceNotFoundException;
import org.ecrreplicator.worker.engine.registry.RegistryException;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** {@code replicator}: the worker's command line. Errors end as one line on stderr, never a stack trace. */
public final class ReplicatorCommand implements Callable<Integer> {
    private static final String JSON_OPTION = "--json";

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
        // Blob connections (docs/decisions/0076-blob-bytes-on-blocking-connections.md) are kept for reuse up to
        // this many per host; the JDK's default of 5 would close most of a 16-lane copy's after each wave, and
        // across partitions each new one costs round trips. Must be set before the first connection.
        if (System.getProperty("http.maxConnections") == null) {
            System.setProperty("http.maxConnections", "32");
        }
        System.exit(commandLine(Environment.system(), EcrFactory.sdk(), args).execute(args));
    }

    /** The command line with every command built on {@code environment}; tests pass their own. */
    static CommandLine commandLine(Environment environment, EcrFactory ecrFactory) {
        return commandLine(environment, ecrFactory, new String[0]);
    }

    /**
     * The command line for {@code args}: when they start with a command's name, only that command is built.
     * Every start pays for building the commands it holds (each run of a build is a fresh JVM), and a
     * command's options never depend on another's; anything else (top-level help, an unknown name that
     * picocli should answer) gets them all.
     */
    static CommandLine commandLine(Environment environment, EcrFactory ecrFactory, String[] args) {
        Map<String, Supplier<CommandSpec>> commands = new LinkedHashMap<>();
        commands.put("copy", () -> new CopyCommand(environment, ecrFactory).spec());
        commands.put("delete", () -> new DeleteCommand(environment, ecrFactory).spec());
        commands.put("replicate", () -> new ReplicateCommand(environment, ecrFactory).spec());
        commands.put("reconcile", () -> new ReconcileCommand(environment, ecrFactory).spec());
        commands.put("diff", () -> new DiffCommand(environment, ecrFactory).spec());
        commands.put("sync", () -> new SyncCommand(environment, ecrFactory).spec());
        commands.put("status", () -> new StatusCommand(environment, ecrFactory).spec());
        commands.put("redrive", () -> new RedriveCommand().spec());
        commands.put("backfill", () -> new BackfillCommand().spec());
        commands.put("doctor", () -> new DoctorCommand().spec());
        commands.put("demo", ReplicatorCommand::demo);
        CommandLine commandLine = new CommandLine(new ReplicatorCommand().spec);
        Supplier<CommandSpec> named = args.length > 0 ? commands.get(args[0]) : null;
        if (named != null) {
            commandLine.addSubcommand(named.get());
        } else {
            commands.values().forEach(command -> commandLine.addSubcommand(command.get()));
        }
        commandLine.setExecutionExceptionHandler((exception, cmd, parseResult) -> {
            cmd.getErr().println("error: " + message(exception));
            cmd.getErr().flush();
            if (cmd.getParseResult().hasMatchedOption(JSON_OPTION)) {
                Object command = cmd.getCommandSpec().userObject();
                boolean twoSides = command instanceof CopyCommand
                        || command instanceof DiffCommand
                        || command instanceof SyncCommand;
                printFailure(
                        cmd,
                        twoSides ? cmd.getParseResult().matchedPositionalValue(0, null) : null,
                        twoSides ? cmd.getParseResult().matchedPositionalValue(1, null) : null,
                        code(exception),
                        message(exception));
            }
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
        commandLine.setParameterExceptionHandler((exception, given) -> {
            CommandLine cmd = exception.getCommandLine();
            String message =
                    exception.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')";
            cmd.getErr().println("error: " + message);
            cmd.getErr().flush();
            if (Arrays.asList(given).contains(JSON_OPTION)) {
                printFailure(cmd, null, null, "USAGE", message);
            }
            return USAGE;
        });
        return commandLine;
    }

    /**
     * With {@code --json} a failure is one object on stdout as well, so a caller that parses stdout always gets
     * exactly one: {@code {"status":"failed","source","destination","error":{"code","message"}}} (source and
     * destination where the command names them).
     */
    private static void printFailure(CommandLine cmd, String source, String destination, String code, String message) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("status", "failed");
        if (source != null) {
            node.put("source", source);
        }
        if (destination != null) {
            node.put("destination", destination);
        }
        ObjectNode error = node.putObject("error");
        error.put("code", code);
        error.put("message", message);
        cmd.getOut().println(Json.write(node));
        cmd.getOut().flush();
    }

    /** A stable name for what went wrong: the registry's own error code where it gave one. */
    static String code(Throwable exception) {
        return switch (exception) {
            case UsageException usage -> "USAGE";
            case SourceNotFoundException notFound -> "SOURCE_NOT_FOUND";
            case RegistryException registry when registry.code() != null -> registry.code();
            default -> "FAILED";
        };
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
