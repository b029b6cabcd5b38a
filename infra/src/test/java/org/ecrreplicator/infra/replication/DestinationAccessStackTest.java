package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Template;

class DestinationAccessStackTest {
    @Test
    void shouldCreateTheNamedUserAllowedOnlyToLogInAndPushToThePrefixedRepositories() {
        Template template = Template.fromStack(TestApps.define("dev").destinationAccess());
        Map<String, Map<String, Object>> resources = Templates.resources(template);

        template.resourceCountIs("AWS::IAM::User", 1);
        template.hasResourceProperties("AWS::IAM::User", Map.of("UserName", "ecr-replicator-dev"));
        template.resourceCountIs("AWS::IAM::AccessKey", 0);
        template.resourceCountIs("AWS::SecretsManager::Secret", 0);

        String user = Templates.logicalId(resources, "AWS::IAM::User", "ReplicationUser");
        List<Map<String, Object>> statements = Templates.statementsOf(resources, user);
        assertThat(Templates.resourcesFor(statements, "ecr:GetAuthorizationToken"))
                .containsExactly("*");
        List<Object> repositories = Templates.resourcesFor(statements, "ecr:PutImage");
        assertThat(repositories).hasSize(1);
        assertThat(TestApps.JSON.valueToTree(repositories).toString())
                .contains("arn:aws-us-gov:ecr:us-gov-west-1:")
                .contains(":repository/team/*");
        assertThat(Templates.actions(statements))
                .containsExactlyInAnyOrder(
                        "ecr:GetAuthorizationToken",
                        "ecr:BatchCheckLayerAvailability",
                        "ecr:InitiateLayerUpload",
                        "ecr:UploadLayerPart",
                        "ecr:CompleteLayerUpload",
                        "ecr:PutImage",
                        "ecr:BatchGetImage",
                        "ecr:GetDownloadUrlForLayer",
                        "ecr:DescribeImages",
                        "ecr:DescribeRepositories",
                        "ecr:ListImages",
                        "ecr:BatchDeleteImage",
                        "ecr:CreateRepository",
                        // Again on repository/*, for the reconcile's listing without names.
                        "ecr:DescribeRepositories");
    }

    @Test
    void shouldLetTheUserListRepositoriesAndTheTagsOfTheReplicatedOnesForTheReconcile() {
        Map<String, Map<String, Object>> resources =
                Templates.resources(Template.fromStack(TestApps.define("dev").destinationAccess()));
        String user = Templates.logicalId(resources, "AWS::IAM::User", "ReplicationUser");
        List<Map<String, Object>> statements = Templates.statementsOf(resources, user);

        assertThat(TestApps.JSON
                        .valueToTree(Templates.resourcesFor(statements, "ecr:ListImages"))
                        .toString())
                .contains(":repository/team/*\"")
                .doesNotContain(":repository/*\"");
        assertThat(TestApps.JSON
                        .valueToTree(Templates.resourcesFor(statements, "ecr:DescribeRepositories"))
                        .toString())
                .as("without names, DescribeRepositories is authorised on repository/*")
                .contains("arn:aws-us-gov:ecr:us-gov-west-1:")
                .contains(":repository/*\"");
        assertThat(statements)
                .filteredOn(statement -> "ListRepositories".equals(statement.get("Sid")))
                .singleElement()
                .as("repository/* allows nothing but the listing")
                .satisfies(statement -> assertThat(Templates.asList(statement.get("Action")))
                        .containsExactly("ecr:DescribeRepositories"));
    }

    @Test
    void shouldLeaveOutDeleteAndCreateWhenThoseFeaturesAreOff() {
        Template template = Template.fromStack(TestApps.define("prod", replication -> {
                    replication.put("replicateDeletes", false);
                    replication.put("createRepositories", false);
                })
                .destinationAccess());
        Map<String, Map<String, Object>> resources = Templates.resources(template);
        String user = Templates.logicalId(resources, "AWS::IAM::User", "ReplicationUser");
        assertThat(Templates.actions(Templates.statementsOf(resources, user)))
                .contains("ecr:PutImage")
                .doesNotContain("ecr:BatchDeleteImage", "ecr:CreateRepository");
    }
}
