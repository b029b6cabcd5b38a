package org.ecrreplicator.engines;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.ecrreplicator.engines.AwsQueryEndpoint.QueryError;
import org.ecrreplicator.engines.AwsQueryEndpoint.Xml;

/**
 * A loopback stand-in for CloudFormation's {@code DescribeStacks} and {@code ListStackResources}, so that operator
 * commands find a local deployment exactly as they find a deployed one. CloudFormation speaks the AWS Query
 * protocol ({@link AwsQueryEndpoint}, version {@code 2010-05-15}); an unknown stack is HTTP 400 with the code
 * {@code ValidationError}, which the unmodified SDK client maps to {@code CloudFormationException}. Nothing else
 * of CloudFormation is here: stacks are put in by the caller with their status, outputs and resources.
 */
public final class LocalCloudFormation implements AutoCloseable {
    private static final String NAMESPACE = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
    /** Resource summaries per {@code ListStackResources} page. */
    static final int RESOURCE_PAGE = 100;

    /**
     * A resource of a stack as {@code ListStackResources} summarizes it.
     *
     * @param physicalId what {@code Ref} gives for it: an alarm's or a rule's name, a queue's URL
     * @param type e.g. {@code AWS::CloudWatch::Alarm}
     */
    public record Resource(String logicalId, String physicalId, String type) {}

    private record Stack(
            String name,
            String id,
            Instant created,
            String status,
            Map<String, String> outputs,
            List<Resource> resources) {
        Stack withStatus(String value) {
            return new Stack(name, id, created, value, outputs, resources);
        }
    }

    private final String region;
    private final String accountId;
    private final AwsQueryEndpoint endpoint;
    private final Map<String, Stack> byName = new ConcurrentHashMap<>();

    public LocalCloudFormation(String region, String accountId) {
        this.region = region;
        this.accountId = accountId;
        this.endpoint = new AwsQueryEndpoint("cloudformation", NAMESPACE, "2010-05-15")
                .on("DescribeStacks", this::describeStacks)
                .on("ListStackResources", this::listStackResources);
    }

    /** The endpoint to give a client, e.g. through {@code AWS_ENDPOINT_URL_CLOUDFORMATION}. */
    public URI endpoint() {
        return endpoint.endpoint();
    }

    /** Creates or replaces the stack {@code name} in state {@code CREATE_COMPLETE}; returns its stack id. */
    public String putStack(String name, Map<String, String> outputs) {
        return putStack(name, outputs, List.of());
    }

    /** Creates or replaces the stack {@code name}, with these resources, in state {@code CREATE_COMPLETE}. */
    public String putStack(String name, Map<String, String> outputs, List<Resource> resources) {
        Stack stack = new Stack(
                name,
                "arn:aws:cloudformation:" + region + ":" + accountId + ":stack/" + name + "/" + UUID.randomUUID(),
                Instant.now().truncatedTo(ChronoUnit.MILLIS),
                "CREATE_COMPLETE",
                Map.copyOf(new LinkedHashMap<>(outputs)),
                List.copyOf(resources));
        byName.put(name, stack);
        return stack.id();
    }

    /** Sets the stack's status, e.g. {@code UPDATE_ROLLBACK_FAILED}, as a failed update leaves it. */
    public void stackStatus(String name, String status) {
        byName.computeIfPresent(name, (key, stack) -> stack.withStatus(status));
    }

    /** The form parameters of every request received, for tests that assert what a client sent. */
    public List<Map<String, String>> requests() {
        return endpoint.requests();
    }

    private Stack find(String wanted) {
        // A stack is named by its name or by its stack id, as the real API accepts.
        return byName.values().stream()
                .filter(stack -> stack.name().equals(wanted) || stack.id().equals(wanted))
                .findFirst()
                .orElseThrow(() -> new QueryError("ValidationError", "Stack with id " + wanted + " does not exist"));
    }

    private void describeStacks(Map<String, String> form, Xml xml) {
        String wanted = form.get("StackName");
        List<Stack> stacks = wanted == null ? new ArrayList<>(byName.values()) : List.of(find(wanted));
        xml.open("Stacks");
        for (Stack stack : stacks) {
            xml.open("member")
                    .element("StackName", stack.name())
                    .element("StackId", stack.id())
                    .element("CreationTime", stack.created())
                    .element("StackStatus", stack.status())
                    .element("DisableRollback", "false")
                    .open("Outputs");
            stack.outputs().forEach((key, value) -> xml.open("member")
                    .element("OutputKey", key)
                    .element("OutputValue", value)
                    .close("member"));
            xml.close("Outputs").close("member");
        }
        xml.close("Stacks");
    }

    /** The stack's resources in the order they were put, {@value #RESOURCE_PAGE} a page, with {@code NextToken}. */
    private void listStackResources(Map<String, String> form, Xml xml) {
        String wanted = form.get("StackName");
        if (wanted == null) {
            throw new QueryError(
                    "ValidationError",
                    "1 validation error detected: Value null at 'stackName' failed to satisfy constraint: Member must"
                            + " not be null");
        }
        Stack stack = find(wanted);
        int from = 0;
        String token = form.get("NextToken");
        if (token != null) {
            try {
                from = Integer.parseInt(new String(Base64.getDecoder().decode(token), StandardCharsets.UTF_8));
            } catch (IllegalArgumentException e) {
                throw new QueryError("ValidationError", "Invalid NextToken");
            }
        }
        List<Resource> resources = stack.resources();
        int to = Math.min(resources.size(), Math.max(from, 0) + RESOURCE_PAGE);
        xml.open("StackResourceSummaries");
        for (Resource resource : resources.subList(Math.min(Math.max(from, 0), to), to)) {
            xml.open("member")
                    .element("LogicalResourceId", resource.logicalId())
                    .element("PhysicalResourceId", resource.physicalId())
                    .element("ResourceType", resource.type())
                    .element("LastUpdatedTimestamp", stack.created())
                    .element("ResourceStatus", "CREATE_COMPLETE")
                    .open("DriftInformation")
                    .element("StackResourceDriftStatus", "NOT_CHECKED")
                    .close("DriftInformation")
                    .close("member");
        }
        xml.close("StackResourceSummaries");
        if (to < resources.size()) {
            xml.element(
                    "NextToken",
                    Base64.getEncoder().encodeToString(Integer.toString(to).getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
