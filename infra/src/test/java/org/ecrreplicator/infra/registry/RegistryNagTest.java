package org.ecrreplicator.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.ecrreplicator.infra.RegistryStacks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

// Annotations.find* returns cxapi.SynthesisMessage, deprecated in aws-cdk-lib 2.263 with no replacement type.
@SuppressWarnings("deprecation")
class RegistryNagTest {
    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldLeaveNoUnsuppressedFindingWhenCheckingBothStacks(String env) {
        RegistryStacks.Registry registry = RegistryFixture.stacks(env);

        for (Stack stack : List.of(registry.network(), registry.service())) {
            Annotations annotations = Annotations.fromStack(stack);

            assertThat(annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*")))
                    .as(stack.getStackName() + " errors")
                    .extracting(m -> m.getId() + " " + m.getEntry().getData())
                    .isEmpty();
            assertThat(annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*")))
                    .as(stack.getStackName() + " warnings")
                    .extracting(m -> m.getId() + " " + m.getEntry().getData())
                    .isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldScopeEachSuppressionToOneResourceWhenSuppressing(String env) {
        RegistryStacks.Registry registry = RegistryFixture.stacks(env);
        String bucketObjects = "Resource::arn:aws:s3:::" + registry.settings().bucket() + "/*";

        assertThat(suppressions(registry.network()))
                .containsExactlyInAnyOrder("AWS::IAM::Role AwsSolutions-IAM4"
                        + " [Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]");
        assertThat(suppressions(registry.service()))
                .containsExactlyInAnyOrder(
                        "AWS::ECS::TaskDefinition AwsSolutions-ECS2 []",
                        "AWS::IAM::Policy AwsSolutions-IAM5 [" + bucketObjects + "]",
                        "AWS::IAM::Policy AwsSolutions-IAM5 [Resource::*]",
                        "AWS::SecretsManager::Secret AwsSolutions-SMG4 []",
                        "AWS::SecretsManager::Secret AwsSolutions-SMG4 []",
                        "AWS::EC2::SecurityGroup AwsSolutions-EC23 []",
                        "AWS::S3::Bucket AwsSolutions-S1 []");
    }

    /** "type rule [appliesTo...]" for every cdk-nag suppression in the template, one per resource and rule. */
    private static List<String> suppressions(Stack stack) {
        JsonNode resources = new ObjectMapper()
                .valueToTree(Template.fromStack(stack).toJSON())
                .path("Resources");
        List<String> found = new ArrayList<>();
        resources.forEach(resource -> resource.path("Metadata")
                .path("cdk_nag")
                .path("rules_to_suppress")
                .forEach(rule -> {
                    List<String> appliesTo = new ArrayList<>();
                    rule.path("applies_to").forEach(item -> appliesTo.add(item.asText()));
                    assertThat(rule.path("reason").asText()).hasSizeGreaterThan(40);
                    found.add(resource.path("Type").asText() + " "
                            + rule.path("id").asText() + " " + appliesTo);
                }));
        return found;
    }
}
