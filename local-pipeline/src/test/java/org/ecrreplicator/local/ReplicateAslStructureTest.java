package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Structure rules of statemachine/replicate.asl.json that the design depends on. */
class ReplicateAslStructureTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> CONTRACT_SUBSTITUTIONS = Set.of(
            StateMachineTemplate.READ_SECRET_FUNCTION_ARN,
            StateMachineTemplate.CHECK_STATE_FUNCTION_ARN,
            StateMachineTemplate.START_BUILD_FUNCTION_ARN,
            StateMachineTemplate.RECORD_RESULT_FUNCTION_ARN,
            StateMachineTemplate.LEASE_WAIT_SECONDS,
            StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS);
    private static final List<String> LAMBDA_SERVICE_ERRORS = List.of(
            "Lambda.ServiceException",
            "Lambda.AWSLambdaException",
            "Lambda.SdkClientException",
            "Lambda.TooManyRequestsException");
    private static final Set<String> NEVER_RETRIED = Set.of("SecretNotFound", "SecretInvalid", "LeaseTimeout");

    private static Path root;
    private static String text;
    private static JsonNode definition;
    private static JsonNode states;

    @BeforeAll
    static void load() throws IOException {
        root = RepoRoot.find();
        text = Files.readString(root.resolve("statemachine/replicate.asl.json"));
        definition = JSON.readTree(text);
        states = definition.path("States");
    }

    private static Map<String, JsonNode> statesOfType(String type) {
        Map<String, JsonNode> result = new LinkedHashMap<>();
        states.properties().forEach(entry -> {
            if (type.equals(entry.getValue().path("Type").asText())) {
                result.put(entry.getKey(), entry.getValue());
            }
        });
        return result;
    }

    private static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false)
                .map(JsonNode::asText)
                .toList();
    }

    static String substituted() {
        String functions = "arn:aws:lambda:us-east-1:123456789012:function:";
        return StateMachineTemplate.substitute(
                text,
                Map.of(
                        StateMachineTemplate.READ_SECRET_FUNCTION_ARN, functions + "ReadSecret",
                        StateMachineTemplate.CHECK_STATE_FUNCTION_ARN, functions + "CheckState",
                        StateMachineTemplate.START_BUILD_FUNCTION_ARN, functions + "StartBuild",
                        StateMachineTemplate.RECORD_RESULT_FUNCTION_ARN, functions + "RecordResult",
                        StateMachineTemplate.LEASE_WAIT_SECONDS, "30",
                        StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS, "3900"),
                "statemachine/replicate.asl.json");
    }

    @Test
    void shouldUseExactlyTheContractSubstitutionsInsideJsonStrings() {
        Matcher matcher = Pattern.compile("\\$\\{([^}]*)}").matcher(text);
        Set<String> used = new TreeSet<>();
        while (matcher.find()) {
            used.add(matcher.group(1));
        }
        assertThat(used).containsExactlyInAnyOrderElementsOf(CONTRACT_SUBSTITUTIONS);
        // The file parsed as JSON in load(), so every ${...} sits inside a string.
        assertThat(substituted()).doesNotContain("${");
    }

    @Test
    void shouldGiveEveryTaskARetryAndATimeout() {
        Map<String, JsonNode> tasks = statesOfType("Task");
        assertThat(tasks).containsOnlyKeys("ReadSecret", "CheckState", "StartBuild", "RecordResult");
        tasks.forEach((name, task) -> {
            assertThat(task.has("TimeoutSeconds") || task.has("TimeoutSecondsPath"))
                    .as("%s has a timeout", name)
                    .isTrue();
            JsonNode lambdaRetrier = null;
            for (JsonNode retrier : task.path("Retry")) {
                if (strings(retrier.path("ErrorEquals")).containsAll(LAMBDA_SERVICE_ERRORS)) {
                    lambdaRetrier = retrier;
                }
            }
            assertThat(lambdaRetrier)
                    .as("%s retries the Lambda service errors", name)
                    .isNotNull();
            assertThat(lambdaRetrier.path("JitterStrategy").asText()).as(name).isEqualTo("FULL");
            assertThat(lambdaRetrier.path("BackoffRate").asDouble()).as(name).isGreaterThan(1.0);
            assertThat(lambdaRetrier.path("MaxAttempts").asInt()).as(name).isGreaterThan(1);
        });
    }

    /**
     * A StartBuild that timed out (or died) is reported as {@code Lambda.Unknown}, or {@code Sandbox.Timedout}
     * on newer runtimes; without a retrier the execution fails although a retry would re-take its own lease.
     */
    @Test
    void shouldRetryAFunctionThatTimedOutInEveryStateThatStartsABuildInBothWorkflows() throws IOException {
        JsonNode reconcile = JSON.readTree(Files.readString(root.resolve("statemachine/reconcile.asl.json")));
        Map<String, JsonNode> starters = new LinkedHashMap<>();
        starters.put("StartBuild", states.path("StartBuild"));
        starters.put("Plan", reconcile.path("States").path("Plan"));
        starters.put(
                "RepairShard",
                reconcile
                        .path("States")
                        .path("Shards")
                        .path("ItemProcessor")
                        .path("States")
                        .path("RepairShard"));
        starters.forEach((name, task) -> {
            assertThat(task.path("Resource").asText()).as(name).endsWith(".waitForTaskToken");
            for (String timeout :
                    List.of("Lambda.Unknown", "Sandbox.Timedout", "Lambda.ClientExecutionTimeoutException")) {
                JsonNode retrier = null;
                for (JsonNode candidate : task.path("Retry")) {
                    if (retrier == null
                            && strings(candidate.path("ErrorEquals")).contains(timeout)) {
                        retrier = candidate;
                    }
                }
                assertThat(retrier).as("%s retries %s", name, timeout).isNotNull();
                assertThat(retrier.path("MaxAttempts").asInt()).as(name).isBetween(2, 5);
                assertThat(retrier.path("BackoffRate").asDouble()).as(name).isGreaterThan(1.0);
                assertThat(retrier.path("JitterStrategy").asText()).as(name).isEqualTo("FULL");
            }
        });
    }

    @Test
    void shouldNeverRetryTheErrorsAnOperatorMustFix() {
        statesOfType("Task").forEach((name, task) -> {
            for (JsonNode retrier : task.path("Retry")) {
                List<String> errors = strings(retrier.path("ErrorEquals"));
                assertThat(errors).as(name).doesNotContainAnyElementsOf(NEVER_RETRIED);
                assertThat(errors)
                        .as("%s: wildcards would retry SecretNotFound", name)
                        .doesNotContain("States.ALL", "States.TaskFailed");
            }
        });
    }

    @Test
    void shouldNotRouteAnyFailureIntoAFailStateSoThatRedriveRestartsTheFailedTask() {
        Set<String> failStates = statesOfType("Fail").keySet();
        states.properties().forEach(entry -> {
            for (JsonNode catcher : entry.getValue().path("Catch")) {
                assertThat(reachesFailWithoutWork(catcher.path("Next").asText(), failStates, new HashSet<>()))
                        .as("Catch of %s leads into a Fail state", entry.getKey())
                        .isFalse();
            }
        });
    }

    private static boolean reachesFailWithoutWork(String state, Set<String> failStates, Set<String> seen) {
        if (failStates.contains(state)) {
            return true;
        }
        JsonNode node = states.path(state);
        if (!seen.add(state) || !"Pass".equals(node.path("Type").asText())) {
            return false;
        }
        return reachesFailWithoutWork(node.path("Next").asText(), failStates, seen);
    }

    @Test
    void shouldWaitForTheBuildByCallbackWithBoundedRetriesAndATimeoutFromTheSubstitution() {
        JsonNode startBuild = states.path("StartBuild");
        assertThat(startBuild.path("Resource").asText()).isEqualTo("arn:aws:states:::lambda:invoke.waitForTaskToken");
        assertThat(startBuild
                        .path("Parameters")
                        .path("Payload")
                        .path("taskToken.$")
                        .asText())
                .isEqualTo("$$.Task.Token");
        assertThat(startBuild
                        .path("Parameters")
                        .path("Payload")
                        .path("redriveCount.$")
                        .asText())
                .isEqualTo("$$.Execution.RedriveCount");
        JsonNode buildFailed = null;
        for (JsonNode retrier : startBuild.path("Retry")) {
            if (strings(retrier.path("ErrorEquals")).contains("BuildFailed")) {
                buildFailed = retrier;
            }
        }
        assertThat(buildFailed).isNotNull();
        for (String transientError : List.of("BuildThrottled", "LeaseHeld", "States.Timeout")) {
            assertThat(StreamSupport.stream(startBuild.path("Retry").spliterator(), false)
                            .anyMatch(retrier ->
                                    strings(retrier.path("ErrorEquals")).contains(transientError)))
                    .as("StartBuild retries %s", transientError)
                    .isTrue();
        }
        assertThat(buildFailed.path("MaxAttempts").asInt()).isEqualTo(2);
        assertThat(buildFailed.path("BackoffRate").asDouble()).isGreaterThan(1.0);
        // TimeoutSecondsPath reads the number Prepare makes of ${BuildTaskTimeoutSeconds}.
        String path = startBuild.path("TimeoutSecondsPath").asText();
        assertThat(path).isEqualTo("$.settings.buildTaskTimeoutSeconds");
        assertThat(states.path("Prepare")
                        .path("Parameters")
                        .path("settings")
                        .path("buildTaskTimeoutSeconds.$")
                        .asText())
                .isEqualTo("States.StringToJson('${" + StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS + "}')");
        assertThat(states.path("WaitForLease").path("SecondsPath").asText()).isEqualTo("$.settings.leaseWaitSeconds");
        assertThat(states.path("Prepare")
                        .path("Parameters")
                        .path("settings")
                        .path("leaseWaitSeconds.$")
                        .asText())
                .isEqualTo("States.StringToJson('${" + StateMachineTemplate.LEASE_WAIT_SECONDS + "}')");
    }

    @Test
    void shouldHaveNoLoopExceptTheBoundedLeaseWait() {
        // Every cycle in the state graph passes through WaitForLease (CheckState bounds it with LeaseTimeout);
        // in particular nothing polls the build.
        Map<String, List<String>> edges = new LinkedHashMap<>();
        states.properties().forEach(entry -> {
            List<String> next = new ArrayList<>();
            JsonNode state = entry.getValue();
            if (state.has("Next")) {
                next.add(state.get("Next").asText());
            }
            state.path("Choices").forEach(choice -> next.add(choice.path("Next").asText()));
            if (state.has("Default")) {
                next.add(state.get("Default").asText());
            }
            state.path("Catch").forEach(catcher -> next.add(catcher.path("Next").asText()));
            edges.put(entry.getKey(), next);
        });
        Map<String, List<String>> withoutWait = new LinkedHashMap<>(edges);
        withoutWait.remove("WaitForLease");
        for (String start : withoutWait.keySet()) {
            assertThat(reaches(start, start, withoutWait, new HashSet<>()))
                    .as("cycle through %s without WaitForLease", start)
                    .isFalse();
        }
        assertThat(statesOfType("Wait")).containsOnlyKeys("WaitForLease");
    }

    private static boolean reaches(String from, String target, Map<String, List<String>> edges, Set<String> seen) {
        for (String next : edges.getOrDefault(from, List.of())) {
            if (next.equals(target)) {
                return true;
            }
            if (seen.add(next) && reaches(next, target, edges, seen)) {
                return true;
            }
        }
        return false;
    }

    @Test
    void shouldBeAcceptedByAslValidatorAfterSubstitution(@TempDir Path tmp) throws Exception {
        Path good = tmp.resolve("replicate.json");
        Files.writeString(good, substituted());
        assertThat(validate(good).exitCode).as("asl-validator output").isZero();

        ObjectNode broken = (ObjectNode) JSON.readTree(substituted());
        ((ObjectNode) broken.path("States").path("CheckState")).put("Next", "NoSuchState");
        Path bad = tmp.resolve("broken.json");
        Files.writeString(bad, broken.toString());
        Result refused = validate(bad);
        assertThat(refused.exitCode).isNotZero();
        assertThat(refused.output).contains("NoSuchState");
    }

    private record Result(int exitCode, String output) {}

    private static Result validate(Path file) throws Exception {
        Process process = new ProcessBuilder(
                        root.resolve("node_modules/.bin/node").toString(),
                        root.resolve("node_modules/asl-validator/dist/bin/asl-validator.js")
                                .toString(),
                        "--json-path",
                        file.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }
}
