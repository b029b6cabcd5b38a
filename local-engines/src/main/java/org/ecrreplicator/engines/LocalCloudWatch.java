package org.ecrreplicator.engines;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ecrreplicator.engines.AwsQueryEndpoint.QueryError;
import org.ecrreplicator.engines.AwsQueryEndpoint.Xml;

/**
 * A loopback stand-in for CloudWatch's alarms: {@code DescribeAlarms}, {@code EnableAlarmActions} and {@code
 * DisableAlarmActions}. The SDK's CloudWatch client (2.40) speaks the AWS Query protocol ({@link
 * AwsQueryEndpoint}, version {@code 2010-08-01}, namespace {@code http://monitoring.amazonaws.com/doc/2010-08-01/}),
 * so this does too, with the real parameters ({@code AlarmNames.member.N}, {@code AlarmNamePrefix}, {@code
 * AlarmTypes.member.N}, {@code StateValue}, {@code ActionPrefix}, {@code MaxRecords}, {@code NextToken}), the
 * real defaults (without {@code AlarmTypes} only metric alarms are described; 50 a page) and error codes. Alarms
 * are put in by the caller; there are no metrics and nothing evaluates them.
 */
public final class LocalCloudWatch implements AutoCloseable {
    private static final String NAMESPACE = "http://monitoring.amazonaws.com/doc/2010-08-01/";
    private static final int DEFAULT_PAGE = 50;
    private static final int MAX_PAGE = 100;

    /**
     * A metric alarm with what {@code DescribeAlarms} says of it.
     *
     * @param alarmActions what the alarm notifies in ALARM (SNS topic ARNs, usually)
     * @param state {@code OK}, {@code ALARM} or {@code INSUFFICIENT_DATA}
     */
    public record Alarm(
            String name,
            String description,
            boolean actionsEnabled,
            List<String> alarmActions,
            String state,
            String namespace,
            String metricName) {
        public Alarm {
            alarmActions = List.copyOf(alarmActions);
        }

        /** An alarm in {@code OK} on an SQS queue's visible messages, notifying {@code topics}. */
        public static Alarm of(String name, List<String> topics) {
            return new Alarm(name, "an alarm", true, topics, "OK", "AWS/SQS", "ApproximateNumberOfMessagesVisible");
        }

        public Alarm withState(String value) {
            return new Alarm(name, description, actionsEnabled, alarmActions, value, namespace, metricName);
        }

        Alarm withActionsEnabled(boolean value) {
            return new Alarm(name, description, value, alarmActions, state, namespace, metricName);
        }
    }

    private final String region;
    private final String accountId;
    private final AwsQueryEndpoint endpoint;
    private final Map<String, Alarm> alarms = new ConcurrentHashMap<>();
    private final Instant created = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    public LocalCloudWatch(String region, String accountId) {
        this.region = region;
        this.accountId = accountId;
        this.endpoint = new AwsQueryEndpoint("cloudwatch", NAMESPACE, "2010-08-01")
                .on("DescribeAlarms", this::describeAlarms)
                .on("EnableAlarmActions", (form, xml) -> actionsEnabled(form, true))
                .on("DisableAlarmActions", (form, xml) -> actionsEnabled(form, false));
    }

    /** The endpoint to give a client, e.g. through {@code AWS_ENDPOINT_URL_CLOUDWATCH}. */
    public URI endpoint() {
        return endpoint.endpoint();
    }

    /** Creates or replaces the alarm, as {@code PutMetricAlarm} does. */
    public void putAlarm(Alarm alarm) {
        alarms.put(alarm.name(), alarm);
    }

    public Alarm alarm(String name) {
        return alarms.get(name);
    }

    /** The form parameters of every request received. */
    public List<Map<String, String>> requests() {
        return endpoint.requests();
    }

    public String arn(String name) {
        return "arn:aws:cloudwatch:" + region + ":" + accountId + ":alarm:" + name;
    }

    private void describeAlarms(Map<String, String> form, Xml xml) {
        List<String> names = AwsQueryEndpoint.members(form, "AlarmNames");
        String prefix = form.get("AlarmNamePrefix");
        if (!names.isEmpty() && prefix != null) {
            throw new QueryError(
                    "InvalidParameterCombination",
                    "AlarmNamePrefix and AlarmNames cannot be specified in the same request.");
        }
        if (names.size() > MAX_PAGE) {
            throw new QueryError(
                    "ValidationError",
                    "1 validation error detected: Value at 'alarmNames' failed to satisfy constraint: Member must have"
                            + " length less than or equal to 100");
        }
        int size = DEFAULT_PAGE;
        if (form.containsKey("MaxRecords")) {
            try {
                size = Integer.parseInt(form.get("MaxRecords"));
            } catch (NumberFormatException e) {
                size = 0;
            }
            if (size < 1 || size > MAX_PAGE) {
                throw new QueryError(
                        "ValidationError",
                        "1 validation error detected: Value '" + form.get("MaxRecords") + "' at 'maxRecords' failed to"
                                + " satisfy constraint: Member must have value less than or equal to 100");
            }
        }
        List<String> types = AwsQueryEndpoint.members(form, "AlarmTypes");
        for (String type : types) {
            if (!type.equals("MetricAlarm") && !type.equals("CompositeAlarm")) {
                throw new QueryError(
                        "ValidationError",
                        "1 validation error detected: Value '[" + type + "]' at 'alarmTypes' failed to satisfy"
                                + " constraint: Member must satisfy enum value set: [CompositeAlarm, MetricAlarm]");
            }
        }
        // Without AlarmTypes only metric alarms are described, even when composite alarms exist.
        boolean metric = types.isEmpty() || types.contains("MetricAlarm");
        String state = form.get("StateValue");
        String actionPrefix = form.get("ActionPrefix");
        List<Alarm> matching = alarms.values().stream()
                .filter(alarm -> names.isEmpty() || names.contains(alarm.name()))
                .filter(alarm -> prefix == null || alarm.name().startsWith(prefix))
                .filter(alarm -> state == null || state.equals(alarm.state()))
                .filter(alarm -> actionPrefix == null
                        || alarm.alarmActions().stream().anyMatch(action -> action.startsWith(actionPrefix)))
                .filter(alarm -> metric)
                .sorted(Comparator.comparing(Alarm::name))
                .toList();
        int from = from(form.get("NextToken"), matching.size());
        int to = Math.min(matching.size(), from + size);
        xml.open("MetricAlarms");
        for (Alarm alarm : matching.subList(from, to)) {
            xml.open("member")
                    .element("AlarmName", alarm.name())
                    .element("AlarmArn", arn(alarm.name()))
                    .element("AlarmDescription", alarm.description())
                    .element("AlarmConfigurationUpdatedTimestamp", created)
                    .element("ActionsEnabled", alarm.actionsEnabled())
                    .members("OKActions", List.of())
                    .members("AlarmActions", alarm.alarmActions())
                    .members("InsufficientDataActions", List.of())
                    .element("StateValue", alarm.state())
                    .element("StateReason", "Threshold Crossed: no datapoints were received")
                    .element("StateUpdatedTimestamp", created)
                    .element("MetricName", alarm.metricName())
                    .element("Namespace", alarm.namespace())
                    .element("Statistic", "Maximum")
                    .open("Dimensions")
                    .close("Dimensions")
                    .element("Period", 300)
                    .element("EvaluationPeriods", 1)
                    .element("Threshold", 0.0)
                    .element("ComparisonOperator", "GreaterThanThreshold")
                    .element("TreatMissingData", "notBreaching")
                    .element("StateTransitionedTimestamp", created)
                    .close("member");
        }
        xml.close("MetricAlarms");
        // No composite alarms here: the list is empty when asked for, absent otherwise.
        if (types.contains("CompositeAlarm")) {
            xml.open("CompositeAlarms").close("CompositeAlarms");
        }
        if (to < matching.size()) {
            xml.element(
                    "NextToken", Base64.getEncoder().encodeToString(("alarms:" + to).getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static int from(String token, int total) {
        if (token == null) {
            return 0;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8);
            if (!decoded.startsWith("alarms:")) {
                throw new IllegalArgumentException(decoded);
            }
            return Math.min(total, Math.max(0, Integer.parseInt(decoded.substring("alarms:".length()))));
        } catch (IllegalArgumentException e) {
            throw new QueryError(
                    "InvalidNextToken",
                    "The service couldn't process your request because of an invalid" + " NextToken.");
        }
    }

    /** Unknown names are ignored, as the real API does. */
    private void actionsEnabled(Map<String, String> form, boolean enabled) {
        List<String> names = AwsQueryEndpoint.members(form, "AlarmNames");
        if (names.isEmpty()) {
            throw new QueryError(
                    "ValidationError",
                    "1 validation error detected: Value null at 'alarmNames' failed to satisfy constraint: Member"
                            + " must not be null");
        }
        for (String name : names) {
            alarms.computeIfPresent(name, (key, alarm) -> alarm.withActionsEnabled(enabled));
        }
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
