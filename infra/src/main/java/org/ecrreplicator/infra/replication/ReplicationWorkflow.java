package org.ecrreplicator.infra.replication;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.ecrreplicator.infra.replication.ReplicationFunctions.WorkflowTasks;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.stepfunctions.StateMachine;

/**
 * The Step Functions workflow from statemachine/replicate.asl.json, allowed to invoke its four task aliases and
 * nothing else.
 *
 * @param substitutions the definition's placeholder values, by name (docs/contracts.md)
 */
record ReplicationWorkflow(StateMachine stateMachine, Map<String, String> substitutions) {

    static ReplicationWorkflow create(
            Stack stack, ReplicationSettings settings, StateMachineDefinition definition, WorkflowTasks tasks) {
        Map<String, String> substitutions = substitutions(settings, tasks);
        StateMachine stateMachine = definition.deploy(
                stack, "Workflow", settings.resourceName(), substitutions, settings.logRetention(), tasks.all());
        return new ReplicationWorkflow(stateMachine, Map.copyOf(substitutions));
    }

    private static Map<String, String> substitutions(ReplicationSettings settings, WorkflowTasks tasks) {
        Map<String, String> substitutions = new LinkedHashMap<>();
        substitutions.put(
                StateMachineTemplate.READ_SECRET_FUNCTION_ARN,
                tasks.readSecret().getFunctionArn());
        substitutions.put(
                StateMachineTemplate.CHECK_STATE_FUNCTION_ARN,
                tasks.checkState().getFunctionArn());
        substitutions.put(
                StateMachineTemplate.START_BUILD_FUNCTION_ARN,
                tasks.startBuild().getFunctionArn());
        substitutions.put(
                StateMachineTemplate.RECORD_RESULT_FUNCTION_ARN,
                tasks.recordResult().getFunctionArn());
        substitutions.put(StateMachineTemplate.LEASE_WAIT_SECONDS, String.valueOf(settings.leaseWaitSeconds()));
        substitutions.put(
                StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS, String.valueOf(settings.buildTaskTimeoutSeconds()));
        return substitutions;
    }
}
