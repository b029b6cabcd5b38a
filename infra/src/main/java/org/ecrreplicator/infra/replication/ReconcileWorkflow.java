package org.ecrreplicator.infra.replication;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.ecrreplicator.infra.replication.ReplicationFunctions.ReconcileTasks;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;

/**
 * The reconcile workflow from statemachine/reconcile.asl.json (decision 0068), built like the replication
 * workflow and allowed to invoke its three task aliases and nothing else.
 *
 * @param substitutions the definition's placeholder values, by name (docs/contracts.md)
 */
record ReconcileWorkflow(StateMachine stateMachine, Map<String, String> substitutions) {

    /** The state machine's name: the replication workflow's, with {@code -reconcile}. */
    static String name(ReplicationSettings settings) {
        return settings.resourceName() + "-reconcile";
    }

    static ReconcileWorkflow create(
            Stack stack, ReplicationSettings settings, StateMachineDefinition definition, ReconcileTasks tasks) {
        Map<String, String> substitutions = substitutions(settings, tasks);
        definition.requireSubstitutions(substitutions);
        LogGroup logs = LogGroup.Builder.create(stack, "ReconcileWorkflowLogs")
                // The vendedlogs prefix keeps CloudWatch Logs' resource policy from growing per log group.
                .logGroupName("/aws/vendedlogs/states/" + name(settings))
                .retention(settings.logRetention())
                .build();
        StateMachine stateMachine = StateMachine.Builder.create(stack, "ReconcileWorkflow")
                .stateMachineName(name(settings))
                .stateMachineType(StateMachineType.STANDARD)
                .definitionBody(DefinitionBody.fromString(definition.json()))
                .definitionSubstitutions(substitutions)
                // As the replication workflow: errors only, the history has every state's input and output.
                .logs(LogOptions.builder()
                        .destination(logs)
                        .level(LogLevel.ERROR)
                        .includeExecutionData(false)
                        .build())
                .tracingEnabled(true)
                .build();
        for (Alias task : tasks.all()) {
            task.grantInvoke(stateMachine);
        }
        return new ReconcileWorkflow(stateMachine, Map.copyOf(substitutions));
    }

    private static Map<String, String> substitutions(ReplicationSettings settings, ReconcileTasks tasks) {
        Map<String, String> substitutions = new LinkedHashMap<>();
        substitutions.put(
                StateMachineTemplate.READ_SECRET_FUNCTION_ARN,
                tasks.readSecret().getFunctionArn());
        substitutions.put(
                StateMachineTemplate.START_RECONCILE_BUILD_FUNCTION_ARN,
                tasks.startReconcileBuild().getFunctionArn());
        substitutions.put(
                StateMachineTemplate.RECORD_RECONCILE_FUNCTION_ARN,
                tasks.recordReconcile().getFunctionArn());
        substitutions.put(StateMachineTemplate.RECONCILE_CONCURRENCY, String.valueOf(settings.reconcileConcurrency()));
        // The plan and shard builds run in the same project, with the same limits, as a replication build.
        substitutions.put(
                StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS, String.valueOf(settings.buildTaskTimeoutSeconds()));
        return substitutions;
    }
}
