package org.ecrreplicator.infra.replication;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.ecrreplicator.infra.replication.ReplicationFunctions.WorkflowTasks;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.stepfunctions.DefinitionBody;
import software.amazon.awscdk.services.stepfunctions.LogLevel;
import software.amazon.awscdk.services.stepfunctions.LogOptions;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.amazon.awscdk.services.stepfunctions.StateMachineType;

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
        definition.requireSubstitutions(substitutions);
        LogGroup logs = LogGroup.Builder.create(stack, "WorkflowLogs")
                // The vendedlogs prefix keeps CloudWatch Logs' resource policy from growing per log group.
                .logGroupName("/aws/vendedlogs/states/" + settings.resourceName())
                .retention(settings.logRetention())
                .build();
        StateMachine stateMachine = StateMachine.Builder.create(stack, "Workflow")
                .stateMachineName(settings.resourceName())
                .stateMachineType(StateMachineType.STANDARD)
                .definitionBody(DefinitionBody.fromString(definition.json()))
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
        for (Alias task : tasks.all()) {
            task.grantInvoke(stateMachine);
        }
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
