package org.ecrreplicator.infra.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.assertions.Template;

/** Reads a synthesized template as plain maps, to assert on IAM statements and cross-references. */
final class Templates {
    private Templates() {}

    @SuppressWarnings("unchecked")
    static Map<String, Map<String, Object>> resources(Template template) {
        return (Map<String, Map<String, Object>>)
                (Map<String, ?>) template.toJSON().get("Resources");
    }

    /** The one resource of this type whose logical id starts with the construct id. */
    static String logicalId(Map<String, Map<String, Object>> resources, String type, String constructId) {
        List<String> ids = resources.entrySet().stream()
                .filter(e -> type.equals(e.getValue().get("Type")))
                .map(Map.Entry::getKey)
                .filter(id -> id.startsWith(constructId))
                .toList();
        if (ids.size() != 1) {
            throw new AssertionError("expected one " + type + " named " + constructId + "*, found " + ids);
        }
        return ids.get(0);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> properties(Map<String, Map<String, Object>> resources, String logicalId) {
        return (Map<String, Object>) resources.get(logicalId).get("Properties");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> environment(Map<String, Map<String, Object>> resources, FunctionSpec spec) {
        Map<String, Object> function =
                properties(resources, logicalId(resources, "AWS::Lambda::Function", spec.id() + "Function"));
        Map<String, Object> environment = (Map<String, Object>) function.get("Environment");
        return environment == null ? Map.of() : (Map<String, Object>) environment.get("Variables");
    }

    /**
     * Every statement of every policy attached to the role (or user) with this logical id: the inline policies
     * that name it, and the stack's managed policies it names.
     */
    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> statementsOf(Map<String, Map<String, Object>> resources, String principalId) {
        List<Map<String, Object>> statements = new ArrayList<>();
        Map<String, Object> principal = properties(resources, principalId);
        for (Object arn : asList(principal == null ? null : principal.get("ManagedPolicyArns"))) {
            statements.addAll(managedPolicyStatements(resources, arn));
        }
        for (Map<String, Object> resource : resources.values()) {
            if (!"AWS::IAM::Policy".equals(resource.get("Type"))) {
                continue;
            }
            Map<String, Object> properties = (Map<String, Object>) resource.get("Properties");
            List<Object> attached = new ArrayList<>(asList(properties.get("Roles")));
            attached.addAll(asList(properties.get("Users")));
            if (attached.contains(Map.of("Ref", principalId))) {
                Map<String, Object> document = (Map<String, Object>) properties.get("PolicyDocument");
                for (Object statement : asList(document.get("Statement"))) {
                    statements.add((Map<String, Object>) statement);
                }
            }
        }
        return statements;
    }

    /** The statements of the role's (or user's) permissions boundary, a managed policy of this stack. */
    static List<Map<String, Object>> boundaryStatementsOf(
            Map<String, Map<String, Object>> resources, String principalId) {
        Object boundary = properties(resources, principalId).get("PermissionsBoundary");
        if (boundary == null) {
            throw new AssertionError(principalId + " has no permissions boundary");
        }
        return managedPolicyStatements(resources, boundary);
    }

    /** The statements of the managed policy a {@code {"Ref": id}} names. */
    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> managedPolicyStatements(
            Map<String, Map<String, Object>> resources, Object reference) {
        if (!(reference instanceof Map<?, ?> ref) || !(ref.get("Ref") instanceof String id)) {
            throw new AssertionError("not a reference to a managed policy of this stack: " + reference);
        }
        Map<String, Object> policy = resources.get(id);
        if (policy == null || !"AWS::IAM::ManagedPolicy".equals(policy.get("Type"))) {
            throw new AssertionError(id + " is not an AWS::IAM::ManagedPolicy");
        }
        Map<String, Object> document =
                (Map<String, Object>) ((Map<String, Object>) policy.get("Properties")).get("PolicyDocument");
        List<Map<String, Object>> statements = new ArrayList<>();
        for (Object statement : asList(document.get("Statement"))) {
            statements.add((Map<String, Object>) statement);
        }
        return statements;
    }

    static List<Object> resourcesFor(List<Map<String, Object>> statements, String action) {
        List<Object> result = new ArrayList<>();
        for (Map<String, Object> statement : statements) {
            if (asList(statement.get("Action")).contains(action)) {
                result.addAll(asList(statement.get("Resource")));
            }
        }
        return result;
    }

    static List<String> actions(List<Map<String, Object>> statements) {
        return statements.stream()
                .flatMap(statement -> asList(statement.get("Action")).stream())
                .map(String::valueOf)
                .toList();
    }

    static List<Object> asList(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof List<?> list) {
            return new ArrayList<>(list);
        }
        return List.of(value);
    }
}
