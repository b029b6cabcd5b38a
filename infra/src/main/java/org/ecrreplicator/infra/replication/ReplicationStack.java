package org.ecrreplicator.infra.replication;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.infra.ReplicationStacks;
import org.ecrreplicator.infra.replication.ReplicationFunctions.ReconcileTasks;
import org.ecrreplicator.infra.replication.ReplicationFunctions.WorkflowTasks;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.stepfunctions.StateMachine;
import software.constructs.Construct;

/**
 * The source-partition side: ECR events -> Enqueue -> SQS FIFO -> Dispatch -> the Step Functions workflow,
 * which starts a CodeBuild build per replication and waits for Completion to report it back (the README's "How
 * it works"); and the reconcile workflow, started on a schedule, which repairs in bulk what the events missed
 * (decision 0068). Each part creates its resources in this stack's scope, under the construct ids they have
 * always had, so their logical ids do not change (decision 0063).
 */
public final class ReplicationStack extends Stack {
    /** Typed construction properties: the validated settings, the files to deploy and the stack's own props. */
    public record Props(ReplicationSettings settings, DeploymentArtifacts artifacts, StackProps stackProps) {
        public Props {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(artifacts, "artifacts");
            Objects.requireNonNull(stackProps, "stackProps");
        }
    }

    private final ReplicationSettings settings;
    private final ReplicationWorkflow workflow;
    private final ReconcileWorkflow reconcile;

    public ReplicationStack(Construct scope, String id, Props props) {
        super(scope, id, props.stackProps());
        this.settings = props.settings();
        DeploymentArtifacts artifacts = props.artifacts().requireExisting();
        StateMachineDefinition definition = StateMachineDefinition.load(artifacts.stateMachineDefinition());
        StateMachineDefinition reconcileDefinition =
                StateMachineDefinition.load(artifacts.reconcileStateMachineDefinition());

        StatefulResources state = StatefulResources.create(this, settings);
        ReplicationBuild build = ReplicationBuild.create(this, settings, artifacts, state.secret(), state.table());
        ReplicationFunctions functions = new ReplicationFunctions(this, settings, artifacts, state, build);
        Alias enqueue = functions.enqueue();
        WorkflowTasks tasks = functions.workflowTasks();
        this.workflow = ReplicationWorkflow.create(this, settings, definition, tasks);
        StateMachine stateMachine = workflow.stateMachine();
        ReconcileTasks reconcileTasks = functions.reconcileTasks(tasks.readSecret());
        this.reconcile = ReconcileWorkflow.create(this, settings, reconcileDefinition, reconcileTasks);
        StateMachine reconcileMachine = reconcile.stateMachine();
        functions.dispatch(stateMachine);
        Alias completion = functions.completion(stateMachine, reconcileMachine);
        Alias sweep = functions.sweep(stateMachine, reconcileMachine);
        functions.rotateSecret();
        EventRules.create(this, settings, state, build, enqueue, completion, sweep);
        Optional<Rule> reconcileSchedule = EventRules.reconcileSchedule(this, settings, reconcileMachine);
        ReplicationMonitoring.create(
                this,
                settings,
                state,
                build,
                stateMachine,
                functions.aliases(),
                functions.logGroup(FunctionSpec.ENQUEUE),
                reconcileMachine,
                reconcileSchedule);
        outputs(state, build, stateMachine, reconcileMachine);
        ReplicationNagSuppressions.apply(settings, state, build, stateMachine, reconcileMachine, functions);
    }

    /** The definition substitutions, by placeholder name (for tests and for the record). */
    public Map<String, String> substitutions() {
        return workflow.substitutions();
    }

    /** The reconcile definition's substitutions, by placeholder name. */
    public Map<String, String> reconcileSubstitutions() {
        return reconcile.substitutions();
    }

    public ReplicationSettings settings() {
        return settings;
    }

    /**
     * What an operator needs to find, under the keys the operator commands look up (StackOutputs): the secret
     * to fill, the destination's region, the queues, the workflows, the build, the table.
     */
    private void outputs(
            StatefulResources state, ReplicationBuild build, StateMachine stateMachine, StateMachine reconcile) {
        output(
                StackOutputs.DESTINATION_SECRET_ID,
                state.secret().reference(),
                "the destination secret (fields: user, accesskey,"
                        + " secretaccesskey, partition, accountid); put its value with the AWS CLI");
        output(
                StackOutputs.DESTINATION_REGION,
                settings.destinationRegion(),
                "the destination registry's region (its account is the secret's accountid)");
        output(StackOutputs.QUEUE_URL, state.queue().getQueueUrl(), "the replication queue (FIFO)");
        output(StackOutputs.STATE_MACHINE_ARN, stateMachine.getStateMachineArn(), "the replication workflow");
        output(StackOutputs.BUILD_PROJECT_NAME, build.project().getProjectName(), "the replication build");
        output(StackOutputs.TABLE_NAME, state.table().getTableName(), "the per-tag state table");
        output(
                StackOutputs.INVOCATION_FAILURE_QUEUE_URL,
                state.invocationFailures().getQueueUrl(),
                "events whose Enqueue or Completion invocation failed after Lambda's retries; replay them"
                        + " as docs/deploy.md shows");
        output(
                StackOutputs.DEAD_LETTER_QUEUE_URL,
                state.deadLetters().getQueueUrl(),
                "the replication queue's dead-letter queue: messages Dispatch could not start an execution for");
        output(
                StackOutputs.EVENT_DELIVERY_DEAD_LETTER_QUEUE_URL,
                state.eventDeliveryDeadLetters().getQueueUrl(),
                "events EventBridge could not deliver to a function");
        output(
                StackOutputs.RECONCILE_STATE_MACHINE_ARN,
                reconcile.getStateMachineArn(),
                "the reconcile workflow: replicator backfill starts it, as does its schedule");
        output(
                StackOutputs.REPOSITORY_FILTER,
                StackOutputs.repositoryFilter(
                        settings.repositories().kind().name(),
                        settings.repositories().patterns()),
                "the replicated repositories (prefix: or wildcard: and the patterns)");
        output(
                StackOutputs.DESTINATION_ACCESS_STACK_NAME,
                ReplicationStacks.destinationAccessStackName(settings.environment()),
                "the destination-access stack, in the destination partition");
    }

    private void output(String id, String value, String description) {
        CfnOutput.Builder.create(this, id).value(value).description(description).build();
    }
}
