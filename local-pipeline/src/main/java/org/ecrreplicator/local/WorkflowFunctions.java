package org.ecrreplicator.local;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.ecrreplicator.domain.contract.StateMachineTemplate;
import org.ecrreplicator.functions.CheckStateHandler;
import org.ecrreplicator.functions.FunctionsConfig;
import org.ecrreplicator.functions.ReadSecretHandler;
import org.ecrreplicator.functions.RecordReconcileHandler;
import org.ecrreplicator.functions.RecordResultHandler;
import org.ecrreplicator.functions.StartBuildHandler;
import org.ecrreplicator.functions.StartReconcileBuildHandler;

/**
 * The replication workflow's task functions, wired as the replication stack wires them: the real handlers in the
 * Lambda stand-in, and the definition substitutions (docs/contracts.md) that point the ASL's tasks at them. The
 * local pipeline and the workflow tests share this wiring.
 */
final class WorkflowFunctions {
    static final String READ_SECRET = "replicator-read-secret";
    static final String CHECK_STATE = "replicator-check-state";
    static final String START_BUILD = "replicator-start-build";
    static final String RECORD_RESULT = "replicator-record-result";
    static final String START_RECONCILE_BUILD = "replicator-start-reconcile-build";
    static final String RECORD_RECONCILE = "replicator-record-reconcile";

    private WorkflowFunctions() {}

    /**
     * Every placeholder of {@code statemachine/replicate.asl.json}: the task functions' ARNs in {@code lambda},
     * the pause of the WaitForLease state and StartBuild's task timeout.
     */
    static Map<String, String> substitutions(LocalLambda lambda, Duration leaseWait, Duration buildTaskTimeout) {
        Map<String, String> substitutions = new LinkedHashMap<>();
        substitutions.put(StateMachineTemplate.READ_SECRET_FUNCTION_ARN, lambda.functionArn(READ_SECRET));
        substitutions.put(StateMachineTemplate.CHECK_STATE_FUNCTION_ARN, lambda.functionArn(CHECK_STATE));
        substitutions.put(StateMachineTemplate.START_BUILD_FUNCTION_ARN, lambda.functionArn(START_BUILD));
        substitutions.put(StateMachineTemplate.RECORD_RESULT_FUNCTION_ARN, lambda.functionArn(RECORD_RESULT));
        substitutions.put(StateMachineTemplate.LEASE_WAIT_SECONDS, Long.toString(leaseWait.toSeconds()));
        substitutions.put(StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS, Long.toString(buildTaskTimeout.toSeconds()));
        return substitutions;
    }

    /** Every placeholder of {@code statemachine/reconcile.asl.json}. */
    static Map<String, String> reconcileSubstitutions(LocalLambda lambda, int concurrency, Duration buildTaskTimeout) {
        Map<String, String> substitutions = new LinkedHashMap<>();
        substitutions.put(StateMachineTemplate.READ_SECRET_FUNCTION_ARN, lambda.functionArn(READ_SECRET));
        substitutions.put(
                StateMachineTemplate.START_RECONCILE_BUILD_FUNCTION_ARN, lambda.functionArn(START_RECONCILE_BUILD));
        substitutions.put(StateMachineTemplate.RECORD_RECONCILE_FUNCTION_ARN, lambda.functionArn(RECORD_RECONCILE));
        substitutions.put(StateMachineTemplate.RECONCILE_CONCURRENCY, Integer.toString(concurrency));
        substitutions.put(StateMachineTemplate.BUILD_TASK_TIMEOUT_SECONDS, Long.toString(buildTaskTimeout.toSeconds()));
        return substitutions;
    }

    /** Registers the real task handlers, configured by {@code config}, under the names the substitutions use. */
    static void register(LocalLambda lambda, FunctionsConfig config) {
        lambda.register(READ_SECRET, LambdaHandlers.adapt(new ReadSecretHandler(config)));
        lambda.register(CHECK_STATE, LambdaHandlers.adapt(new CheckStateHandler(config)));
        lambda.register(START_BUILD, LambdaHandlers.adapt(new StartBuildHandler(config)));
        lambda.register(RECORD_RESULT, LambdaHandlers.adapt(new RecordResultHandler(config)));
        lambda.register(START_RECONCILE_BUILD, LambdaHandlers.adapt(new StartReconcileBuildHandler(config)));
        lambda.register(RECORD_RECONCILE, LambdaHandlers.adapt(new RecordReconcileHandler(config)));
    }
}
