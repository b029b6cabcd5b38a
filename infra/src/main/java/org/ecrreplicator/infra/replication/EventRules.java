package org.ecrreplicator.infra.replication;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ecrreplicator.domain.EcrImageActionEvents;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.events.EventPattern;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.RuleTargetInput;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.events.targets.LambdaFunctionProps;
import software.amazon.awscdk.services.events.targets.SfnStateMachine;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.EventInvokeConfigOptions;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.stepfunctions.StateMachine;

/**
 * The EventBridge rules that start the functions: ECR's image actions to Enqueue, the build's final states to
 * Completion, and the sweep's schedule; and the reconcile's schedule, which starts the reconcile workflow.
 */
final class EventRules {
    /** Build outcomes the Completion function must hear about. */
    static final List<String> FINAL_BUILD_STATUSES = List.of("SUCCEEDED", "FAILED", "FAULT", "TIMED_OUT", "STOPPED");

    /** How often the sweep looks for builds whose completion event was lost: the most such a loss goes unnoticed. */
    static final Duration SWEEP_INTERVAL = Duration.minutes(5);

    /** How long an event may wait for delivery (EventBridge) or for a retry (Lambda, whose maximum it is). */
    static final Duration MAX_EVENT_AGE = Duration.hours(6);

    /** How long EventBridge keeps trying to start a scheduled reconcile run. */
    static final Duration RECONCILE_START_MAX_AGE = Duration.hours(1);

    private EventRules() {}

    static void create(
            Stack stack,
            ReplicationSettings settings,
            StatefulResources state,
            ReplicationBuild build,
            Alias enqueue,
            Alias completion,
            Alias sweep) {
        imageActionRule(stack, settings, enqueue, state.eventDeliveryDeadLetters());
        buildCompletionRule(stack, build, completion, state.eventDeliveryDeadLetters());
        sweepSchedule(stack, sweep);
    }

    private static void imageActionRule(Stack stack, ReplicationSettings settings, Alias enqueue, Queue deadLetters) {
        List<String> actions = settings.replicateDeletes() ? List.of("PUSH", "DELETE") : List.of("PUSH");
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("result", List.of("SUCCESS"));
        detail.put("action-type", actions);
        detail.put("repository-name", settings.repositories().eventPatternValues());
        Rule.Builder.create(stack, "ImageActionRule")
                .description("ECR image and referrer pushes and deletes of the replicated repositories")
                .eventPattern(EventPattern.builder()
                        .source(List.of(EcrImageActionEvents.SOURCE))
                        // ECR reports a manifest with an OCI 1.1 subject (a signature, an SBOM) as a referrer
                        // action, not an image action; both carry the same detail fields.
                        .detailType(EcrImageActionEvents.DETAIL_TYPES)
                        .detail(detail)
                        .build())
                .targets(List.of(lambdaTarget(enqueue, deadLetters)))
                .build();
    }

    private static void buildCompletionRule(Stack stack, ReplicationBuild build, Alias completion, Queue deadLetters) {
        Rule.Builder.create(stack, "BuildCompletionRule")
                .description("Final states of the replication build, reported to the waiting execution")
                .eventPattern(EventPattern.builder()
                        .source(List.of("aws.codebuild"))
                        .detailType(List.of("CodeBuild Build State Change"))
                        .detail(Map.of(
                                "project-name",
                                List.of(build.project().getProjectName()),
                                "build-status",
                                FINAL_BUILD_STATUSES))
                        .build())
                .targets(List.of(lambdaTarget(completion, deadLetters)))
                .build();
    }

    /**
     * The sweep runs every {@link #SWEEP_INTERVAL}. A run that fails or never starts is covered by the next
     * one, which looks at the same builds: nothing retries it (a retry would overlap the next run), nothing
     * keeps it for a replay, and an old tick waiting in Lambda's queue is dropped instead of piling up. The
     * Sweep errors alarm says when runs keep failing.
     */
    private static void sweepSchedule(Stack stack, Alias sweep) {
        sweep.configureAsyncInvoke(EventInvokeConfigOptions.builder()
                .retryAttempts(0)
                .maxEventAge(SWEEP_INTERVAL)
                .build());
        Rule.Builder.create(stack, "SweepSchedule")
                .description("Runs the sweep: finished builds whose completion never reached the waiting execution")
                .schedule(Schedule.rate(SWEEP_INTERVAL))
                .targets(List.of(new LambdaFunction(
                        sweep, LambdaFunctionProps.builder().retryAttempts(0).build())))
                .build();
    }

    /**
     * Starts the reconcile workflow with {@code {}} on the {@code reconcileSchedule}; no rule when it is {@code
     * off}. A scheduled rule and not EventBridge Scheduler, which some partitions' regions lack (decision 0068).
     * A start that still fails after a few retries is counted in the rule's FailedInvocations, which the
     * reconcile-failed alarm watches; the next scheduled run does the work.
     */
    static Optional<Rule> reconcileSchedule(Stack stack, ReplicationSettings settings, StateMachine reconcile) {
        if (settings.reconcileSchedule().isEmpty()) {
            return Optional.empty();
        }
        Role role = Role.Builder.create(stack, "ReconcileScheduleRole")
                .assumedBy(new ServicePrincipal("events.amazonaws.com"))
                .description("The reconcile schedule: starts the reconcile workflow")
                .build();
        Rule rule = Rule.Builder.create(stack, "ReconcileSchedule")
                .description("Starts the reconcile workflow: repairs whatever the events missed")
                .schedule(Schedule.expression(settings.reconcileSchedule().get()))
                .targets(List.of(SfnStateMachine.Builder.create(reconcile)
                        .input(RuleTargetInput.fromObject(Map.of()))
                        .role(role)
                        .retryAttempts(2)
                        .maxEventAge(RECONCILE_START_MAX_AGE)
                        .build()))
                .build();
        return Optional.of(rule);
    }

    private static LambdaFunction lambdaTarget(Alias alias, Queue deadLetters) {
        return new LambdaFunction(
                alias,
                LambdaFunctionProps.builder()
                        .deadLetterQueue(deadLetters)
                        .retryAttempts(8)
                        .maxEventAge(MAX_EVENT_AGE)
                        .build());
    }
}
