package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.infra.ReplicationStacks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.SynthesisMessage;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;

/** cdk-nag's AwsSolutions pack on both stacks of each environment: nothing unsuppressed, nothing stack-wide. */
// Annotations.find* returns cxapi.SynthesisMessage, deprecated in aws-cdk-lib 2.263 with no replacement type.
@SuppressWarnings("deprecation")
class NagTest {
    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldHaveNoUnsuppressedAwsSolutionsFindingsWhenSynthesized(String environment) {
        ReplicationStacks.Defined defined = TestApps.define(environment);
        for (Stack stack : List.of(defined.replication(), defined.destinationAccess())) {
            Template template = Template.fromStack(stack);
            List<String> findings = new ArrayList<>();
            Annotations annotations = Annotations.fromStack(stack);
            for (SynthesisMessage message : annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))) {
                findings.add(
                        "ERROR " + message.getId() + ": " + message.getEntry().getData());
            }
            for (SynthesisMessage message : annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))) {
                findings.add(
                        "WARNING " + message.getId() + ": " + message.getEntry().getData());
            }
            assertThat(findings).as(stack.getStackName()).isEmpty();
            assertSuppressionsAreScopedAndExplained(stack.getStackName(), template);
        }
    }

    @Test
    void shouldStillReportAWildcardTheSuppressionsDoNotNameWhenOneIsAdded() {
        ReplicationStacks.Defined defined =
                TestApps.define("dev", replication -> replication.put("account", "111122223333"));
        Role buildRole = (Role) defined.replication().getNode().findChild("BuildRole");
        buildRole.addToPolicy(PolicyStatement.Builder.create()
                .actions(List.of("s3:*"))
                .resources(List.of("arn:aws:s3:::some-bucket"))
                .build());
        Template.fromStack(defined.replication());

        List<String> errors =
                Annotations.fromStack(defined.replication())
                        .findError("*", Match.stringLikeRegexp("AwsSolutions-IAM5.*"))
                        .stream()
                        .map(message -> String.valueOf(message.getEntry().getData()))
                        .toList();
        assertThat(errors)
                .as("a new wildcard action is not covered by the listed evidence")
                .anySatisfy(error -> assertThat(error).contains("Action::s3:*"));
        assertThat(
                        Annotations.fromStack(defined.replication())
                                .findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))
                                .stream()
                                .map(message ->
                                        String.valueOf(message.getEntry().getData())))
                .as("only the added wildcard is reported; the configured account does not break the evidence")
                .allSatisfy(error -> assertThat(error).contains("Action::s3:*"));
    }

    @SuppressWarnings("unchecked")
    private static void assertSuppressionsAreScopedAndExplained(String stackName, Template template) {
        Map<String, Object> json = template.toJSON();
        Object stackMetadata = json.get("Metadata");
        assertThat(stackMetadata == null ? "" : stackMetadata.toString())
                .as(stackName + ": no stack-wide suppression")
                .doesNotContain("cdk_nag");
        Map<String, Map<String, Object>> resources = (Map<String, Map<String, Object>>) json.get("Resources");
        int suppressions = 0;
        for (Map.Entry<String, Map<String, Object>> resource : resources.entrySet()) {
            Map<String, Object> metadata =
                    (Map<String, Object>) resource.getValue().get("Metadata");
            if (metadata == null || !metadata.containsKey("cdk_nag")) {
                continue;
            }
            List<Map<String, Object>> rules = (List<Map<String, Object>>)
                    ((Map<String, Object>) metadata.get("cdk_nag")).get("rules_to_suppress");
            for (Map<String, Object> rule : rules) {
                suppressions++;
                assertThat(String.valueOf(rule.get("reason")))
                        .as(resource.getKey() + " " + rule.get("id"))
                        .hasSizeGreaterThan(40);
            }
        }
        assertThat(suppressions).as(stackName + " suppressions").isGreaterThan(0);
    }
}
