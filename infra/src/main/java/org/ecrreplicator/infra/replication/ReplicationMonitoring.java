package org.ecrreplicator.infra.replication;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.ecrreplicator.domain.contract.ReconcileMetrics;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Dashboard;
import software.amazon.awscdk.services.cloudwatch.GraphWidget;
import software.amazon.awscdk.services.cloudwatch.IMetric;
import software.amazon.awscdk.services.cloudwatch.MathExpression;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.MetricOptions;
import software.amazon.awscdk.services.cloudwatch.TextWidget;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.codebuild.Project;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.IFunction;
import software.amazon.awscdk.services.logs.FilterPattern;
import software.amazon.awscdk.services.logs.ILogGroup;
import software.amazon.awscdk.services.logs.MetricFilter;
import software.amazon.awscdk.services.sns.ITopic;
import software.amazon.awscdk.services.sns.Topic;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.stepfunctions.StateMachine;

/**
 * Alarms on whatever needs an operator (dead letters, failed executions, events lost in a function, rejected
 * events, a queue that is not drained, a function that fails or is throttled, a reconcile that failed or left
 * drift) and one dashboard. Every alarm is named {@code <stack>-<what>}, fires on a single occurrence (the queue's
 * age: on a threshold) and notifies the configured topic, when there is one, both when it fires and when it is
 * OK again; without a topic, synth warns.
 */
final class ReplicationMonitoring {
    /** The functions {@link #lostEventAlarms} covers: an error there can lose an event (decision 0060). */
    private static final Set<FunctionSpec> LOST_EVENT_FUNCTIONS =
            Set.of(FunctionSpec.ENQUEUE, FunctionSpec.COMPLETION, FunctionSpec.SWEEP);

    private static final MetricOptions SUM =
            MetricOptions.builder().statistic("Sum").period(Duration.minutes(5)).build();
    private static final MetricOptions MAX = MetricOptions.builder()
            .statistic("Maximum")
            .period(Duration.minutes(5))
            .build();

    /** A reconcile run publishes each metric once: the graphs show the largest value of each hour. */
    private static final Duration RECONCILE_GRAPH_PERIOD = Duration.hours(1);

    /** The drift alarm looks at a day: one scheduled run's worth with the default schedule. */
    static final Duration DRIFT_PERIOD = Duration.days(1);

    /**
     * Dispatch takes a message within seconds; a message older than this has waited through several of the
     * queue's visibility timeouts (6 x Dispatch's timeout each), so Dispatch is failing or throttled.
     */
    static final Duration QUEUE_AGE_THRESHOLD = Duration.minutes(15);

    /** The metric Enqueue's rejection lines are counted into (a metric filter on its log group). */
    static final String REJECTED_EVENTS_METRIC = "RejectedEvents";

    static final String NO_TOPIC_WARNING_ID = "ecr-replicator:noAlarmTopic";

    private final Stack stack;
    private final ITopic topic;

    private ReplicationMonitoring(Stack stack, ITopic topic) {
        this.stack = stack;
        this.topic = topic;
    }

    static void create(
            Stack stack,
            ReplicationSettings settings,
            StatefulResources state,
            ReplicationBuild build,
            StateMachine workflow,
            Map<FunctionSpec, Alias> functions,
            ILogGroup enqueueLogs,
            StateMachine reconcile,
            Optional<Rule> reconcileSchedule) {
        ITopic topic = settings.alarmTopicArn()
                .map(arn -> Topic.fromTopicArn(stack, "AlarmTopic", arn))
                .orElse(null);
        if (topic == null) {
            // Alarms without an action change state in the console only: nobody hears of a dead letter.
            Annotations.of(stack)
                    .addWarningV2(
                            NO_TOPIC_WARNING_ID,
                            "No alarmTopicArn is set for this environment in cdk.json: the alarms notify nobody."
                                    + " Set replication.alarmTopicArn to an SNS topic of "
                                    + settings.region() + " (docs/deploy.md).");
        }
        ReplicationMonitoring monitoring = new ReplicationMonitoring(stack, topic);
        monitoring.queueAndWorkflowAlarms(state, workflow);
        List<IMetric> lostEvents = monitoring.lostEventAlarms(state.invocationFailures(), functions);
        IMetric rejected = monitoring.rejectedEventsAlarm(enqueueLogs);
        List<IMetric> throttles = monitoring.functionAlarms(functions);
        monitoring.reconcileAlarms(reconcile, reconcileSchedule);
        Dashboard dashboard = monitoring.dashboard(settings, state, build.project(), workflow, lostEvents);
        monitoring.functionWidgets(dashboard, functions, rejected, throttles);
        monitoring.reconcileWidgets(dashboard, reconcile);
    }

    /** {@code <stack>-<what>}: the name an operator sees in the console and in the notification. */
    private String name(String what) {
        return stack.getStackName() + "-" + what;
    }

    /** {@code ReadSecret} -> {@code read-secret}. */
    static String kebab(String id) {
        return id.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /**
     * {@code <stack>-rejected-events}: Enqueue rejected an event as malformed or unsupported (its log line says
     * why); the event is not replicated and not retried. Enqueue's line is also an embedded-metric-format count by
     * function and reason, but those dimensions are the same in every stack of an account; the metric filter on
     * the stack's own log group gives this stack's count, in a namespace that names the stack because a metric
     * filter cannot set a constant dimension.
     */
    private IMetric rejectedEventsAlarm(ILogGroup enqueueLogs) {
        MetricFilter filter = MetricFilter.Builder.create(stack, "RejectedEventsFilter")
                .logGroup(enqueueLogs)
                .filterPattern(FilterPattern.numberValue("$." + REJECTED_EVENTS_METRIC, "=", 1))
                .metricNamespace(rejectedEventsNamespace(stack.getStackName()))
                .metricName(REJECTED_EVENTS_METRIC)
                .metricValue("1")
                .build();
        Metric rejected = filter.metric(SUM);
        alarm(
                "RejectedEventsAlarm",
                name("rejected-events"),
                "Enqueue rejected an ECR event: it will not be replicated. Its log line (\"event rejected\") names"
                        + " the reason; replicate the tag with replicator backfill once the cause is fixed",
                rejected);
        return rejected.with(MetricOptions.builder().label("Rejected events").build());
    }

    static String rejectedEventsNamespace(String stackName) {
        return "EcrReplicator/" + stackName;
    }

    /**
     * {@code <stack>-<function>-errors} for the functions not already alarmed for lost events, and {@code
     * <stack>-<function>-throttles} for every function: a throttled function delays replications (Dispatch,
     * the workflow's tasks) or, after Lambda's retries, loses an event to the invocation-failure queue.
     */
    private List<IMetric> functionAlarms(Map<FunctionSpec, Alias> functions) {
        List<IMetric> throttles = new ArrayList<>();
        for (Map.Entry<FunctionSpec, Alias> entry : functions.entrySet()) {
            FunctionSpec spec = entry.getKey();
            // The function's metric, not the alias's: it counts every invocation, whatever the qualifier.
            IFunction function = entry.getValue().getVersion().getLambda();
            if (!LOST_EVENT_FUNCTIONS.contains(spec)) {
                alarm(
                        spec.id() + "ErrorsAlarm",
                        name(kebab(spec.id()) + "-errors"),
                        "The " + spec.id() + " function failed (its log says why); its caller retries or fails: "
                                + (spec == FunctionSpec.DISPATCH
                                        ? "the message returns to the queue, then the dead-letter queue"
                                        : "the workflow's retries, then the execution fails"),
                        function.metricErrors(SUM));
            }
            Metric throttled = function.metricThrottles(SUM);
            alarm(
                    spec.id() + "ThrottlesAlarm",
                    name(kebab(spec.id()) + "-throttles"),
                    "The " + spec.id() + " function was throttled: the account's or region's Lambda concurrency is"
                            + " exhausted; raise the quota or find what else uses it",
                    throttled);
            throttles.add(
                    throttled.with(MetricOptions.builder().label(spec.id()).build()));
        }
        return throttles;
    }

    /** A row for the functions: errors of every function, throttles, and rejected events. */
    private void functionWidgets(
            Dashboard dashboard, Map<FunctionSpec, Alias> functions, IMetric rejected, List<IMetric> throttles) {
        List<IMetric> errors = new ArrayList<>();
        for (Map.Entry<FunctionSpec, Alias> entry : functions.entrySet()) {
            errors.add(entry.getValue()
                    .getVersion()
                    .getLambda()
                    .metricErrors(SUM)
                    .with(MetricOptions.builder().label(entry.getKey().id()).build()));
        }
        dashboard.addWidgets(
                graph("Function errors", errors),
                graph("Function throttles", throttles),
                graph("Rejected events", List.of(rejected)));
    }

    /** A reconcile metric of this stack (ReconcileMetrics: what RecordReconcile logs for each run). */
    private Metric reconcileMetric(String name, String statistic, Duration period) {
        return Metric.Builder.create()
                .namespace(ReconcileMetrics.NAMESPACE)
                .metricName(name)
                .dimensionsMap(Map.of(ReconcileMetrics.DIMENSION, stack.getStackName()))
                .statistic(statistic)
                .period(period)
                .build();
    }

    /**
     * {@code <stack>-reconcile-drift}: a run of the last day left drift (failed or deferred tags, extra tags kept,
     * failed shards); no run, no data, no alarm. {@code <stack>-reconcile-failed}: a run failed (a run that left
     * drift ends failed too) or timed out, or the schedule could not start one.
     */
    private void reconcileAlarms(StateMachine reconcile, Optional<Rule> schedule) {
        alarm(
                "ReconcileDriftAlarm",
                stack.getStackName() + "-reconcile-drift",
                "A reconcile run left drift: failed, deferred or extra tags, or failed shards; see replicator status"
                        + " and the run's RecordReconcile output, then start a run with replicator backfill",
                reconcileMetric(ReconcileMetrics.DRIFT_LEFT, "Maximum", DRIFT_PERIOD));
        Map<String, IMetric> failures = new LinkedHashMap<>();
        failures.put("failed", reconcile.metricFailed(SUM));
        failures.put("timedOut", reconcile.metricTimedOut(SUM));
        String expression = "FILL(failed, 0) + FILL(timedOut, 0)";
        if (schedule.isPresent()) {
            failures.put(
                    "notStarted",
                    Metric.Builder.create()
                            .namespace("AWS/Events")
                            .metricName("FailedInvocations")
                            .dimensionsMap(Map.of("RuleName", schedule.get().getRuleName()))
                            .statistic("Sum")
                            .period(Duration.minutes(5))
                            .build());
            expression += " + FILL(notStarted, 0)";
        }
        alarm(
                "ReconcileFailedAlarm",
                stack.getStackName() + "-reconcile-failed",
                "A reconcile run failed or timed out, or the schedule could not start one: inspect the execution"
                        + " of the reconcile workflow",
                MathExpression.Builder.create()
                        .expression(expression)
                        .usingMetrics(failures)
                        .period(Duration.minutes(5))
                        .label("Reconcile runs failed, timed out or not started")
                        .build());
    }

    /**
     * A row under the replication's: the runs, the tag counts of each run, and the bytes it sent beside those
     * the destination mounted from its other repositories (stored without being sent, so apart).
     */
    private void reconcileWidgets(Dashboard dashboard, StateMachine reconcile) {
        MetricOptions runs = MetricOptions.builder()
                .statistic("Sum")
                .period(RECONCILE_GRAPH_PERIOD)
                .build();
        List<IMetric> tags = new ArrayList<>();
        for (String name : ReconcileMetrics.ALL) {
            if (!name.equals(ReconcileMetrics.BYTES_COPIED) && !name.equals(ReconcileMetrics.BYTES_MOUNTED)) {
                tags.add(reconcileMetric(name, "Maximum", RECONCILE_GRAPH_PERIOD));
            }
        }
        dashboard.addWidgets(
                reconcileGraph(
                        "Reconcile runs",
                        List.of(
                                reconcile.metricStarted(runs),
                                reconcile.metricSucceeded(runs),
                                reconcile.metricFailed(runs),
                                reconcile.metricTimedOut(runs))),
                reconcileGraph("Reconcile: tags per run", tags),
                reconcileGraph(
                        "Reconcile: bytes sent and mounted per run",
                        List.of(
                                reconcileMetric(ReconcileMetrics.BYTES_COPIED, "Maximum", RECONCILE_GRAPH_PERIOD),
                                reconcileMetric(ReconcileMetrics.BYTES_MOUNTED, "Maximum", RECONCILE_GRAPH_PERIOD))));
    }

    private void queueAndWorkflowAlarms(StatefulResources state, StateMachine workflow) {
        alarm(
                "DeadLetterAlarm",
                name("dead-letters"),
                "Replication requests failed repeatedly and wait in the dead-letter queue",
                state.deadLetters().metricApproximateNumberOfMessagesVisible(MAX));
        alarm(
                "EventDeadLetterAlarm",
                name("event-dead-letters"),
                "EventBridge could not deliver ECR or CodeBuild events to a function",
                state.eventDeliveryDeadLetters().metricApproximateNumberOfMessagesVisible(MAX));
        alarm(
                "FailedExecutionsAlarm",
                name("failed-executions"),
                "Replication executions failed: inspect and redrive them in the console",
                workflow.metricFailed(SUM));
        alarm(
                "TimedOutExecutionsAlarm",
                name("timed-out-executions"),
                "Replication executions timed out",
                workflow.metricTimedOut(SUM));
        alarm(
                "QueueAgeAlarm",
                name("queue-age"),
                "A replication request has waited in the queue for more than "
                        + QUEUE_AGE_THRESHOLD.toMinutes()
                        + " minutes: Dispatch is failing or throttled (see its alarms and log)",
                state.queue().metricApproximateAgeOfOldestMessage(MAX),
                QUEUE_AGE_THRESHOLD.toSeconds());
    }

    /**
     * An alarm on the invocation-failure queue and on the errors of each function whose failure can lose an
     * event (decision 0060); their metrics, for the dashboard's "Lost events" graph.
     */
    private List<IMetric> lostEventAlarms(Queue invocationFailures, Map<FunctionSpec, Alias> functions) {
        alarm(
                "InvocationFailureAlarm",
                name("invocation-failures"),
                "Enqueue or Completion failed on an event after Lambda's retries: replay it from the"
                        + " invocation-failure queue (docs/deploy.md)",
                invocationFailures.metricApproximateNumberOfMessagesVisible(MAX));
        List<IMetric> lostEvents = new ArrayList<>();
        lostEvents.add(invocationFailures
                .metricApproximateNumberOfMessagesVisible(MAX)
                .with(MetricOptions.builder().label("Invocation failures").build()));
        Map<FunctionSpec, String> errorAlarms = new LinkedHashMap<>();
        for (FunctionSpec spec : ReplicationFunctions.EVENT_FUNCTIONS) {
            errorAlarms.put(
                    spec,
                    "The " + spec.id() + " function failed on an event; Lambda retries it, then the event goes to"
                            + " the invocation-failure queue");
        }
        errorAlarms.put(
                FunctionSpec.SWEEP,
                "The Sweep function failed; the next run tries again, and until one succeeds a build whose"
                        + " completion event was lost is not reported to its execution");
        for (Map.Entry<FunctionSpec, String> entry : errorAlarms.entrySet()) {
            FunctionSpec spec = entry.getKey();
            // The function's metric, not the alias's: it counts every invocation, whatever the qualifier.
            Metric errors = functions.get(spec).getVersion().getLambda().metricErrors(SUM);
            alarm(spec.id() + "ErrorsAlarm", name(kebab(spec.id()) + "-errors"), entry.getValue(), errors);
            lostEvents.add(errors.with(
                    MetricOptions.builder().label(spec.id() + " errors").build()));
        }
        return lostEvents;
    }

    private Dashboard dashboard(
            ReplicationSettings settings,
            StatefulResources state,
            Project project,
            StateMachine workflow,
            List<IMetric> lostEvents) {
        Dashboard dashboard = Dashboard.Builder.create(stack, "Dashboard")
                .dashboardName(settings.resourceName())
                .build();
        dashboard.addWidgets(TextWidget.Builder.create()
                .markdown("# ECR replication (" + settings.environment() + ")\n" + settings.region() + " -> "
                        + settings.destinationRegion())
                .width(24)
                .height(2)
                .build());
        dashboard.addWidgets(
                graph("Replications", List.of(workflow.metricStarted(SUM), workflow.metricSucceeded(SUM))),
                graph(
                        "Failures",
                        List.of(
                                workflow.metricFailed(SUM),
                                workflow.metricTimedOut(SUM),
                                state.deadLetters().metricApproximateNumberOfMessagesVisible(MAX),
                                state.eventDeliveryDeadLetters().metricApproximateNumberOfMessagesVisible(MAX))));
        Queue queue = state.queue();
        dashboard.addWidgets(
                graph(
                        "Queue depth",
                        List.of(
                                queue.metricApproximateNumberOfMessagesVisible(MAX),
                                queue.metricApproximateNumberOfMessagesNotVisible(MAX))),
                graph("Age of the oldest message (s)", List.of(queue.metricApproximateAgeOfOldestMessage(MAX))),
                graph(
                        "Build duration (s)",
                        List.of(
                                project.metricDuration(MetricOptions.builder()
                                        .statistic("Average")
                                        .period(Duration.minutes(5))
                                        .build()),
                                project.metricDuration(MAX),
                                project.metricFailedBuilds(SUM))));
        dashboard.addWidgets(graph("Lost events", lostEvents));
        return dashboard;
    }

    private void alarm(String id, String name, String description, IMetric metric) {
        alarm(id, name, description, metric, 0);
    }

    /** Fires when the metric exceeds the threshold; OK actions too, so the topic hears when it is over. */
    private void alarm(String id, String name, String description, IMetric metric, Number threshold) {
        Alarm alarm = Alarm.Builder.create(stack, id)
                .alarmName(name)
                .alarmDescription(description)
                .metric(metric)
                .threshold(threshold)
                .comparisonOperator(ComparisonOperator.GREATER_THAN_THRESHOLD)
                .evaluationPeriods(1)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
        if (topic != null) {
            SnsAction action = new SnsAction(topic);
            alarm.addAlarmAction(action);
            alarm.addOkAction(action);
        }
    }

    /** Two weeks, whatever the dashboard's range: a daily run is a dot a day. */
    private static GraphWidget reconcileGraph(String title, List<? extends IMetric> metrics) {
        return GraphWidget.Builder.create()
                .title(title)
                .left(List.copyOf(metrics))
                .start("-P14D")
                .width(8)
                .height(6)
                .build();
    }

    private static GraphWidget graph(String title, List<? extends IMetric> metrics) {
        return GraphWidget.Builder.create()
                .title(title)
                .left(List.copyOf(metrics))
                .width(8)
                .height(6)
                .build();
    }
}
