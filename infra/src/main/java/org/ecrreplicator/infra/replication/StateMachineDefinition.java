package org.ecrreplicator.infra.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;

/**
 * A state-machine definition (statemachine/replicate.asl.json, statemachine/reconcile.asl.json) with its
 * {@code ${Name}} placeholders. Synth fails when the substitutions and the placeholders disagree, by the same
 * check the local Step Functions stand-in makes ({@link StateMachineTemplate#requireExactly}).
 */
public record StateMachineDefinition(Path file, String json) {
    public static StateMachineDefinition load(Path file) {
        try {
            return new StateMachineDefinition(file, Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the state-machine definition " + file, e);
        }
    }

    public Set<String> placeholders() {
        return StateMachineTemplate.placeholders(json);
    }

    /** @throws IllegalArgumentException naming the file, the placeholders without a value and the unused values */
    public void requireSubstitutions(Map<String, String> substitutions) {
        StateMachineTemplate.requireExactly(json, substitutions, "the state-machine definition " + file);
    }

    /**
     * This definition as a STANDARD state machine {@code id} named {@code name}, with its substitutions checked,
     * error logs to its own log group ({@code id + "Logs"}), tracing on, and allowed to invoke {@code tasks}
     * and nothing else. Both workflows are built this way.
     */
    StateMachine deploy(
            Stack stack,
            String id,
            String name,
            Map<String, String> substitutions,
            RetentionDays logRetention,
            List<Alias> tasks) {
        requireSubstitutions(substitutions);
        LogGroup logs = LogGroup.Builder.create(stack, id + "Logs")
                // The vendedlogs prefix keeps CloudWatch Logs' resource policy from growing per log group.
                .logGroupName("/aws/vendedlogs/states/" + name)
                .retention(logRetention)
                .build();
        StateMachine stateMachine = StateMachine.Builder.create(stack, id)
                .stateMachineName(name)
                .stateMachineType(StateMachineType.STANDARD)
                .definitionBody(DefinitionBody.fromString(json))
                .definitionSubstitutions(substitutions)
                // ERROR without execution data: the history already has every state's input and output,
                // and the logs must not copy requests and results a second time.
                .logs(LogOptions.builder()
                        .destination(logs)
                        .level(LogLevel.ERROR)
                        .includeExecutionData(false)
                        .build())
                .tracingEnabled(true)
                .build();
        for (Alias task : tasks) {
            task.grantInvoke(stateMachine);
        }
        return stateMachine;
    }
}
