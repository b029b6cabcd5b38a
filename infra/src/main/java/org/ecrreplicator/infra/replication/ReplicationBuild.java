package org.ecrreplicator.infra.replication;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.DestinationSecret;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.infra.replication.StatefulResources.CredentialsSecret;
import software.amazon.awscdk.ArnComponents;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.codebuild.BuildEnvironment;
import software.amazon.awscdk.services.codebuild.BuildEnvironmentVariable;
import software.amazon.awscdk.services.codebuild.BuildEnvironmentVariableType;
import software.amazon.awscdk.services.codebuild.CloudWatchLoggingOptions;
import software.amazon.awscdk.services.codebuild.LoggingOptions;
import software.amazon.awscdk.services.codebuild.Project;
import software.amazon.awscdk.services.codebuild.S3SourceProps;
import software.amazon.awscdk.services.codebuild.Source;
import software.amazon.awscdk.services.dynamodb.ITable;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.s3.assets.Asset;

/**
 * The CodeBuild project that runs one replication per build: buildspec.yml and the worker jar as its source,
 * no Docker and no privileged mode, the destination keys as {@code SECRETS_MANAGER} variables (decision 0033).
 *
 * @param role the build's role: reads the source repositories and the destination secret, and the state-table
 *     items of the replicated repositories and of the reconcile runs (decision 0068), and the shared blob index's
 *     items (decision 0072), nothing else
 */
record ReplicationBuild(Project project, Role role) {

    static ReplicationBuild create(
            Stack stack,
            ReplicationSettings settings,
            DeploymentArtifacts artifacts,
            CredentialsSecret secret,
            ITable table) {
        Asset source = Asset.Builder.create(stack, "BuildSource")
                .path(artifacts.stageCodeBuildSource().toString())
                .build();
        LogGroup logs = LogGroup.Builder.create(stack, "BuildLogs")
                .retention(settings.logRetention())
                .build();
        Role role = Role.Builder.create(stack, "BuildRole")
                .assumedBy(new ServicePrincipal("codebuild.amazonaws.com"))
                .description("The replication and reconcile builds: read the source repositories, the destination"
                        + " secret and their state-table items")
                .build();

        Project.Builder builder = Project.Builder.create(stack, "ReplicationBuild")
                .projectName(settings.resourceName())
                .description("Copies one image from the source ECR to the destination partition's ECR")
                .source(Source.s3(S3SourceProps.builder()
                        .bucket(source.getBucket())
                        .path(source.getS3ObjectKey())
                        .build()))
                .environment(BuildEnvironment.builder()
                        .buildImage(settings.buildCompute().image())
                        .computeType(settings.buildCompute().computeType())
                        .privileged(false)
                        .build())
                .environmentVariables(environment(settings, secret, artifacts.workerJarSha256(), table))
                .concurrentBuildLimit(settings.buildConcurrency())
                .logging(LoggingOptions.builder()
                        .cloudWatch(CloudWatchLoggingOptions.builder()
                                .logGroup(logs)
                                .build())
                        .build())
                .role(role)
                // The build publishes no test or coverage reports.
                .grantReportGroupPermissions(false);
        if (!settings.buildCompute().lambda()) {
            // Lambda compute has a fixed limit and no queue; both settings exist only on EC2 compute.
            builder.timeout(Duration.minutes(settings.buildTimeoutMinutes()))
                    .queuedTimeout(Duration.minutes(settings.buildQueuedTimeoutMinutes()));
        }
        Project project = builder.build();

        project.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("ecr:GetAuthorizationToken"))
                .resources(List.of("*"))
                .build());
        // A pull's actions; not DescribeImages, which the worker never calls.
        project.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"))
                .resources(sourceRepositoryArns(stack, settings))
                .build());
        secret.secret().grantRead(role);
        reconcileGrants(stack, settings, project, table);
        blobIndexGrants(project, table);
        return new ReplicationBuild(project, role);
    }

    /**
     * What the reconcile builds need besides a replication build's reads (decision 0068): the plan lists the
     * source repositories and their tags, and the shard builds read their shard and take each tag's lease.
     */
    private static void reconcileGrants(Stack stack, ReplicationSettings settings, Project project, ITable table) {
        // DescribeRepositories without names is authorised on repository/*: it lists every repository's name,
        // which the plan then filters. Its tags are listed only in the replicated repositories.
        project.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("ecr:DescribeRepositories"))
                .resources(List.of(stack.formatArn(ArnComponents.builder()
                        .service("ecr")
                        .resource("repository")
                        .resourceName("*")
                        .build())))
                .build());
        project.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("ecr:ListImages"))
                .resources(sourceRepositoryArns(stack, settings))
                .build());
        // Single items of the state table, and only those whose key belongs to a replicated repository or to a
        // reconcile run: the leading key is the item's whole key (no sort key).
        project.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"))
                .resources(List.of(table.getTableArn()))
                .conditions(
                        Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", stateKeyPatterns(settings))))
                .build());
    }

    /**
     * The shared blob index (decision 0072): read in batches, added to, and its items only. No GetItem, PutItem
     * or DeleteItem: a build never replaces or removes what other builds recorded.
     */
    private static void blobIndexGrants(Project project, ITable table) {
        project.addToRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("dynamodb:BatchGetItem", "dynamodb:UpdateItem"))
                .resources(List.of(table.getTableArn()))
                .conditions(Map.of(
                        "ForAllValues:StringLike",
                        Map.of("dynamodb:LeadingKeys", List.of(StateTable.BLOB_PREFIX + "*"))))
                .build());
    }

    /** The keys a build may read and write: {@code repo:tag} and {@code repo@digest}, and the reconcile's items. */
    static List<String> stateKeyPatterns(ReplicationSettings settings) {
        List<String> patterns = new ArrayList<>(settings.repositories().stateKeyPatterns());
        patterns.add(StateTable.RECONCILE_PREFIX + "*");
        return patterns;
    }

    /** The project's defaults; StartBuild overrides the per-build ones (docs/contracts.md). */
    private static Map<String, BuildEnvironmentVariable> environment(
            ReplicationSettings settings, CredentialsSecret secret, String workerJarSha256, ITable table) {
        Map<String, BuildEnvironmentVariable> environment = new LinkedHashMap<>();
        // The jar this synth staged: buildspec.yml runs nothing else. StartBuild never overrides it.
        environment.put(BuildVariables.WORKER_JAR_SHA256, plain(workerJarSha256));
        environment.put(BuildVariables.DESTINATION_REGION, plain(settings.destinationRegion()));
        // Every build reads and writes the shared blob index (decision 0072); reconcile builds, their shards too.
        environment.put(BuildVariables.TABLE_NAME, plain(table.getTableName()));
        environment.put(BuildVariables.CREATE_REPOSITORIES, plain(String.valueOf(settings.createRepositories())));
        environment.put(BuildVariables.IMAGE_TAG_MUTABILITY, plain(settings.imageTagMutability()));
        environment.put(BuildVariables.SCAN_ON_PUSH, plain(String.valueOf(settings.scanOnPush())));
        environment.put(BuildVariables.REGISTRY_INSECURE, plain("false"));
        // The same values StartBuild overrides with, so a build started without it (from the console) agrees.
        environment.put(BuildVariables.REPLICATE_DELETES, plain(String.valueOf(settings.replicateDeletes())));
        environment.put(BuildVariables.COPY_REFERRERS, plain(String.valueOf(settings.copyReferrers())));
        // Resolved by CodeBuild at build start and masked in its logs; StartBuild overrides them with the
        // same type and the secret's full ARN.
        environment.put(
                BuildVariables.DESTINATION_ACCESS_KEY_ID,
                fromSecret(secret.reference() + ":" + DestinationSecret.ACCESS_KEY));
        environment.put(
                BuildVariables.DESTINATION_SECRET_ACCESS_KEY,
                fromSecret(secret.reference() + ":" + DestinationSecret.SECRET_ACCESS_KEY));
        return environment;
    }

    private static BuildEnvironmentVariable plain(String value) {
        return BuildEnvironmentVariable.builder()
                .type(BuildEnvironmentVariableType.PLAINTEXT)
                .value(value)
                .build();
    }

    private static BuildEnvironmentVariable fromSecret(String reference) {
        return BuildEnvironmentVariable.builder()
                .type(BuildEnvironmentVariableType.SECRETS_MANAGER)
                .value(reference)
                .build();
    }

    /** The source repositories, scoped by the same filter as the EventBridge rule. */
    private static List<String> sourceRepositoryArns(Stack stack, ReplicationSettings settings) {
        List<String> arns = new ArrayList<>();
        for (String pattern : settings.repositories().iamRepositoryPatterns()) {
            arns.add(stack.formatArn(ArnComponents.builder()
                    .service("ecr")
                    .resource("repository")
                    .resourceName(pattern)
                    .build()));
        }
        return arns;
    }
}
