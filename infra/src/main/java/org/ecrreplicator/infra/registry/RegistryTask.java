package org.ecrreplicator.infra.registry;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.ecr.assets.Platform;
import software.amazon.awscdk.services.ecs.AssetImageProps;
import software.amazon.awscdk.services.ecs.AwsLogDriverProps;
import software.amazon.awscdk.services.ecs.ContainerDefinitionOptions;
import software.amazon.awscdk.services.ecs.ContainerImage;
import software.amazon.awscdk.services.ecs.CpuArchitecture;
import software.amazon.awscdk.services.ecs.FargateTaskDefinition;
import software.amazon.awscdk.services.ecs.LogDriver;
import software.amazon.awscdk.services.ecs.OperatingSystemFamily;
import software.amazon.awscdk.services.ecs.PortMapping;
import software.amazon.awscdk.services.ecs.RuntimePlatform;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.IBucket;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;

/**
 * The Fargate task that runs the registry image from {@code registry/}: its settings as plain environment
 * variables for {@code start.sh} (decision 0040), its two secrets, its logs, and access to the one storage
 * bucket.
 *
 * @param httpSecret the generated {@code http.secret} every task signs upload state with (decision 0042)
 * @param storage the existing bucket the registry keeps blobs and manifests in
 */
record RegistryTask(FargateTaskDefinition definition, Secret httpSecret, IBucket storage) {

    static RegistryTask create(Stack stack, RegistrySettings settings, Path registryDirectory) {
        FargateTaskDefinition definition = FargateTaskDefinition.Builder.create(stack, "TaskDefinition")
                .cpu(settings.cpu())
                .memoryLimitMiB(settings.memoryMiB())
                .runtimePlatform(RuntimePlatform.builder()
                        .operatingSystemFamily(OperatingSystemFamily.LINUX)
                        .cpuArchitecture(CpuArchitecture.X86_64)
                        .build())
                .build();

        ISecret notificationSecret = Secret.fromSecretNameV2(stack, "NotificationSecret", settings.secretName());
        // Every task behind the load balancer must sign upload state with the same key (http.secret), or a
        // blob upload whose requests land on two tasks fails. Generated here; it never leaves Secrets Manager.
        Secret httpSecret = Secret.Builder.create(stack, "HttpSecret")
                .description("http.secret shared by the " + settings.serviceStackName()
                        + " registry tasks to sign upload state")
                .generateSecretString(SecretStringGenerator.builder()
                        .passwordLength(64)
                        .excludePunctuation(true)
                        .build())
                .build();

        LogGroup logGroup = LogGroup.Builder.create(stack, "Logs")
                .retention(RetentionDays.ONE_YEAR)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();

        // In a fixed order: the template lists them, and a list in another order is a new task definition.
        Map<String, software.amazon.awscdk.services.ecs.Secret> secrets = new LinkedHashMap<>();
        // Only the one JSON key, not the whole secret: the task sees nothing else it holds.
        secrets.put(
                "NOTIFICATION_AUTH",
                software.amazon.awscdk.services.ecs.Secret.fromSecretsManager(
                        notificationSecret, RegistrySettings.SECRET_KEY));
        secrets.put("REGISTRY_HTTP_SECRET", software.amazon.awscdk.services.ecs.Secret.fromSecretsManager(httpSecret));

        definition.addContainer(
                "registry",
                ContainerDefinitionOptions.builder()
                        .image(ContainerImage.fromAsset(
                                registryDirectory.toString(),
                                AssetImageProps.builder()
                                        .platform(Platform.LINUX_AMD64)
                                        .build()))
                        .environment(environment(settings))
                        .secrets(secrets)
                        .portMappings(List.of(PortMapping.builder()
                                .containerPort(RegistrySettings.CONTAINER_PORT)
                                .build()))
                        .logging(LogDriver.awsLogs(AwsLogDriverProps.builder()
                                .logGroup(logGroup)
                                .streamPrefix("registry")
                                .build()))
                        .build());

        IBucket storage = Bucket.fromBucketName(stack, "Storage", settings.bucket());
        // Exactly what the S3 storage driver calls, on exactly the one bucket.
        definition.addToTaskRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of("s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketMultipartUploads"))
                .resources(List.of(storage.getBucketArn()))
                .build());
        definition.addToTaskRolePolicy(PolicyStatement.Builder.create()
                .actions(List.of(
                        "s3:GetObject",
                        "s3:PutObject",
                        "s3:DeleteObject",
                        "s3:ListMultipartUploadParts",
                        "s3:AbortMultipartUpload"))
                .resources(List.of(storage.arnForObjects("*")))
                .build());
        return new RegistryTask(definition, httpSecret, storage);
    }

    /** What start.sh renders the configuration template from; none of it is secret. */
    private static Map<String, String> environment(RegistrySettings settings) {
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
        return environment;
    }
}
