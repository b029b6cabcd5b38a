package org.ecrreplicator.infra.registry;

import io.github.cdklabs.cdknag.NagPackSuppression;
import io.github.cdklabs.cdknag.NagSuppressions;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.Fn;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Token;
import software.amazon.awscdk.services.applicationautoscaling.EnableScalingProps;
import software.amazon.awscdk.services.certificatemanager.Certificate;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ecr.assets.Platform;
import software.amazon.awscdk.services.ecs.AssetImageProps;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.Cluster;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.ContainerInsights;
import software.amazon.awscdk.services.ecs.CpuArchitecture;
import software.amazon.awscdk.services.ecs.CpuUtilizationScalingProps;
import software.amazon.awscdk.services.ecs.DeploymentCircuitBreaker;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.LogDriver;
import software.amazon.awscdk.services.ecs.MemoryUtilizationScalingProps;
import software.amazon.awscdk.services.ecs.OperatingSystemFamily;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.RuntimePlatform;
import software.amazon.awscdk.services.ecs.ScalableTaskCount;
import software.amazon.awscdk.services.ecs.patterns.ApplicationLoadBalancedFargateService;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationProtocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.HealthCheck;
import software.amazon.awscdk.services.elasticloadbalancingv2.Protocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.SslPolicy;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.secretsmanager.CfnSecret;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;
import software.constructs.IConstruct;

/**
 * {@code registry-<env>-DockerFargateStack}: the registry image from {@code registry/} on ECS Fargate behind
 * an internet-facing HTTPS load balancer, storing blobs in an existing S3 bucket.
 */
public final class RegistryServiceStack extends Stack {
    /** Logical id of the deploy-time secret check: it is what an operator reads in the stack events. */
    public static final String SECRET_CHECK_ID = "NotificationAuthSecretCheck";

    private final ApplicationLoadBalancedFargateService service;

    public RegistryServiceStack(Construct scope, RegistrySettings settings, IVpc vpc, Path registryDirectory) {
        super(
                scope,
                settings.serviceStackName(),
                StackProps.builder()
                        .stackName(settings.serviceStackName())
                        .description("Docker registry on ECS Fargate (" + settings.environment() + ")")
                        .env(Environment.builder().region(settings.region()).build())
                        .build());

        Cluster cluster = Cluster.Builder.create(this, "Cluster")
                .vpc(vpc)
                .containerInsightsV2(ContainerInsights.ENABLED)
                .build();

        FargateTaskDefinition taskDefinition = FargateTaskDefinition.Builder.create(this, "TaskDefinition")
                .cpu(settings.cpu())
                .memoryLimitMiB(settings.memoryMiB())
                .runtimePlatform(RuntimePlatform.builder()
                        .operatingSystemFamily(OperatingSystemFamily.LINUX)
                        .cpuArchitecture(CpuArchitecture.X86_64)
                        .build())
                .build();

        ISecret notificationSecret = software.amazon.awscdk.services.secretsmanager.Secret.fromSecretNameV2(
                this, "NotificationSecret", settings.secretName());
        // Every task behind the load balancer must sign upload state with the same key (http.secret), or a
        // blob upload whose requests land on two tasks fails. Generated here; it never leaves Secrets Manager.
        software.amazon.awscdk.services.secretsmanager.Secret httpSecret =
                software.amazon.awscdk.services.secretsmanager.Secret.Builder.create(this, "HttpSecret")
                        .description("http.secret shared by the " + settings.serviceStackName()
                                + " registry tasks to sign upload state")
                        .generateSecretString(SecretStringGenerator.builder()
                                .passwordLength(64)
                                .excludePunctuation(true)
                                .build())
                        .build();

        LogGroup logGroup = LogGroup.Builder.create(this, "Logs")
                .retention(RetentionDays.ONE_YEAR)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();

        Map<String, String> environment = new LinkedHashMap<>();
        environment.put("NOTIFICATION_URL", settings.notificationUrl());
        environment.put("NOTIFICATION_AUTH_SECRET_NAME", settings.secretName());
        environment.put("TOKEN_REALM", settings.token().realm());
        environment.put("TOKEN_SERVICE", settings.token().service());
        environment.put("TOKEN_ISSUER", settings.token().issuer());
        environment.put("TOKEN_ROOTCERTBUNDLE", settings.token().rootCertBundleInImage());
        environment.put("S3_REGION", settings.region());
        environment.put("S3_BUCKET", settings.bucket());
        environment.put("HTTP_ADDR", ":" + RegistrySettings.CONTAINER_PORT);

        // In a fixed order: the template lists them, and a list in another order is a new task definition.
        Map<String, software.amazon.awscdk.services.ecs.Secret> secrets = new LinkedHashMap<>();
        // Only the one JSON key, not the whole secret: the task sees nothing else it holds.
        secrets.put(
                "NOTIFICATION_AUTH",
                software.amazon.awscdk.services.ecs.Secret.fromSecretsManager(
                        notificationSecret, RegistrySettings.SECRET_KEY));
        secrets.put("REGISTRY_HTTP_SECRET", software.amazon.awscdk.services.ecs.Secret.fromSecretsManager(httpSecret));

        taskDefinition.addContainer(
                "registry",
                ContainerDefinitionOptions.builder()
                        .image(ContainerImage.fromAsset(
                                registryDirectory.toString(),
                                AssetImageProps.builder()
                                        .platform(Platform.LINUX_AMD64)
                                        .build()))
                        .environment(environment)
                        .secrets(secrets)
                        .portMappings(List.of(PortMapping.builder()
                                .containerPort(RegistrySettings.CONTAINER_PORT)
                                .build()))
                        .logging(LogDriver.awsLogs(AwsLogDriverProps.builder()
                                .logGroup(logGroup)
                                .streamPrefix("registry")
                                .build()))
                        .build());

        IBucket storage = Bucket.fromBucketName(this, "Storage", settings.bucket());
        // Exactly what the S3 storage driver calls, on exactly the one bucket.
        taskDefinition.addToTaskRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"))
                .resources(List.of(storage.getBucketArn()))
                .build());
        taskDefinition.addToTaskRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of(
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:DeleteObject",
                        "s3:ListMultipartUploadParts",
                        "s3:AbortMultipartUpload"))
                .resources(List.of(storage.arnForObjects("*")))
                .build());

        service = ApplicationLoadBalancedFargateService.Builder.create(this, "Service")
                .cluster(cluster)
                .taskDefinition(taskDefinition)
                .desiredCount(RegistrySettings.MIN_TASKS)
                .minHealthyPercent(100)
                .maxHealthyPercent(200)
                .publicLoadBalancer(true)
                .taskSubnets(SubnetSelection.builder()
                        .subnetType(SubnetType.PRIVATE_WITH_EGRESS)
                        .build())
                .protocol(ApplicationProtocol.HTTPS)
                .certificate(Certificate.fromCertificateArn(this, "Certificate", settings.certificateArn()))
                .sslPolicy(SslPolicy.FORWARD_SECRECY_TLS12_RES_GCM)
                .redirectHttp(true)
                .targetProtocol(ApplicationProtocol.HTTPS)
                .circuitBreaker(DeploymentCircuitBreaker.builder()
                        .enable(true)
                        .rollback(true)
                        .build())
                .healthCheckGracePeriod(Duration.seconds(60))
                .build();
        service.getTargetGroup()
                .configureHealthCheck(HealthCheck.builder()
                        .path(RegistrySettings.HEALTH_CHECK_PATH)
                        .protocol(Protocol.HTTPS)
                        .healthyHttpCodes("200")
                        .build());
        service.getLoadBalancer().setAttribute("routing.http.drop_invalid_header_fields.enabled", "true");

        Bucket accessLogs = Bucket.Builder.create(this, "LoadBalancerAccessLogs")
                .encryption(BucketEncryption.S3_MANAGED)
                .enforceSsl(true)
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .objectOwnership(ObjectOwnership.BUCKET_OWNER_ENFORCED)
                .lifecycleRules(List.of(
                        LifecycleRule.builder().expiration(Duration.days(365)).build()))
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        service.getLoadBalancer().logAccessLogs(accessLogs, "alb");

        ScalableTaskCount scaling = service.getService()
                .autoScaleTaskCount(EnableScalingProps.builder()
                        .minCapacity(RegistrySettings.MIN_TASKS)
                        .maxCapacity(RegistrySettings.MAX_TASKS)
                        .build());
        scaling.scaleOnCpuUtilization(
                "CpuScaling",
                CpuUtilizationScalingProps.builder()
                        .targetUtilizationPercent(RegistrySettings.SCALING_TARGET_PERCENT)
                        .build());
        scaling.scaleOnMemoryUtilization(
                "MemoryScaling",
                MemoryUtilizationScalingProps.builder()
                        .targetUtilizationPercent(RegistrySettings.SCALING_TARGET_PERCENT)
                        .build());

        addSecretCheck(settings, taskDefinition);

        CfnOutput.Builder.create(this, "LoadBalancerDNS")
                .description("DNS name of the registry's load balancer")
                .value(service.getLoadBalancer().getLoadBalancerDnsName())
                .exportName(settings.loadBalancerDnsExportName())
                .build();

        suppressFindings(taskDefinition, storage, httpSecret, accessLogs);
        RegistryTags.apply(this, settings);
    }

    /**
     * Without the secret's key, the tasks cannot start and the deployment used to end, much later, in "ECS
     * Deployment Circuit Breaker was triggered". CloudFormation resolves this dynamic reference when it
     * creates or updates this resource, which the service depends on, so a missing secret or key fails here,
     * before the service is touched. The value lands only in this Secrets Manager secret: no template,
     * output, tag, log or parameter holds it (docs/decisions/0041). The task definition's ARN in the
     * description makes every task definition revision update this resource, so each deployment that
     * could start new tasks checks the secret again.
     */
    private void addSecretCheck(RegistrySettings settings, FargateTaskDefinition taskDefinition) {
        CfnSecret check = CfnSecret.Builder.create(this, SECRET_CHECK_ID)
                .description(Fn.join(
                        "",
                        List.of(
                                "Deploy-time check, read by nothing: the secret " + settings.secretName()
                                        + " must exist with the key " + RegistrySettings.SECRET_KEY
                                        + " before the registry service is created or updated. Task definition: ",
                                taskDefinition.getTaskDefinitionArn())))
                .secretString("{{resolve:secretsmanager:" + settings.secretName() + ":SecretString:"
                        + RegistrySettings.SECRET_KEY + "}}")
                .build();
        check.overrideLogicalId(SECRET_CHECK_ID);
        service.getService().getNode().addDependency(check);
        NagSuppressions.addResourceSuppressions(
                check,
                List.of(NagPackSuppression.builder()
                        .id("AwsSolutions-SMG4")
                        .reason("A deploy-time copy used only to fail early when the operator's secret or its"
                                + " key is missing; rotation belongs to the operator's secret it copies")
                        .build()));
    }

    private void suppressFindings(
            FargateTaskDefinition taskDefinition,
            IBucket storage,
            software.amazon.awscdk.services.secretsmanager.Secret httpSecret,
            Bucket accessLogs) {
        NagSuppressions.addResourceSuppressions(
                taskDefinition,
                List.of(NagPackSuppression.builder()
                        .id("AwsSolutions-ECS2")
                        .reason("The plain environment holds only non-secret settings from cdk.json (URLs, names,"
                                + " the bucket); the two secrets come through the task's secrets")
                        .build()));
        String partition = Token.isUnresolved(getPartition()) ? "<AWS::Partition>" : getPartition();
        NagSuppressions.addResourceSuppressions(
                defaultPolicy(taskDefinition.getTaskRole()),
                List.of(NagPackSuppression.builder()
                        .id("AwsSolutions-IAM5")
                        .reason("The registry stores blobs and manifests under keys it chooses, so it needs the"
                                + " objects of its one bucket; the statement is limited to that bucket")
                        .appliesTo(List.of("Resource::arn:" + partition + ":s3:::" + storage.getBucketName() + "/*"))
                        .build()));
        NagSuppressions.addResourceSuppressions(
                defaultPolicy(taskDefinition.obtainExecutionRole()),
                List.of(NagPackSuppression.builder()
                        .id("AwsSolutions-IAM5")
                        .reason("ecr:GetAuthorizationToken has no resource-level permissions; image pulls are"
                                + " limited to the CDK asset repository")
                        .appliesTo(List.of("Resource::*"))
                        .build()));
        NagSuppressions.addResourceSuppressions(
                httpSecret,
                List.of(NagPackSuppression.builder()
                        .id("AwsSolutions-SMG4")
                        .reason("Signs in-flight upload state only; rotating it would break uploads in progress"
                                + " and gains nothing, as it never leaves Secrets Manager and the tasks")
                        .build()));
        NagSuppressions.addResourceSuppressions(
                accessLogs,
                List.of(NagPackSuppression.builder()
                        .id("AwsSolutions-S1")
                        .reason("This bucket receives the load balancer's access logs; logging its own access"
                                + " would need yet another bucket")
                        .build()));
        NagSuppressions.addResourceSuppressions(
                service.getLoadBalancer().getConnections().getSecurityGroups().getFirst(),
                List.of(NagPackSuppression.builder()
                        .id("AwsSolutions-EC23")
                        .reason("The registry is public: docker clients anywhere reach it on 443 (80 only"
                                + " redirects); access is controlled by bearer tokens")
                        .build()));
    }

    private static IConstruct defaultPolicy(IRole role) {
        return role.getNode().findChild("DefaultPolicy");
    }

    public ApplicationLoadBalancedFargateService service() {
        return service;
    }
}
