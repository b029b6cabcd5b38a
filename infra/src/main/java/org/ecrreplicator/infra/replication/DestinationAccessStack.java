package org.ecrreplicator.infra.replication;

import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.ecrreplicator.infra.Suppressions;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.User;
import software.constructs.Construct;

/**
 * The destination-partition side: the IAM user whose access keys the replication build uses, allowed only to
 * push to (and, when those features are on, delete from and create) the replicated repositories, and to manage
 * its own access keys. An operator creates the first key and stores it in the source partition's secret; the
 * rotation function replaces it from then on (decision 0075). No template ever holds a key.
 *
 * <p>One customer-managed policy both grants the user what replication needs and is its permissions boundary
 * (decision 0073): a policy attached to the user later, by hand or through a group, cannot widen what its keys
 * can do, and with {@code sourceIps} every allowed action holds only from the build's egress addresses.
 */
public final class DestinationAccessStack extends Stack {
    /**
     * What a copy does at the destination, each an ECR API call of the worker or a registry request ECR
     * authorises as one: blob checks ({@code HEAD} blob), uploads ({@code POST}, then a monolithic {@code PUT},
     * which ECR authorises as an upload part and its completion), the manifest ({@code PUT}), the reads before
     * and after it (manifest {@code HEAD}/{@code GET}, the referrers API and fallback tags), {@code
     * DescribeRepositories} by name, and the reconcile's {@code ListImages} (decision 0068). Not {@code
     * DescribeImages}: nothing calls it.
     */
    static final List<String> PUSH_ACTIONS = List.of(
            "ecr:BatchCheckLayerAvailability",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
            "ecr:PutImage",
            "ecr:BatchGetImage",
            // No blob is read back at the destination; ECR asks for this on the repository a blob is mounted
            // from (cross-repository mounting within the registry), and those are replicated repositories too.
            "ecr:GetDownloadUrlForLayer",
            "ecr:DescribeRepositories",
            "ecr:ListImages");

    /**
     * What the rotation function does with the user's own key (decision 0075): list the keys, delete the one that
     * is neither current nor pending, create the next.
     */
    static final List<String> OWN_KEY_ACTIONS =
            List.of("iam:ListAccessKeys", "iam:CreateAccessKey", "iam:DeleteAccessKey");

    static final String DELETE_ACTION = "ecr:BatchDeleteImage";
    static final String CREATE_ACTION = "ecr:CreateRepository";

    /** The synth warning a filter that matches every repository raises. */
    static final String ALL_REPOSITORIES_WARNING = "ecr-replicator:all-destination-repositories";

    public record Props(DestinationAccessSettings settings, StackProps stackProps) {
        public Props {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(stackProps, "stackProps");
        }
    }

    public DestinationAccessStack(Construct scope, String id, Props props) {
        super(scope, id, props.stackProps());
        DestinationAccessSettings settings = props.settings();

        List<String> repositoryActions = repositoryActions(settings);
        Map<String, Object> fromSourceIps = settings.sourceIps().isEmpty()
                ? Map.of()
                : Map.of("IpAddress", Map.of("aws:SourceIp", settings.sourceIps()));
        ManagedPolicy policy = ManagedPolicy.Builder.create(this, "ReplicationUserBoundary")
                .description("What the ECR replication's IAM user " + settings.userName()
                        + " may do: its grant and its permissions boundary")
                .statements(List.of(
                        PolicyStatement.Builder.create()
                                .sid("RegistryLogin")
                                // And the registry's settings: replicator doctor reports BLOB_MOUNTING with the
                                // user's keys. Both are registry-level: neither has a resource type.
                                .actions(List.of("ecr:GetAuthorizationToken", "ecr:GetAccountSetting"))
                                .resources(List.of("*"))
                                .conditions(fromSourceIps)
                                .build(),
                        PolicyStatement.Builder.create()
                                .sid("ReplicatedRepositories")
                                .actions(repositoryActions)
                                .resources(repositoryArns(settings))
                                .conditions(fromSourceIps)
                                .build(),
                        // The reconcile plan lists the destination's repositories: DescribeRepositories without
                        // names is authorised on repository/*, and returns names the plan then filters.
                        PolicyStatement.Builder.create()
                                .sid("ListRepositories")
                                .actions(List.of("ecr:DescribeRepositories"))
                                .resources(List.of(formatArn(ArnComponents.builder()
                                        .service("ecr")
                                        .region(settings.destinationRegion())
                                        .resource("repository")
                                        .resourceName("*")
                                        .build())))
                                .conditions(fromSourceIps)
                                .build(),
                        // The rotation function calls IAM from the source partition's Lambda, not from the
                        // build's egress addresses, so this statement has no aws:SourceIp condition; a key can
                        // manage only keys of this user, which the rest of the policy bounds.
                        PolicyStatement.Builder.create()
                                .sid("OwnAccessKeys")
                                .actions(OWN_KEY_ACTIONS)
                                .resources(List.of(formatArn(ArnComponents.builder()
                                        .service("iam")
                                        .region("")
                                        .resource("user")
                                        .resourceName(settings.userName())
                                        .build())))
                                .build()))
                .build();

        User user = User.Builder.create(this, "ReplicationUser")
                .userName(settings.userName())
                .managedPolicies(List.of(policy))
                .permissionsBoundary(policy)
                .build();

        if (matchesEveryRepository(settings.repositories())) {
            Annotations.of(this)
                    .addWarningV2(
                            ALL_REPOSITORIES_WARNING,
                            "the repository filter " + settings.repositories().patterns() + " matches every"
                                    + " repository: user " + settings.userName() + " may "
                                    + String.join(", ", repositoryActions) + " on every repository of the"
                                    + " destination account in " + settings.destinationRegion()
                                    + ", whatever else keeps images there; name the replicated repositories"
                                    + " (repositoryPrefixes, or narrower repositoryWildcards) to narrow it");
        }

        NagSuppressions.addResourceSuppressions(
                policy,
                List.of(
                        Suppressions.suppression(
                                "AwsSolutions-IAM5",
                                "ecr:GetAuthorizationToken and ecr:GetAccountSetting have no resource-level permissions; the"
                                        + " repository actions are"
                                        + " scoped to the replicated prefixes or wildcards, which name repositories by"
                                        + " pattern by design, and the reconcile's DescribeRepositories without names"
                                        + " is authorised on repository/* only",
                                List.of(
                                        "Resource::*",
                                        Suppressions.regex(
                                                "/^Resource::arn:[a-z-]+:ecr:[a-z0-9-]+:(<AWS::AccountId>|\\d{12}):repository\\/.+$/")))));

        CfnOutput.Builder.create(this, "UserName")
                .value(user.getUserName())
                .description("Create its first access key by hand (docs/deploy.md) and store it in the source"
                        + " partition's destination secret; rotation replaces it from then on")
                .build();
        CfnOutput.Builder.create(this, "UserArn").value(user.getUserArn()).build();
    }

    /** The push actions, plus deletes when deletes replicate and creation when repositories are created. */
    static List<String> repositoryActions(DestinationAccessSettings settings) {
        List<String> actions = new ArrayList<>(PUSH_ACTIONS);
        if (settings.replicateDeletes()) {
            actions.add(DELETE_ACTION);
        }
        if (settings.createRepositories()) {
            actions.add(CREATE_ACTION);
        }
        return List.copyOf(actions);
    }

    /** A pattern of nothing but '*' (the wildcard filter {@code ["*"]}) names every repository. */
    static boolean matchesEveryRepository(RepositoryFilter filter) {
        return filter.iamRepositoryPatterns().stream()
                .anyMatch(pattern -> pattern.chars().allMatch(c -> c == '*'));
    }

    /** The destination repositories in the destination region and this stack's account. */
    private List<String> repositoryArns(DestinationAccessSettings settings) {
        List<String> arns = new ArrayList<>();
        for (String pattern : settings.repositories().iamRepositoryPatterns()) {
            arns.add(formatArn(ArnComponents.builder()
                    .service("ecr")
                    .region(settings.destinationRegion())
                    .resource("repository")
                    .resourceName(pattern)
                    .build()));
        }
        return arns;
    }
}
