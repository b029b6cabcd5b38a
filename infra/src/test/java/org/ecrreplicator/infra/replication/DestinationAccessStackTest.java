package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.SynthesisMessage;

// Annotations.find* returns cxapi.SynthesisMessage, deprecated in aws-cdk-lib 2.263 with no replacement type.
@SuppressWarnings("deprecation")
class DestinationAccessStackTest {
    /** What a build and a reconcile call at the destination (EcrApi, RegistryClient), with every feature on. */
    private static final List<String> REPLICATION_ACTIONS = List.of(
            "ecr:BatchCheckLayerAvailability",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
            "ecr:PutImage",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:DescribeRepositories",
            "ecr:ListImages",
            "ecr:BatchDeleteImage",
            "ecr:CreateRepository");

    private static Map<String, Map<String, Object>> resources(Stack stack) {
        return Templates.resources(Template.fromStack(stack));
    }

    private static Map<String, Map<String, Object>> dev(Consumer<Map<String, Object>> replication) {
        return resources(TestApps.define("dev", replication).destinationAccess());
    }

    private static String user(Map<String, Map<String, Object>> resources) {
        return Templates.logicalId(resources, "AWS::IAM::User", "ReplicationUser");
    }

    private static List<Map<String, Object>> statement(List<Map<String, Object>> statements, String sid) {
        return statements.stream().filter(s -> sid.equals(s.get("Sid"))).toList();
    }

    @Test
    void shouldCreateTheNamedUserAllowedOnlyToLogInAndReplicateIntoThePrefixedRepositories() {
        Template template = Template.fromStack(TestApps.define("dev").destinationAccess());
        Map<String, Map<String, Object>> resources = Templates.resources(template);

        template.resourceCountIs("AWS::IAM::User", 1);
        template.hasResourceProperties("AWS::IAM::User", Map.of("UserName", "ecr-replicator-dev"));
        template.resourceCountIs("AWS::IAM::AccessKey", 0);
        template.resourceCountIs("AWS::SecretsManager::Secret", 0);
        template.resourceCountIs("AWS::IAM::Policy", 0);

        List<Map<String, Object>> statements = Templates.statementsOf(resources, user(resources));
        assertThat(Templates.resourcesFor(statements, "ecr:GetAuthorizationToken"))
                .containsExactly("*");
        assertThat(Templates.resourcesFor(statements, "ecr:GetAccountSetting"))
                .as("doctor reads BLOB_MOUNTING with the user's keys; the action has no resource type")
                .containsExactly("*");
        assertThat(Templates.actions(statements)).doesNotContain("ecr:PutAccountSetting");
        List<Object> repositories = Templates.resourcesFor(statements, "ecr:PutImage");
        assertThat(repositories).hasSize(1);
        assertThat(TestApps.JSON.valueToTree(repositories).toString())
                .contains("arn:aws-us-gov:ecr:us-gov-west-1:")
                .contains(":repository/team/*");
        assertThat(statement(statements, "ReplicatedRepositories"))
                .singleElement()
                .satisfies(replicated -> assertThat(Templates.asList(replicated.get("Action")))
                        .as("exactly what the worker calls at the destination, on the replicated repositories")
                        .containsExactlyInAnyOrderElementsOf(REPLICATION_ACTIONS));
        assertThat(Templates.actions(statements))
                .as("nothing calls DescribeImages")
                .doesNotContain("ecr:DescribeImages")
                .allSatisfy(action -> assertThat(action).doesNotContain("*"));
        assertThat(statements)
                .as("no source address restriction unless sourceIps is set")
                .allSatisfy(s -> assertThat(s).doesNotContainKey("Condition"));
    }

    @Test
    void shouldBoundTheUserByTheSamePolicyThatGrantsItWhenDeployed() {
        Map<String, Map<String, Object>> resources =
                resources(TestApps.define("dev").destinationAccess());
        String user = user(resources);
        String policy = Templates.logicalId(resources, "AWS::IAM::ManagedPolicy", "ReplicationUserBoundary");

        Map<String, Object> properties = Templates.properties(resources, user);
        assertThat(properties.get("PermissionsBoundary")).isEqualTo(Map.of("Ref", policy));
        assertThat(Templates.asList(properties.get("ManagedPolicyArns"))).containsExactly(Map.of("Ref", policy));
        assertThat(Templates.boundaryStatementsOf(resources, user))
                .as("the boundary allows exactly what the user is granted: a policy added later widens nothing")
                .isEqualTo(Templates.statementsOf(resources, user));
        assertThat(Templates.actions(Templates.boundaryStatementsOf(resources, user)))
                .allSatisfy(action -> assertThat(
                                action.startsWith("ecr:") || DestinationAccessStack.OWN_KEY_ACTIONS.contains(action))
                        .as(action)
                        .isTrue());
    }

    @Test
    void shouldLetTheUserManageOnlyItsOwnAccessKeysWhenRotating() {
        Map<String, Map<String, Object>> resources = dev(replication -> {});
        String user = user(resources);
        List<Map<String, Object>> statements = Templates.statementsOf(resources, user);

        assertThat(statement(statements, "OwnAccessKeys")).singleElement().satisfies(own -> {
            assertThat(Templates.asList(own.get("Action")))
                    .containsExactlyInAnyOrder("iam:ListAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey");
            assertThat(TestApps.JSON
                            .valueToTree(Templates.asList(own.get("Resource")))
                            .toString())
                    .as("the user itself, in the destination partition")
                    .contains("arn:aws-us-gov:iam::")
                    .contains(":user/ecr-replicator-dev\"")
                    .doesNotContain("*");
        });
        assertThat(Templates.actions(statements).stream().filter(action -> action.startsWith("iam:")))
                .containsExactlyInAnyOrder("iam:ListAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey");
        assertThat(Templates.resourcesFor(Templates.boundaryStatementsOf(resources, user), "iam:CreateAccessKey"))
                .as("inside the permissions boundary too")
                .isEqualTo(Templates.resourcesFor(statements, "iam:CreateAccessKey"));
    }

    @Test
    void shouldLetTheUserListRepositoriesAndTheTagsOfTheReplicatedOnesForTheReconcile() {
        Map<String, Map<String, Object>> resources = dev(replication -> {});
        List<Map<String, Object>> statements = Templates.statementsOf(resources, user(resources));

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
        assertThat(statement(statements, "ListRepositories"))
                .singleElement()
                .as("repository/* allows nothing but the listing")
                .satisfies(listing -> assertThat(Templates.asList(listing.get("Action")))
                        .containsExactly("ecr:DescribeRepositories"));
    }

    @Test
    void shouldGrantDeletesOnlyWhenDeletesReplicate() {
        Map<String, Map<String, Object>> off = dev(replication -> replication.put("replicateDeletes", false));
        Map<String, Map<String, Object>> on = dev(replication -> replication.put("replicateDeletes", true));

        assertThat(Templates.actions(Templates.statementsOf(off, user(off))))
                .contains("ecr:PutImage", "ecr:CreateRepository")
                .doesNotContain("ecr:BatchDeleteImage");
        assertThat(Templates.actions(Templates.boundaryStatementsOf(off, user(off))))
                .doesNotContain("ecr:BatchDeleteImage");
        assertThat(Templates.resourcesFor(Templates.statementsOf(on, user(on)), "ecr:BatchDeleteImage"))
                .as("scoped to the replicated repositories like the pushes")
                .isEqualTo(Templates.resourcesFor(Templates.statementsOf(on, user(on)), "ecr:PutImage"));
    }

    @Test
    void shouldLeaveOutCreateWhenRepositoriesAreNotCreated() {
        Map<String, Map<String, Object>> resources = dev(replication -> replication.put("createRepositories", false));
        assertThat(Templates.actions(Templates.statementsOf(resources, user(resources))))
                .contains("ecr:PutImage", "ecr:BatchDeleteImage")
                .doesNotContain("ecr:CreateRepository");
    }

    @Test
    void shouldAllowEveryActionOnlyFromTheSourceIpsWhenTheyAreSet() {
        List<String> ranges = List.of("203.0.113.10/32", "198.51.100.0/28");
        Map<String, Map<String, Object>> resources =
                resources(TestApps.define("dev", replication -> {}, destination -> destination.put("sourceIps", ranges))
                        .destinationAccess());
        List<Map<String, Object>> statements = Templates.statementsOf(resources, user(resources));

        // The rotation function calls IAM from the source partition's Lambda, not from the build's addresses.
        assertThat(statement(statements, "OwnAccessKeys")).singleElement().satisfies(own -> assertThat(own)
                .doesNotContainKey("Condition"));
        List<Map<String, Object>> registry = statements.stream()
                .filter(s -> !"OwnAccessKeys".equals(s.get("Sid")))
                .toList();
        assertThat(registry).hasSize(3).allSatisfy(s -> {
            assertThat(s.get("Effect")).isEqualTo("Allow");
            assertThat(s.get("Condition"))
                    .as("%s, the login included: stolen keys get no registry token elsewhere", s.get("Sid"))
                    .isEqualTo(Map.of("IpAddress", Map.of("aws:SourceIp", ranges)));
        });
        assertThat(Templates.boundaryStatementsOf(resources, user(resources))).isEqualTo(statements);
    }

    @Test
    void shouldWarnWhatItGrantsWhenTheFilterMatchesEveryRepository() {
        Stack everything = TestApps.define("dev", replication -> {
                    replication.remove("repositoryPrefixes");
                    replication.put("repositoryWildcards", List.of("*"));
                })
                .destinationAccess();
        Map<String, Map<String, Object>> resources = resources(everything);
        List<SynthesisMessage> warnings = Annotations.fromStack(everything)
                .findWarning("*", Match.stringLikeRegexp(".*matches every repository.*"));

        assertThat(warnings).singleElement().satisfies(warning -> assertThat(
                        String.valueOf(warning.getEntry().getData()))
                .contains("ecr-replicator-dev")
                .contains("ecr:PutImage")
                .contains("ecr:BatchDeleteImage")
                .contains("every repository of the destination account in us-gov-west-1")
                .contains(DestinationAccessStack.ALL_REPOSITORIES_WARNING));
        assertThat(TestApps.JSON
                        .valueToTree(Templates.resourcesFor(
                                Templates.statementsOf(resources, user(resources)), "ecr:PutImage"))
                        .toString())
                .as("still works: every repository")
                .contains(":repository/*\"");

        assertThat(Annotations.fromStack(TestApps.define("dev").destinationAccess())
                        .findWarning("*", Match.stringLikeRegexp(".*matches every repository.*")))
                .as("no warning for the prefix filter")
                .isEmpty();
    }
}
