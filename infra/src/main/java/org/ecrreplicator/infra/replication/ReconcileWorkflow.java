package org.ecrreplicator.infra.replication;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.ecrreplicator.infra.replication.ReplicationFunctions.ReconcileTasks;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.stepfunctions.StateMachine;

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
        StateMachine stateMachine = definition.deploy(
                stack, "ReconcileWorkflow", name(settings), substitutions, settings.logRetention(), tasks.all());
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
