package org.ecrreplicator.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.ecrreplicator.infra.RegistryStacks;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

class RegistryStacksTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** CloudFormation types in these stacks that take no Tags property. */
    private static final Set<String> UNTAGGABLE = Set.of(
            "AWS::CDK::Metadata",
            "AWS::IAM::Policy",
            "AWS::S3::BucketPolicy",
            "AWS::EC2::Route",
            "AWS::EC2::SubnetRouteTableAssociation",
            "AWS::EC2::VPCGatewayAttachment",
            "AWS::EC2::SecurityGroupIngress",
            "AWS::EC2::SecurityGroupEgress",
            "AWS::ElasticLoadBalancingV2::Listener",
            "AWS::ApplicationAutoScaling::ScalableTarget",
            "AWS::ApplicationAutoScaling::ScalingPolicy",
            "Custom::VpcRestrictDefaultSG");

    private static Template service(String env) {
        return Template.fromStack(RegistryFixture.stacks(env).service());
    }

    private static Template network(String env) {
        return Template.fromStack(RegistryFixture.stacks(env).network());
    }

    private static JsonNode json(Template template) {
        return JSON.valueToTree(template.toJSON());
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldUseTheReferenceNamesWhenDefiningAnEnvironment(String env) {
        RegistryStacks.Registry registry = RegistryFixture.stacks(env);

        assertThat(registry.network().getStackName()).isEqualTo("registry-" + env + "-common");
        assertThat(registry.service().getStackName()).isEqualTo("registry-" + env + "-DockerFargateStack");
        service(env)
                .hasOutput(
                        "LoadBalancerDNS",
                        Map.of(
                                "Export",
                                Map.of("Name", "registry-" + env + "-DockerFargateStack-LoadBalancerDNS"),
                                "Value",
                                Map.of("Fn::GetAtt", List.of(Match.anyValue(), "DNSName"))));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldSpanTwoZonesWithTheContextCidrWhenBuildingTheNetwork(String env) {
        RegistrySettings settings = RegistryFixture.stacks(env).settings();
        Template network = network(env);

        network.hasResourceProperties("AWS::EC2::VPC", Map.of("CidrBlock", settings.vpcCidr()));
        network.resourceCountIs("AWS::EC2::Subnet", 4);
        network.resourceCountIs("AWS::EC2::NatGateway", settings.natGateways());
        network.hasResourceProperties("AWS::EC2::FlowLog", Map.of("TrafficType", "ALL"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldTerminateTlsAndRedirectHttpWhenListening(String env) {
        RegistrySettings settings = RegistryFixture.stacks(env).settings();
        Template template = service(env);

        template.hasResourceProperties(
                "AWS::ElasticLoadBalancingV2::Listener",
                Map.of(
                        "Protocol",
                        "HTTPS",
                        "Port",
                        443,
                        "SslPolicy",
                        "ELBSecurityPolicy-FS-1-2-Res-2020-10",
                        "Certificates",
                        List.of(Map.of("CertificateArn", settings.certificateArn()))));
        template.hasResourceProperties(
                "AWS::ElasticLoadBalancingV2::Listener",
                Map.of(
                        "Protocol",
                        "HTTP",
                        "Port",
                        80,
                        "DefaultActions",
                        List.of(Map.of(
                                "Type",
                                "redirect",
                                "RedirectConfig",
                                Map.of("Protocol", "HTTPS", "Port", "443", "StatusCode", "HTTP_301")))));
        template.hasResourceProperties(
                "AWS::ElasticLoadBalancingV2::TargetGroup",
                Map.of(
                        "Protocol", "HTTPS",
                        "TargetType", "ip",
                        "HealthCheckProtocol", "HTTPS",
                        "HealthCheckPath", RegistrySettings.HEALTH_CHECK_PATH,
                        "Matcher", Map.of("HttpCode", "200")));
        template.hasResourceProperties(
                "AWS::ECS::Service",
                Map.of(
                        "LoadBalancers",
                        List.of(Map.of(
                                "ContainerName",
                                "registry",
                                "ContainerPort",
                                RegistrySettings.CONTAINER_PORT,
                                "TargetGroupArn",
                                Match.anyValue()))));
        for (String attribute : List.of("access_logs.s3.enabled", "routing.http.drop_invalid_header_fields.enabled")) {
            template.hasResourceProperties(
                    "AWS::ElasticLoadBalancingV2::LoadBalancer",
                    Map.of(
                            "Scheme",
                            "internet-facing",
                            "LoadBalancerAttributes",
                            Match.arrayWith(List.of(Map.of("Key", attribute, "Value", "true")))));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldRollBackAndScaleOnCpuAndMemoryWhenDeployingTheService(String env) {
        RegistrySettings settings = RegistryFixture.stacks(env).settings();
        Template template = service(env);

        template.hasResourceProperties(
                "AWS::ECS::Cluster",
                Map.of("ClusterSettings", List.of(Map.of("Name", "containerInsights", "Value", "enabled"))));
        template.hasResourceProperties(
                "AWS::ECS::Service",
                Map.of(
                        "LaunchType",
                        "FARGATE",
                        "DeploymentConfiguration",
                        Match.objectLike(
                                Map.of("DeploymentCircuitBreaker", Map.of("Enable", true, "Rollback", true)))));
        template.hasResourceProperties(
                "AWS::ECS::TaskDefinition",
                Map.of("Cpu", String.valueOf(settings.cpu()), "Memory", String.valueOf(settings.memoryMiB())));
        template.hasResourceProperties(
                "AWS::ApplicationAutoScaling::ScalableTarget", Map.of("MinCapacity", 1, "MaxCapacity", 4));
        for (String metric : List.of("ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization")) {
            template.hasResourceProperties(
                    "AWS::ApplicationAutoScaling::ScalingPolicy",
                    Map.of(
                            "PolicyType",
                            "TargetTrackingScaling",
                            "TargetTrackingScalingPolicyConfiguration",
                            Match.objectLike(Map.of(
                                    "TargetValue",
                                    50,
                                    "PredefinedMetricSpecification",
                                    Map.of("PredefinedMetricType", metric)))));
        }
        template.resourceCountIs("AWS::ApplicationAutoScaling::ScalingPolicy", 2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldPassTheContextSettingsToTheContainerWhenDefiningTheTask(String env) {
        RegistrySettings settings = RegistryFixture.stacks(env).settings();
        JsonNode container = container(env);

        Map<String, String> environment = new java.util.HashMap<>();
        container
                .path("Environment")
                .forEach(e ->
                        environment.put(e.path("Name").asText(), e.path("Value").asText()));
        assertThat(environment)
                .containsEntry("NOTIFICATION_URL", settings.notificationUrl())
                .containsEntry("NOTIFICATION_AUTH_SECRET_NAME", settings.secretName())
                .containsEntry("TOKEN_REALM", settings.token().realm())
                .containsEntry("TOKEN_SERVICE", settings.token().service())
                .containsEntry("TOKEN_ISSUER", settings.token().issuer())
                .containsEntry("TOKEN_ROOTCERTBUNDLE", "/etc/docker/registry/certs/" + env + "-token-root.pem")
                .containsEntry("S3_BUCKET", settings.bucket())
                .containsEntry("S3_REGION", settings.region())
                .containsEntry("HTTP_ADDR", ":5000")
                .doesNotContainKey("NOTIFICATION_AUTH");
        assertThat(container.path("PortMappings").get(0).path("ContainerPort").asInt())
                .isEqualTo(5000);
        assertThat(container.path("LogConfiguration").path("LogDriver").asText())
                .isEqualTo("awslogs");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldInjectOnlyTheNotificationAuthKeyWhenReferencingTheSecret(String env) {
        RegistrySettings settings = RegistryFixture.stacks(env).settings();
        JsonNode container = container(env);
        String secretArnPart = ":secret:" + settings.secretName();

        List<String> fromOperatorSecret = new ArrayList<>();
        container.path("Secrets").forEach(secret -> {
            String valueFrom = secret.path("ValueFrom").toString();
            if (valueFrom.contains(secretArnPart)) {
                fromOperatorSecret.add(secret.path("Name").asText() + " <- " + valueFrom);
            }
        });
        assertThat(fromOperatorSecret).hasSize(1);
        assertThat(fromOperatorSecret.getFirst())
                .startsWith("NOTIFICATION_AUTH <- ")
                .contains(secretArnPart + ":notification_auth::");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldListTheContainerSecretsInOneOrderWhenSynthesizing(String env) {
        // A list in another order would be a new task definition, and a deployment of new tasks, for nothing.
        List<String> names = new ArrayList<>();
        container(env)
                .path("Secrets")
                .forEach(secret -> names.add(secret.path("Name").asText()));

        assertThat(names).containsExactly("NOTIFICATION_AUTH", "REGISTRY_HTTP_SECRET");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldCheckTheSecretBeforeTheServiceWhenDeploying(String env) {
        RegistrySettings settings = RegistryFixture.stacks(env).settings();
        JsonNode resources = json(service(env)).path("Resources");
        JsonNode check = resources.path(RegistryServiceStack.SECRET_CHECK_ID);
        String serviceId = logicalIdOfType(resources, "AWS::ECS::Service");
        String taskDefinitionId = logicalIdOfType(resources, "AWS::ECS::TaskDefinition");

        assertThat(check.path("Type").asText()).isEqualTo("AWS::SecretsManager::Secret");
        assertThat(check.path("Properties").path("SecretString").asText())
                .isEqualTo("{{resolve:secretsmanager:" + settings.secretName() + ":SecretString:notification_auth}}");
        assertThat(check.path("Properties").path("Description").toString())
                .contains(settings.secretName())
                .contains("notification_auth")
                .contains("{\"Ref\":\"" + taskDefinitionId + "\"}");
        List<String> serviceDependsOn = new ArrayList<>();
        resources.path(serviceId).path("DependsOn").forEach(id -> serviceDependsOn.add(id.asText()));
        assertThat(serviceDependsOn).contains(RegistryServiceStack.SECRET_CHECK_ID);

        // The dynamic reference is consumed by the check alone: no output, tag or other property carries it.
        String whole = json(service(env)).toString();
        assertThat(whole.split("\\{\\{resolve:", -1)).hasSize(2);
        assertThat(json(service(env)).path("Outputs").toString()).doesNotContain("resolve:");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldGrantTheTaskExactlyTheStorageBucketWhenStoringBlobs(String env) {
        RegistrySettings settings = RegistryFixture.stacks(env).settings();
        JsonNode resources = json(service(env)).path("Resources");
        String taskRoleRef = resources
                .path(logicalIdOfType(resources, "AWS::ECS::TaskDefinition"))
                .path("Properties")
                .path("TaskRoleArn")
                .path("Fn::GetAtt")
                .get(0)
                .asText();

        List<JsonNode> policies = new ArrayList<>();
        resources.forEach(resource -> {
            if (resource.path("Type").asText().equals("AWS::IAM::Policy")
                    && resource.path("Properties").path("Roles").toString().contains("\"" + taskRoleRef + "\"")) {
                policies.add(resource.path("Properties").path("PolicyDocument"));
            }
        });
        assertThat(policies).hasSize(1);
        List<String> resourcesGranted = new ArrayList<>();
        policies.getFirst().path("Statement").forEach(statement -> {
            assertThat(statement.path("Effect").asText()).isEqualTo("Allow");
            statement.path("Action").forEach(action -> assertThat(action.asText())
                    .startsWith("s3:")
                    .doesNotContain("*"));
            JsonNode resource = statement.path("Resource");
            (resource.isArray() ? resource : JSON.createArrayNode().add(resource))
                    .forEach(r -> resourcesGranted.add(r.isTextual() ? r.asText() : r.toString()));
        });
        assertThat(resourcesGranted)
                .containsExactlyInAnyOrder(
                        "arn:aws:s3:::" + settings.bucket(), "arn:aws:s3:::" + settings.bucket() + "/*");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dev", "prod"})
    void shouldTagEveryTaggableResourceWhenTagsAreConfigured(String env) {
        Map<String, String> tags = RegistryFixture.stacks(env).settings().tags();
        assertThat(tags).isNotEmpty();

        for (Template template : List.of(network(env), service(env))) {
            json(template).path("Resources").properties().forEach(entry -> {
                String type = entry.getValue().path("Type").asText();
                if (UNTAGGABLE.contains(type)) {
                    return;
                }
                JsonNode tagList = entry.getValue().path("Properties").path("Tags");
                Map<String, String> found = new java.util.HashMap<>();
                if (tagList.isArray()) {
                    tagList.forEach(tag -> found.put(
                            tag.path("Key").asText(), tag.path("Value").asText()));
                } else {
                    tagList.properties()
                            .forEach(tag ->
                                    found.put(tag.getKey(), tag.getValue().asText()));
                }
                assertThat(found).as(entry.getKey() + " (" + type + ")").containsAllEntriesOf(tags);
            });
        }
    }

    private static JsonNode container(String env) {
        JsonNode resources = json(service(env)).path("Resources");
        JsonNode containers = resources
                .path(logicalIdOfType(resources, "AWS::ECS::TaskDefinition"))
                .path("Properties")
                .path("ContainerDefinitions");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static String logicalIdOfType(JsonNode resources, String type) {
        List<String> ids = new ArrayList<>();
        resources.properties().forEach(entry -> {
            if (entry.getValue().path("Type").asText().equals(type)) {
                ids.add(entry.getKey());
            }
        });
        assertThat(ids).as(type).hasSize(1);
        return ids.getFirst();
    }
}
