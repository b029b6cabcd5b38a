package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.ecrreplicator.engines.AwsJsonEndpoint.AwsError;

/**
 * The executions of one state machine, by ARN and by name, with StartExecution's rules for names (decision 0054):
 * the documented characters, and a name used once stays used, except that the same input while the execution runs
 * returns that execution. Names are remembered for the store's lifetime, not 90 days.
 */
final class ExecutionStore {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern NAME_RULES = Pattern.compile("[^\\s<>{}\\[\\]?*\"#%\\\\^|~`$&,;:/\\p{Cntrl}]{1,80}");

    /** What StartExecution found: a new execution ({@code created}) or the running one with that name and input. */
    record Started(ExecutionRecord execution, boolean created) {}

    private final String stateMachineArn;
    private final Map<String, ExecutionRecord> byArn = new ConcurrentHashMap<>();
    private final Map<String, ExecutionRecord> byName = new ConcurrentHashMap<>();
    private final AtomicLong sequences = new AtomicLong();

    ExecutionStore(String stateMachineArn) {
        this.stateMachineArn = stateMachineArn;
    }

    /**
     * Creates the execution {@code name} with {@code input} (recording ExecutionStarted), or finds the running one
     * with the same name and input.
     *
     * @throws AwsError InvalidName, InvalidExecutionInput or ExecutionAlreadyExists
     */
    Started start(String name, String input) {
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
        ExecutionRecord created =
                new ExecutionRecord(executionArn(name), name, canonicalInput, sequences.incrementAndGet());
        ExecutionRecord existing = byName.putIfAbsent(name, created);
        if (existing != null) {
            if (existing.isRunningWith(canonicalInput)) {
                return new Started(existing, false);
            }
            throw new AwsError("ExecutionAlreadyExists", "Execution Already Exists: '" + existing.arn() + "'");
        }
        byArn.put(created.arn(), created);
        created.addEvent("ExecutionStarted", "executionStartedEventDetails", details -> {
            details.put("input", canonicalInput);
            details.put(
                    "roleArn",
                    stateMachineArn.replace(":states:", ":iam:").replaceAll(":stateMachine:.*", ":role/local"));
        });
        return new Started(created, true);
    }

    /** @throws AwsError ExecutionDoesNotExist */
    ExecutionRecord get(String executionArn) {
        ExecutionRecord execution = executionArn == null ? null : byArn.get(executionArn);
        if (execution == null) {
            throw new AwsError("ExecutionDoesNotExist", "Execution Does Not Exist: '" + executionArn + "'");
        }
        return execution;
    }

    /** Every execution, oldest first. */
    List<ExecutionRecord> all() {
        return byArn.values().stream()
                .sorted(Comparator.comparingLong(ExecutionRecord::sequence))
                .toList();
    }

    private String executionArn(String name) {
        return stateMachineArn.replace(":stateMachine:", ":execution:") + ":" + name;
    }
}
