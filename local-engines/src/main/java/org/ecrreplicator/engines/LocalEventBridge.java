package org.ecrreplicator.engines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ecrreplicator.engines.AwsJsonEndpoint.AwsError;
import org.ecrreplicator.engines.AwsJsonEndpoint.Call;

/**
 * A loopback stand-in for EventBridge's rules on the default event bus: {@code DescribeRule}, {@code EnableRule}
 * and {@code DisableRule} on the AWS JSON 1.1 protocol with EventBridge's target prefix {@code AWSEvents}, its
 * shapes and error codes ({@code ResourceNotFoundException} for an unknown rule, {@code ValidationException} for
 * a request without a name). Rules are put in by the caller; nothing matches or delivers events.
 */
public final class LocalEventBridge implements AutoCloseable {
    public static final String TARGET_PREFIX = "AWSEvents";
    private static final String DEFAULT_BUS = "default";

    /**
     * A rule as {@code DescribeRule} shows it: exactly one of {@code eventPattern} and {@code scheduleExpression}.
     *
     * @param state {@code ENABLED}, {@code DISABLED} or {@code ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS}
     */
    public record Rule(String name, String description, String eventPattern, String scheduleExpression, String state) {
        public static Rule forEvents(String name, String eventPattern) {
            return new Rule(name, "a rule", eventPattern, null, "ENABLED");
        }

        public static Rule onSchedule(String name, String scheduleExpression) {
            return new Rule(name, "a schedule", null, scheduleExpression, "ENABLED");
        }

        public Rule withState(String value) {
            return new Rule(name, description, eventPattern, scheduleExpression, value);
        }
    }

    private final String region;
    private final String accountId;
    private final AwsJsonEndpoint endpoint = new AwsJsonEndpoint(TARGET_PREFIX, "1.1");
    private final Map<String, Rule> rules = new ConcurrentHashMap<>();

    public LocalEventBridge(String region, String accountId) {
        this.region = region;
        this.accountId = accountId;
        endpoint.on("DescribeRule", this::describeRule)
                .on("EnableRule", request -> state(request, "ENABLED"))
                .on("DisableRule", request -> state(request, "DISABLED"));
    }

    /** The endpoint to give a client, e.g. through {@code AWS_ENDPOINT_URL_EVENTBRIDGE}. */
    public URI endpoint() {
        return endpoint.endpoint();
    }

    /** Creates or replaces the rule on the default bus, as {@code PutRule} does. */
    public void putRule(Rule rule) {
        rules.put(rule.name(), rule);
    }

    public Rule rule(String name) {
        return rules.get(name);
    }

    public List<Call> calls() {
        return endpoint.calls();
    }

    public String arn(String name) {
        return "arn:aws:events:" + region + ":" + accountId + ":rule/" + name;
    }

    private Rule find(JsonNode request) {
        JsonNode name = request.get("Name");
        if (name == null || name.isNull() || name.asText().isEmpty()) {
            throw new AwsError(
                    "ValidationException",
                    "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not"
                            + " be null");
        }
        String bus = request.path("EventBusName").asText(DEFAULT_BUS);
        Rule rule = DEFAULT_BUS.equals(bus) || bus.endsWith(":event-bus/default") ? rules.get(name.asText()) : null;
        if (rule == null) {
            throw new AwsError(
                    "ResourceNotFoundException", "Rule " + name.asText() + " does not exist on EventBus " + bus + ".");
        }
        return rule;
    }

    private JsonNode describeRule(JsonNode request) {
        Rule rule = find(request);
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        response.put("Name", rule.name());
        response.put("Arn", arn(rule.name()));
        if (rule.eventPattern() != null) {
            response.put("EventPattern", rule.eventPattern());
        }
        if (rule.scheduleExpression() != null) {
            response.put("ScheduleExpression", rule.scheduleExpression());
        }
        response.put("State", rule.state());
        response.put("Description", rule.description());
        response.put("EventBusName", DEFAULT_BUS);
        response.put("CreatedBy", accountId);
        return response;
    }

    private JsonNode state(JsonNode request, String state) {
        Rule rule = find(request);
        rules.put(rule.name(), rule.withState(state));
        return AwsJsonEndpoint.mapper().createObjectNode();
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
