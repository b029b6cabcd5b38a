package org.ecrreplicator.local;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.ecrreplicator.domain.Durations;
import org.ecrreplicator.domain.EcrImageActionEvents;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.contract.Artifacts;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bin/replicator demo}: the whole pipeline on this machine. With no options it starts two registries,
 * pushes a generated two-platform image (and a Docker manifest list) to the source, and replicates them
 * through the real state machine, printing each step and a final table.
 */
@Command(
        name = "demo",
        mixinStandardHelpOptions = true,
        description = "Runs the whole pipeline on this machine, with no AWS account.")
public final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--source", paramLabel = "HOST:PORT", description = "Use this registry (plain HTTP) as the source.")
    String source;

    @Option(
            names = "--dest",
            paramLabel = "HOST:PORT",
            description = "Use this registry (plain HTTP) as the destination.")
    String destination;

    @Option(
            names = "--events",
            paramLabel = "FILE",
            description = "JSON lines of EventBridge \"ECR Image Action\" events to replay instead of the sample push.")
    Path events;

    @Option(names = "--report", paramLabel = "FILE", description = "Write the final table as JSON to FILE.")
    Path report;

    @Option(
            names = "--reconcile",
            description = "Run one reconcile of the whole source through the reconcile workflow instead of the"
                    + " sample's events (with --events, the events race it), then report every tag.")
    boolean reconcile;

    @Option(
            names = "--shard-size",
            paramLabel = "N",
            defaultValue = "4",
            description = "Tags per reconcile shard (default ${DEFAULT-VALUE}, so a few tags make several shards;"
                    + " the stack's default is 500).")
    int shardSize;

    @Option(names = "--keep", description = "Leave everything running and print the addresses; Ctrl-C stops it.")
    boolean keep;

    @Option(
            names = "--timeout",
            paramLabel = "DURATION",
            defaultValue = "10m",
            converter = TimeoutConverter.class,
            description = "How long to wait for the pipeline to settle: 10s, 5m, 1h or ISO-8601 (default"
                    + " ${DEFAULT-VALUE}).")
    Duration timeout;

    /** {@code --timeout} in the forms operators type (10s, 5m, 1h) as well as ISO-8601. */
    static final class TimeoutConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            try {
                return Durations.parse(value, "--timeout");
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    @Override
    // The progress watcher prints while it is open; the body never needs to name it.
    @SuppressWarnings("try")
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (events != null && !Files.isReadable(events)) {
            err.println("demo: cannot read --events " + events + ": give a file of JSON lines, one EventBridge"
                    + " \"ECR Image Action\" event per line");
            err.flush();
            return 2;
        }
        if (shardSize < 1) {
            err.println("demo: --shard-size must be at least 1, not " + shardSize);
            err.flush();
            return 2;
        }
        String missing = missingPrerequisite();
        if (missing != null) {
            err.println("demo: " + missing);
            err.flush();
            return 2;
        }
        Path repoRoot = RepoRoot.find();
        Path workerJar = Path.of(System.getProperty(
                "replicator.workerJar", repoRoot.resolve(Artifacts.WORKER_JAR).toString()));
        Instant started = Instant.now();

        // The handlers log JSON lines to stdout, as in Lambda; keep them in a file and the screen for progress.
        PrintStream console = System.out;
        Path handlerLog = Files.createTempFile("replicator-demo-handlers-", ".log");
        PrintStream logFile = new PrintStream(new FileOutputStream(handlerLog.toFile()), true, StandardCharsets.UTF_8);
        System.setOut(logFile);
        LocalPipeline pipeline = null;
        CountDownLatch stopped = new CountDownLatch(1);
        Thread shutdown = null;
        try {
            pipeline = LocalPipeline.start(new LocalPipeline.Settings(
                            source,
                            destination,
                            repoRoot,
                            workerJar,
                            4,
                            Duration.ofSeconds(1),
                            Duration.ofSeconds(1),
                            line -> say(out, line))
                    .withReconcileShardSize(shardSize));
            LocalPipeline running = pipeline;
            shutdown = new Thread(() -> {
                running.close();
                stopped.countDown();
            });
            Runtime.getRuntime().addShutdownHook(shutdown);
            say(out, "source registry      " + pipeline.sourceAuthority());
            say(out, "destination registry " + pipeline.destinationAuthority());

            List<String> eventLines;
            if (events != null) {
                eventLines = readEvents(events);
            } else if (reconcile) {
                // What the source holds existed before deployment: no event announces it, the reconcile finds it.
                // A given source is reconciled as it is; the demo's own gets the sample first.
                if (source == null) {
                    pushSample(out, pipeline.sourceAuthority());
                }
                eventLines = List.of();
            } else {
                eventLines = pushSample(out, pipeline.sourceAuthority());
            }
            List<ReplicationRequest> requests = new ArrayList<>();
            List<ConvergenceReport.Problem> problems = new ArrayList<>();
            for (String line : eventLines) {
                switch (EcrImageActionEvents.map(line)) {
                    case EcrImageActionEvents.Accepted accepted -> requests.add(accepted.request());
                    // Enqueue rejects it the same way when it is delivered; the table says so, with its reason.
                    case EcrImageActionEvents.Rejected rejected ->
                        problems.add(new ConvergenceReport.Problem(
                                "event " + (rejected.eventId() == null ? "(no id)" : rejected.eventId()),
                                "rejected",
                                rejected.reason().name() + ": " + rejected.detail()));
                }
            }
            boolean quiet;
            LocalStepFunctions.ExecutionView reconciled = null;
            try (ProgressWatcher watcher = new ProgressWatcher(pipeline, line -> say(out, line))) {
                String run = null;
                if (reconcile) {
                    run = pipeline.reconcile().startExecution("demo-reconcile-" + started.toEpochMilli(), "{}");
                    say(out, "reconcile started: " + run);
                }
                if (!eventLines.isEmpty()) {
                    say(out, "delivering " + eventLines.size() + " event(s) to Enqueue");
                }
                eventLines.forEach(pipeline::deliverEvent);
                if (run != null) {
                    reconciled = pipeline.reconcile().awaitCompletion(run, timeout);
                    say(
                            out,
                            "reconcile " + reconciled.status().name().toLowerCase(java.util.Locale.ROOT) + ": "
                                    + (reconciled.output() != null
                                            ? reconciled.output()
                                            : reconciled.error() + " (" + reconciled.cause() + ")"));
                }
                quiet = pipeline.awaitQuiet(timeout);
            }
            int deadLetters = pipeline.deadLetterQueueDepth();
            if (deadLetters > 0) {
                problems.add(new ConvergenceReport.Problem(
                        "dead-letter queue",
                        "dead-lettered",
                        deadLetters + " message(s) Dispatch could not start an execution for; see " + handlerLog));
            }
            ConvergenceReport table = (reconcile
                            ? pipeline.report(requests, pipeline.sourceTags(), "reconcile")
                            : pipeline.report(requests))
                    .withProblems(problems);
            out.println();
            table.printTable(out);
            out.println();
            Duration wall = Duration.between(started, Instant.now());
            say(
                    out,
                    "builds started: " + pipeline.codeBuild().buildsStarted() + ", state transitions: "
                            + table.totalTransitions() + ", dead-letter queue: " + pipeline.deadLetterQueueDepth()
                            + ", failed invocations (on-failure queue): "
                            + pipeline.invocationFailureQueueDepth() + ", wall time: "
                            + wall.toMillis() / 1000.0 + " s");
            say(out, "handler logs: " + handlerLog);
            if (report != null) {
                table.writeJson(report);
                say(out, "report written to " + report);
            }
            if (!quiet) {
                err.println("demo: the pipeline did not settle within " + timeout + "; see " + handlerLog);
            }
            if (keep) {
                say(
                        out,
                        "--keep: everything stays up until Ctrl-C. Registries: source http://"
                                + pipeline.sourceAuthority() + ", destination http://" + pipeline.destinationAuthority()
                                + "; Step Functions " + pipeline.stepFunctions().endpoint() + "; CodeBuild "
                                + pipeline.codeBuild().endpoint());
                Path environment = pipeline.writeOperatorEnvironment();
                say(
                        out,
                        "operator environment: " + environment + " (fake credentials); e.g. set -a; . " + environment
                                + "; set +a; bin/replicator status --stack " + LocalPipeline.STACK);
                stopped.await();
                return table.allConverged() ? 0 : 1;
            }
            boolean reconcileFailed = reconciled != null && reconciled.status() != LocalStepFunctions.Status.SUCCEEDED;
            if (reconcileFailed) {
                err.println("demo: the reconcile ended " + reconciled.status() + " (" + reconciled.error() + ")");
            }
            if (!table.allConverged() || !quiet || reconcileFailed) {
                for (ConvergenceReport.Row row : table.notConverged()) {
                    err.println("demo: " + row.imageKey() + " did not converge: source " + row.sourceDigest()
                            + ", destination " + row.destinationDigest() + " (" + row.outcome() + ")");
                }
                for (ConvergenceReport.Problem problem : table.problems()) {
                    err.println("demo: " + problem.what() + " " + problem.outcome() + ": " + problem.reason());
                }
                err.flush();
                return 1;
            }
            say(out, "every tag converged");
            return 0;
        } finally {
            System.setOut(console);
            logFile.close();
            if (!keep && pipeline != null) {
                pipeline.close();
                if (shutdown != null) {
                    try {
                        Runtime.getRuntime().removeShutdownHook(shutdown);
                    } catch (IllegalStateException e) {
                        // already shutting down
                    }
                }
            }
        }
    }

    private String missingPrerequisite() {
        if ((source == null || destination == null) && !RegistryProcess.isInstalled()) {
            return "the CNCF distribution registry is missing: install it with `sudo apt-get install docker-registry`"
                    + " (or pass --source and --dest)";
        }
        try {
            Path root = RepoRoot.find();
            if (!Files.isExecutable(root.resolve("node_modules/.bin/node"))) {
                return "the Node tools are missing: run `npm ci` in " + root;
            }
        } catch (IllegalStateException e) {
            return e.getMessage();
        }
        return null;
    }

    private static List<String> readEvents(Path file) throws IOException {
        return Files.readAllLines(file).stream().filter(line -> !line.isBlank()).toList();
    }

    private static List<String> pushSample(PrintWriter out, String authority) {
        SampleImages images = SampleImages.seed(Instant.now().toEpochMilli()).layers(3, 2 * 1024 * 1024);
        SampleImages.Target target = SampleImages.Target.anonymous(URI.create("http://" + authority));
        SampleImages.Image app = images.pushOciIndex(target, "demo/app", "1.0");
        say(out, "pushed demo/app:1.0 (OCI index: linux/amd64, linux/arm64 and an attestation) " + app.digest());
        SampleImages.Image tools = images.pushDockerManifestList(target, "demo/tools", "stable");
        say(out, "pushed demo/tools:stable (Docker manifest list) " + tools.digest());
        Instant now = Instant.now();
        return List.of(
                EcrEvents.push("demo/app", "1.0", app.digest(), now),
                EcrEvents.push("demo/tools", "stable", tools.digest(), now.plusMillis(1)));
    }

    private static void say(PrintWriter out, String line) {
        synchronized (out) {
            out.println(line);
            out.flush();
        }
    }

    public static void main(String[] args) {
        CommandLine commandLine = new CommandLine(new Launcher());
        System.exit(commandLine.execute(args));
    }

    /** The jar's entry point: {@code bin/replicator demo ...} passes {@code demo} as the first argument. */
    @Command(
            name = "replicator",
            subcommands = {DemoCommand.class},
            mixinStandardHelpOptions = true,
            description = "The local pipeline.")
    static final class Launcher {}
}
