package org.ecrreplicator.infra.replication;

import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.ecrreplicator.infra.Suppressions;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.User;
import software.constructs.Construct;

/**
 * The destination-partition side: the IAM user whose access keys the replication build uses, allowed only to
 * push to (and, when those features are on, delete from and create) the replicated repositories. Access keys
 * are created by an operator and stored in the source partition's secret; no template ever holds them.
 */
public final class DestinationAccessStack extends Stack {
    /** What a push needs: blob checks and uploads, the manifest, and the reads the copy engine does first. */
    static final List<String> PUSH_ACTIONS = List.of(
            "ecr:BatchCheckLayerAvailability",
            "ecr:InitiateLayerUpload",
            "ecr:UploadLayerPart",
            "ecr:CompleteLayerUpload",
            "ecr:PutImage",
            "ecr:BatchGetImage",
            "ecr:GetDownloadUrlForLayer",
            "ecr:DescribeImages",
            "ecr:DescribeRepositories",
            // The reconcile's listing of each replicated repository's tags with their digests (decision 0068).
            "ecr:ListImages");

    static final String DELETE_ACTION = "ecr:BatchDeleteImage";
    static final String CREATE_ACTION = "ecr:CreateRepository";

    public record Props(DestinationAccessSettings settings, StackProps stackProps) {
        public Props {
            Objects.requireNonNull(settings, "settings");
            Objects.requireNonNull(stackProps, "stackProps");
        }
    }

    public DestinationAccessStack(Construct scope, String id, Props props) {
        super(scope, id, props.stackProps());
        DestinationAccessSettings settings = props.settings();

        User user = User.Builder.create(this, "ReplicationUser")
                .userName(settings.userName())
                .build();

        List<String> repositoryActions = new ArrayList<>(PUSH_ACTIONS);
        if (settings.replicateDeletes()) {
            repositoryActions.add(DELETE_ACTION);
        }
        if (settings.createRepositories()) {
            repositoryActions.add(CREATE_ACTION);
        }
        Policy policy = Policy.Builder.create(this, "ReplicationUserPolicy")
                .users(List.of(user))
                .statements(List.of(
                        PolicyStatement.Builder.create()
                                .sid("RegistryLogin")
                                .actions(List.of("ecr:GetAuthorizationToken"))
                                .resources(List.of("*"))
                                .build(),
                        PolicyStatement.Builder.create()
                                .sid("ReplicatedRepositories")
                                .actions(repositoryActions)
                                .resources(repositoryArns(settings))
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
                                .build()))
                .build();

        NagSuppressions.addResourceSuppressions(
                policy,
                List.of(
                        Suppressions.suppression(
                                "AwsSolutions-IAM5",
                                "ecr:GetAuthorizationToken has no resource-level permissions; the repository actions are"
                                        + " scoped to the replicated prefixes or wildcards, which name repositories by"
                                        + " pattern by design, and the reconcile's DescribeRepositories without names"
                                        + " is authorised on repository/* only",
                                List.of(
                                        "Resource::*",
                                        Suppressions.regex(
                                                "/^Resource::arn:[a-z-]+:ecr:[a-z0-9-]+:(<AWS::AccountId>|\\d{12}):repository\\/.+$/")))));

        CfnOutput.Builder.create(this, "UserName")
                .value(user.getUserName())
                .description("Create its access keys by hand (docs/deploy.md) and store them in the source"
                        + " partition's destination secret")
                .build();
        CfnOutput.Builder.create(this, "UserArn").value(user.getUserArn()).build();
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
