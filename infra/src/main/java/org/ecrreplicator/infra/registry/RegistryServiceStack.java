package org.ecrreplicator.infra.registry;

import static org.ecrreplicator.infra.Suppressions.suppression;

import io.github.cdklabs.cdknag.NagSuppressions;
import java.nio.file.Path;
import java.util.List;
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
import software.amazon.awscdk.services.ecs.Cluster;
import software.amazon.awscdk.services.ecs.ContainerInsights;
import software.amazon.awscdk.services.ecs.CpuUtilizationScalingProps;
import software.amazon.awscdk.services.ecs.DeploymentCircuitBreaker;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.MemoryUtilizationScalingProps;
import software.amazon.awscdk.services.ecs.ScalableTaskCount;
import software.amazon.awscdk.services.ecs.patterns.ApplicationLoadBalancedFargateService;
import software.amazon.awscdk.services.elasticloadbalancingv2.ApplicationProtocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.HealthCheck;
import software.amazon.awscdk.services.elasticloadbalancingv2.Protocol;
import software.amazon.awscdk.services.elasticloadbalancingv2.SslPolicy;
import software.amazon.awscdk.services.iam.IRole;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.LifecycleRule;
import software.amazon.awscdk.services.s3.ObjectOwnership;
import software.amazon.awscdk.services.secretsmanager.CfnSecret;
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
        Cluster cluster = cluster(vpc);
        RegistryTask task = RegistryTask.create(this, settings, registryDirectory);
        service = loadBalancedService(settings, cluster, task.definition());
        Bucket accessLogs = loadBalancerAccessLogs();
        scaleOnCpuAndMemory();
        addSecretCheck(settings, task.definition());
        loadBalancerDnsOutput(settings);
        suppressFindings(task, accessLogs);
        RegistryTags.apply(this, settings);
    }

    private Cluster cluster(IVpc vpc) {
        return Cluster.Builder.create(this, "Cluster")
                .vpc(vpc)
                .containerInsightsV2(ContainerInsights.ENABLED)
                .build();
    }

    /** In private subnets behind a public HTTPS load balancer; a deployment that fails rolls back. */
    private ApplicationLoadBalancedFargateService loadBalancedService(
            RegistrySettings settings, Cluster cluster, FargateTaskDefinition taskDefinition) {
        ApplicationLoadBalancedFargateService loadBalanced = ApplicationLoadBalancedFargateService.Builder.create(
                        this, "Service")
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
        loadBalanced
                .getTargetGroup()
                .configureHealthCheck(HealthCheck.builder()
                        .path(RegistrySettings.HEALTH_CHECK_PATH)
                        .protocol(Protocol.HTTPS)
                        .healthyHttpCodes("200")
                        .build());
        loadBalanced.getLoadBalancer().setAttribute("routing.http.drop_invalid_header_fields.enabled", "true");
        return loadBalanced;
    }

    /** A private, TLS-only bucket for the load balancer's access logs, kept a year (decision 0043). */
    private Bucket loadBalancerAccessLogs() {
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
        return accessLogs;
    }

    private void scaleOnCpuAndMemory() {
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
    }

    private void loadBalancerDnsOutput(RegistrySettings settings) {
        CfnOutput.Builder.create(this, "LoadBalancerDNS")
                .description("DNS name of the registry's load balancer")
                .value(service.getLoadBalancer().getLoadBalancerDnsName())
                .exportName(settings.loadBalancerDnsExportName())
                .build();
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
                List.of(suppression(
                        "AwsSolutions-SMG4",
                        "A deploy-time copy used only to fail early when the operator's secret or its"
                                + " key is missing; rotation belongs to the operator's secret it copies")));
    }

    /** cdk-nag findings that are deliberate, each on its one resource with its reason (decision 0043). */
    private void suppressFindings(RegistryTask task, Bucket accessLogs) {
        FargateTaskDefinition taskDefinition = task.definition();
        NagSuppressions.addResourceSuppressions(
                taskDefinition,
                List.of(suppression(
                        "AwsSolutions-ECS2",
                        "The plain environment holds only non-secret settings from cdk.json (URLs, names,"
                                + " the bucket); the two secrets come through the task's secrets")));
        String partition = Token.isUnresolved(getPartition()) ? "<AWS::Partition>" : getPartition();
        NagSuppressions.addResourceSuppressions(
                defaultPolicy(taskDefinition.getTaskRole()),
                List.of(suppression(
                        "AwsSolutions-IAM5",
                        "The registry stores blobs and manifests under keys it chooses, so it needs the"
                                + " objects of its one bucket; the statement is limited to that bucket",
                        List.of("Resource::arn:" + partition + ":s3:::"
                                + task.storage().getBucketName() + "/*"))));
        NagSuppressions.addResourceSuppressions(
                defaultPolicy(taskDefinition.obtainExecutionRole()),
                List.of(suppression(
                        "AwsSolutions-IAM5",
                        "ecr:GetAuthorizationToken has no resource-level permissions; image pulls are"
                                + " limited to the CDK asset repository",
                        List.of("Resource::*"))));
        NagSuppressions.addResourceSuppressions(
                task.httpSecret(),
                List.of(suppression(
                        "AwsSolutions-SMG4",
                        "Signs in-flight upload state only; rotating it would break uploads in progress"
                                + " and gains nothing, as it never leaves Secrets Manager and the tasks")));
        NagSuppressions.addResourceSuppressions(
                accessLogs,
                List.of(suppression(
                        "AwsSolutions-S1",
                        "This bucket receives the load balancer's access logs; logging its own access"
                                + " would need yet another bucket")));
        NagSuppressions.addResourceSuppressions(
                service.getLoadBalancer().getConnections().getSecurityGroups().getFirst(),
                List.of(suppression(
                        "AwsSolutions-EC23",
                        "The registry is public: docker clients anywhere reach it on 443 (80 only"
                                + " redirects); access is controlled by bearer tokens")));
    }

    private static IConstruct defaultPolicy(IRole role) {
        return role.getNode().findChild("DefaultPolicy");
    }

    public ApplicationLoadBalancedFargateService service() {
        return service;
    }
}
