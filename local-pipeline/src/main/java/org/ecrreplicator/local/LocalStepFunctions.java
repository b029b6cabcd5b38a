package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.ecrreplicator.engines.AwsJsonEndpoint.AwsError;

/**
 * A Step Functions stand-in for one Standard state machine (decision 0054): the real ASL file, run by the {@code
 * aws-local-stepfunctions} interpreter, behind the Step Functions API. Every Task calls its function through a
 * {@link LocalLambda}; {@code .waitForTaskToken} tasks get a task token minted here per attempt and wait for
 * SendTaskSuccess/SendTaskFailure or their timeout. This class puts the parts together and is their Java API:
 * {@link StepFunctionsApi} serves it over HTTP, {@link ExecutionStore} keeps the executions and their history,
 * {@link InterpreterRunner} runs them in Node, and {@link TaskTokenRegistry} holds the task tokens.
 *
 * <pre>{@code
 * try (LocalLambda lambda = new LocalLambda();
 *      LocalStepFunctions sfn = LocalStepFunctions.builder()
 *          .lambda(lambda)
 *          .substitution(StateMachineTemplate.READ_SECRET_FUNCTION_ARN,
 *                        lambda.register("ReadSecret", LambdaHandlers.adapt(handler)))
 *          ... // every ${...} of the ASL, and no more
 *          .instantPauses()   // Wait and Retry pauses take no time (tests)
 *          .build()) {
 *     String arn = sfn.startExecution("name", requestJson);
 *     LocalStepFunctions.ExecutionView done = sfn.awaitCompletion(arn, Duration.ofMinutes(1));
 * }
 * }</pre>
 */
public final class LocalStepFunctions implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The status of an execution as DescribeExecution reports it. */
    public enum Status {
        RUNNING,
        SUCCEEDED,
        FAILED,
        TIMED_OUT,
        ABORTED
    }

    /**
     * A snapshot of one execution. {@code output}, {@code error}, {@code cause}, {@code stopDate} and {@code
     * redriveDate} are null when not set; a redriven execution keeps its last {@code stopDate} while it runs again.
     */
    public record ExecutionView(
            String executionArn,
            String name,
            Status status,
            String input,
            String output,
            String error,
            String cause,
            int redriveCount,
            Instant startDate,
            Instant stopDate,
            Instant redriveDate) {
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
    private final ExecutionStore executions;
    private final TaskTokenRegistry tokens;
    private final TaskTokenCallbacks tokenCallbacks;
    private final InterpreterRunner runner;
    private final StepFunctionsApi api;
    /** The instance whose API and task tokens this one shares; null when this one owns them. */
    private final LocalStepFunctions primary;
    /** State machines served by this instance's API besides its own. */
    private final List<LocalStepFunctions> others = new java.util.concurrent.CopyOnWriteArrayList<>();

    private LocalStepFunctions(Builder builder) {
        LocalLambda lambda = Objects.requireNonNull(builder.lambda, "lambda: give the LocalLambda the tasks invoke");
        Path repoRoot = builder.repoRoot != null ? builder.repoRoot : RepoRoot.find();
        Path node = builder.node != null ? builder.node : repoRoot.resolve("node_modules/.bin/node");
        Path asl =
                builder.definition != null ? builder.definition : repoRoot.resolve("statemachine/replicate.asl.json");
        this.definition = substitute(asl, builder.substitutions);
        this.stateMachineArn = builder.stateMachineArn;
        InterpreterRunner.validate(definition, node, repoRoot);
        this.executions = new ExecutionStore(stateMachineArn);
        this.primary = builder.primary;
        if (primary != null) {
            // One account, one API: the other machine's API serves this one, and a task token sent there reaches
            // an execution of either.
            this.tokens = primary.tokens;
            this.tokenCallbacks = primary.tokenCallbacks;
        } else {
            this.tokens = new TaskTokenRegistry();
            this.tokenCallbacks = new TaskTokenCallbacks(tokens);
        }
        this.runner = new InterpreterRunner(
                definition,
                stateMachineArn,
                repoRoot,
                node,
                tokenCallbacks.url(),
                lambda.endpoint(),
                builder.waitMillis,
                builder.retryMillis,
                builder.maxRunningInterpreters);
        if (primary != null) {
            this.api = null;
            primary.others.add(this);
        } else {
            this.api = new StepFunctionsApi(this);
        }
    }

    /** The state machine {@code arn} among those this instance's API serves. */
    LocalStepFunctions machine(String arn) {
        if (stateMachineArn.equals(arn)) {
            return this;
        }
        return others.stream()
                .filter(other -> other.stateMachineArn.equals(arn))
                .findFirst()
                .orElseThrow(
                        () -> new AwsError("StateMachineDoesNotExist", "State Machine Does Not Exist: '" + arn + "'"));
    }

    /** The machine an execution ARN ({@code arn:...:execution:<machine>:<name>}) belongs to. */
    LocalStepFunctions forExecution(String executionArn) {
        String[] parts = executionArn == null ? new String[0] : executionArn.split(":");
        if (parts.length >= 8 && parts[5].equals("execution")) {
            String machine = String.join(":", java.util.Arrays.copyOf(parts, 5)) + ":stateMachine:" + parts[6];
            for (LocalStepFunctions candidate : others) {
                if (candidate.stateMachineArn.equals(machine)) {
                    return candidate;
                }
            }
        }
        return this;
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

        private LocalStepFunctions primary;

        private Builder() {}

        /** The ASL file; default {@code statemachine/replicate.asl.json} of the repository. */
        public Builder definition(Path asl) {
            this.definition = asl;
            return this;
        }

        /**
         * A {@code definitionSubstitutions} entry: {@code ${key}} in the ASL becomes {@code value}. Every
         * placeholder needs one, and each needs a placeholder ({@link StateMachineTemplate}).
         */
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

        /**
         * Serves this state machine through {@code other}'s API and task tokens, as one account's Step Functions
         * serves all its state machines; close this one before {@code other}.
         */
        public Builder alongside(LocalStepFunctions other) {
            this.primary = other;
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

        /** At most this many interpreter processes at once (default 8); further executions queue. */
        public Builder maxRunningInterpreters(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("maxRunningInterpreters must be at least 1");
            }
            this.maxRunningInterpreters = count;
            return this;
        }

        /** Every Wait state pauses this long instead of its Seconds/SecondsPath; null = as defined. */
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
        return primary != null ? primary.endpoint() : api.endpoint();
    }

    public String stateMachineArn() {
        return stateMachineArn;
    }

    /** The definition as run, after substitution. */
    public JsonNode definition() {
        return definition.deepCopy();
    }

    /**
     * Starts an execution and returns its ARN. A name in use by a running execution with the same input returns
     * that execution (as StartExecution is idempotent then); otherwise a used name fails with {@code
     * ExecutionAlreadyExists}.
     */
    public String startExecution(String name, String input) {
        ExecutionStore.Started started = executions.start(name, input);
        ExecutionRecord execution = started.execution();
        if (started.created()) {
            run(
                    execution,
                    new InterpreterRunner.Run(execution.arn(), execution.name(), 0, null, execution.inputJson()));
        }
        return execution.arn();
    }

    /** Every execution started on this instance, oldest first (as ListExecutions, without paging). */
    public List<ExecutionView> executions() {
        return executions.all().stream().map(ExecutionRecord::view).toList();
    }

    public ExecutionView describe(String executionArn) {
        return executions.get(executionArn).view();
    }

    /** Waits until the execution is no longer RUNNING (polling with a deadline) and returns it. */
    public ExecutionView awaitCompletion(String executionArn, Duration timeout) {
        return executions.get(executionArn).awaitEnd(timeout);
    }

    /**
     * Redrives a failed execution as Step Functions does: from the state that failed, with that state's input;
     * {@code $$.Execution.RedriveCount} goes up by one. Throws {@code ExecutionNotRedrivable} otherwise.
     */
    public void redrive(String executionArn) {
        ExecutionRecord execution = executions.get(executionArn);
        ExecutionRecord.RedriveStart from = execution.redrive();
        run(
                execution,
                new InterpreterRunner.Run(
                        execution.arn(), execution.name(), from.redriveCount(), from.state(), from.input()));
    }

    /**
     * Stops a running execution (status ABORTED), as StopExecution does; its open task tokens close. Also what a
     * test uses to emulate an execution that died while holding a lease.
     */
    public void stop(String executionArn, String error, String cause) {
        ExecutionRecord execution = executions.get(executionArn);
        if (end(execution, Status.ABORTED, null, error, cause)) {
            runner.stop(executionArn);
        }
    }

    /** The execution's history events, oldest first, in GetExecutionHistory's shape. */
    public List<JsonNode> history(String executionArn) {
        return executions.get(executionArn).history();
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
        tokens.succeed(taskToken, parsed);
    }

    public void sendTaskFailure(String taskToken, String error, String cause) {
        tokens.fail(taskToken, error, cause);
    }

    public void sendTaskHeartbeat(String taskToken) {
        tokens.heartbeat(taskToken);
    }

    @Override
    public void close() {
        runner.close();
        if (primary == null) {
            api.close();
            tokenCallbacks.close();
            tokens.close();
        }
    }

    static double epochSeconds(Instant instant) {
        return instant.toEpochMilli() / 1000.0;
    }

    private void run(ExecutionRecord execution, InterpreterRunner.Run run) {
        runner.submit(run, new InterpreterRunner.Listener() {
            @Override
            public boolean stillWanted() {
                return execution.isRunning();
            }

            @Override
            public void event(JsonNode event) {
                execution.record(event, LocalStepFunctions.this::resourceOf);
            }

            @Override
            public void ended(Status status, String output, String error, String cause) {
                end(execution, status, output, error, cause);
            }
        });
    }

    /** Ends the execution unless it already ended; its task tokens close with it. */
    private boolean end(ExecutionRecord execution, Status status, String output, String error, String cause) {
        if (!execution.finish(status, output, error, cause)) {
            return false;
        }
        tokens.executionEnded(execution.arn());
        return true;
    }

    private String resourceOf(String stateName) {
        return definition.path("States").path(stateName).path("Resource").asText("");
    }

    private static ObjectNode substitute(Path asl, Map<String, String> substitutions) {
        String template;
        try {
            template = Files.readString(asl);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the state machine definition " + asl, e);
        }
        String substituted = StateMachineTemplate.substitute(template, substitutions, asl.toString());
        try {
            return (ObjectNode) JSON.readTree(substituted);
        } catch (IOException e) {
            throw new IllegalArgumentException(asl + " is not valid JSON after substitution: " + e.getMessage(), e);
        }
    }
}
