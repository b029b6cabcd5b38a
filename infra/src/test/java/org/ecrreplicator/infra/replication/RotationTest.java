package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

/** The destination key's rotation in the replication stack (decision 0075). */
class RotationTest {
    private static Map<String, Map<String, Object>> dev(java.util.function.Consumer<Map<String, Object>> change) {
        return Templates.resources(
                Template.fromStack(TestApps.define("dev", change).replication()));
    }

    private static List<Map.Entry<String, Map<String, Object>>> ofType(
            Map<String, Map<String, Object>> resources, String type) {
        return resources.entrySet().stream()
                .filter(entry -> type.equals(entry.getValue().get("Type")))
                .toList();
    }

    @Test
    void shouldRotateTheCreatedSecretEvery90DaysWithTheRotationFunctionWhenRotationDaysIsAbsent() {
        Map<String, Map<String, Object>> resources = dev(replication -> {});
        String secret = Templates.logicalId(resources, "AWS::SecretsManager::Secret", "DestinationSecret");
        String alias = Templates.logicalId(resources, "AWS::Lambda::Alias", "RotateSecretAlias");

        assertThat(ofType(resources, "AWS::SecretsManager::RotationSchedule"))
                .singleElement()
                .satisfies(schedule -> {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> properties =
                            (Map<String, Object>) schedule.getValue().get("Properties");
                    assertThat(properties)
                            .containsEntry("SecretId", Map.of("Ref", secret))
                            .containsEntry("RotationLambdaARN", Map.of("Ref", alias))
                            .containsEntry("RotationRules", Map.of("AutomaticallyAfterDays", 90))
                            .as("the secret is created empty: no rotation before an operator puts the first key")
                            .containsEntry("RotateImmediatelyOnUpdate", false);
                    assertThat(Templates.asList(schedule.getValue().get("DependsOn")))
                            .as("Secrets Manager may invoke the function before the schedule is set")
                            .contains(Templates.logicalId(resources, "AWS::Lambda::Permission", "RotateSecretInvoke"));
                });
        assertThat(Templates.environment(resources, FunctionSpec.ROTATE_SECRET))
                .containsOnlyKeys(FunctionEnvironment.DESTINATION_REGION)
                .containsEntry(FunctionEnvironment.DESTINATION_REGION, "us-gov-west-1");
    }

    @Test
    void shouldLetOnlySecretsManagerInvokeTheRotationFunction() {
        Map<String, Map<String, Object>> resources = dev(replication -> {});
        Map<String, Object> permission = Templates.properties(
                resources, Templates.logicalId(resources, "AWS::Lambda::Permission", "RotateSecretInvoke"));

        assertThat(permission)
                .containsEntry("Action", "lambda:InvokeFunction")
                .containsEntry("Principal", "secretsmanager.amazonaws.com")
                .containsEntry(
                        "FunctionName",
                        Map.of("Ref", Templates.logicalId(resources, "AWS::Lambda::Alias", "RotateSecretAlias")))
                .containsEntry("SourceAccount", Map.of("Ref", "AWS::AccountId"));
    }

    @Test
    void shouldGrantTheRotationFunctionTheFourSecretActionsOnTheDestinationSecretOnly() {
        Map<String, Map<String, Object>> resources = dev(replication -> {});
        String role = Templates.logicalId(resources, "AWS::IAM::Role", "RotateSecretRole");
        String secret = Templates.logicalId(resources, "AWS::SecretsManager::Secret", "DestinationSecret");
        List<Map<String, Object>> statements = Templates.statementsOf(resources, role);

        List<String> secretActions = List.of(
                "secretsmanager:DescribeSecret",
                "secretsmanager:GetSecretValue",
                "secretsmanager:PutSecretValue",
                "secretsmanager:UpdateSecretVersionStage");
        assertThat(Templates.actions(statements))
                .filteredOn(action -> action.startsWith("secretsmanager:"))
                .containsExactlyInAnyOrderElementsOf(secretActions);
        for (String action : secretActions) {
            assertThat(Templates.resourcesFor(statements, action)).as(action).containsExactly(Map.of("Ref", secret));
        }
        assertThat(Templates.actions(statements))
                .as("IAM and ECR of the destination are called with the secret's key, not this role")
                .noneMatch(action -> action.startsWith("iam:") || action.startsWith("ecr:"));
    }

    @Test
    void shouldDeployNoRotationWhenRotationDaysIsOff() {
        Map<String, Map<String, Object>> resources = dev(replication -> replication.put("rotationDays", "off"));

        assertThat(ofType(resources, "AWS::SecretsManager::RotationSchedule")).isEmpty();
        assertThat(ofType(resources, "AWS::Lambda::Function"))
                .noneMatch(function -> function.getKey().startsWith("RotateSecret"));
    }

    @Test
    void shouldScheduleTheConfiguredDaysWhenRotationDaysIsSet() {
        Map<String, Map<String, Object>> resources = dev(replication -> replication.put("rotationDays", 30));

        assertThat(ofType(resources, "AWS::SecretsManager::RotationSchedule"))
                .singleElement()
                .satisfies(
                        schedule -> assertThat(schedule.getValue().toString()).contains("AutomaticallyAfterDays=30"));
    }

    @Test
    @SuppressWarnings("deprecation") // Annotations.find* returns cxapi.SynthesisMessage, deprecated without a successor
    void shouldRotateAnImportedSecretByNameWithoutANewFindingWhenDestinationSecretNameIsSet() {
        software.amazon.awscdk.Stack stack = TestApps.define(
                        "dev", replication -> replication.put("destinationSecretName", "team/replicator-destination"))
                .replication();
        Map<String, Map<String, Object>> resources = Templates.resources(Template.fromStack(stack));

        assertThat(ofType(resources, "AWS::SecretsManager::RotationSchedule"))
                .singleElement()
                .satisfies(schedule ->
                        assertThat(schedule.getValue().toString()).contains("SecretId=team/replicator-destination"));
        List<Map<String, Object>> statements =
                Templates.statementsOf(resources, Templates.logicalId(resources, "AWS::IAM::Role", "RotateSecretRole"));
        assertThat(TestApps.JSON
                        .valueToTree(Templates.resourcesFor(statements, "secretsmanager:PutSecretValue"))
                        .toString())
                .as("the named secret with its random suffix, nothing wider")
                .contains(":secret:team/replicator-destination-??????");
        assertThat(software.amazon.awscdk.assertions.Annotations.fromStack(stack)
                        .findError("*", software.amazon.awscdk.assertions.Match.stringLikeRegexp("AwsSolutions-.*")))
                .isEmpty();
    }

    @Test
    void shouldSuppressNoRotationFindingWhenRotationIsOn() {
        Map<String, Map<String, Object>> resources = dev(replication -> {});
        String secret = Templates.logicalId(resources, "AWS::SecretsManager::Secret", "DestinationSecret");

        assertThat(String.valueOf(resources.get(secret).get("Metadata"))).doesNotContain("AwsSolutions-SMG4");
    }
}
