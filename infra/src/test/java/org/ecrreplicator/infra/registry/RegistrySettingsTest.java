package org.ecrreplicator.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.ecrreplicator.infra.EnvironmentContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistrySettingsTest {
    private static final String CERTIFICATE =
            "arn:aws:acm:us-east-1:111122223333:certificate/00000000-0000-4000-8000-000000000001";

    @TempDir
    Path registryDirectory;

    @Test
    void shouldReadEveryEnvironmentWhenCdkJsonIsTheRepositoryOne() {
        for (String env : new String[] {"dev", "prod"}) {
            RegistrySettings settings = RegistrySettings.from(RegistryFixture.context(env), RegistryDirectory.locate());

            assertThat(settings.serviceStackName()).isEqualTo("registry-" + env + "-DockerFargateStack");
            assertThat(settings.networkStackName()).isEqualTo("registry-" + env + "-common");
            assertThat(settings.secretName()).isEqualTo("registry-" + env + "-DockerFargateStack/" + env + "/ecs");
            assertThat(settings.loadBalancerDnsExportName())
                    .isEqualTo("registry-" + env + "-DockerFargateStack-LoadBalancerDNS");
            assertThat(RegistrySettings.FARGATE_SIZES.get(settings.cpu())).contains(settings.memoryMiB());
        }
    }

    @Test
    void shouldReadTypedValuesWhenSettingsAreValid() throws IOException {
        RegistrySettings settings = RegistrySettings.from(context(registry -> {}), bundleDirectory());

        assertThat(settings.region()).isEqualTo("us-east-1");
        assertThat(settings.vpcCidr()).isEqualTo("10.20.0.0/16");
        assertThat(settings.natGateways()).isEqualTo(1);
        assertThat(settings.cpu()).isEqualTo(512);
        assertThat(settings.memoryMiB()).isEqualTo(2048);
        assertThat(settings.tags()).containsEntry("Project", "docker-registry");
        assertThat(settings.token().rootCertBundleInImage()).isEqualTo("/etc/docker/registry/certs/token.pem");
    }

    @Test
    void shouldListValidSizesWhenCpuIsNotAFargateSize() throws IOException {
        assertFails(
                registry -> registry.put("cpu", 300),
                "context 'environments.dev.registry.cpu' is 300: expected one of [256, 512, 1024, 2048, 4096, 8192, 16384]");
    }

    @Test
    void shouldListMemoryForTheCpuWhenTheCombinationIsInvalid() throws IOException {
        assertFails(
                registry -> registry.put("memory", 512),
                "context 'environments.dev.registry.memory' is 512: expected with cpu 512, one of [1024, 2048, 3072, 4096] (MiB)");
    }

    @Test
    void shouldNameBothRegionsWhenTheCertificateIsElsewhere() throws IOException {
        assertFails(
                registry -> registry.put("certificateArn", CERTIFICATE.replace("us-east-1", "eu-west-1")),
                "context 'environments.dev.registry.certificateArn'",
                "a certificate in us-east-1");
    }

    @Test
    void shouldNameThePathWhenAValueIsMissingOrMalformed() throws IOException {
        assertFails(registry -> registry.remove("bucket"), "context 'environments.dev.registry.bucket' is missing");
        assertFails(
                registry -> registry.put("vpcCidr", "10.20.0.0/8"),
                "context 'environments.dev.registry.vpcCidr' is '10.20.0.0/8': expected an IPv4 CIDR block from /16 to /24");
        assertFails(
                registry -> registry.put("notificationUrl", "http://listener.example.org/events"),
                "context 'environments.dev.registry.notificationUrl'",
                "https://");
        assertFails(
                registry -> registry.put("tags", Map.of("aws:owner", "x")),
                "context 'environments.dev.registry.tags'",
                "not starting with aws:");
    }

    @Test
    void shouldRefuseTheBundleWhenItIsNotACertificateUnderRegistry() throws IOException {
        assertFails(
                registry -> registry.put("token", token("certs/absent.pem")),
                "context 'environments.dev.registry.token.rootCertBundle' is 'certs/absent.pem'");
        assertFails(
                registry -> registry.put("token", token("../outside.pem")),
                "context 'environments.dev.registry.token.rootCertBundle' is '../outside.pem'");
        Files.writeString(registryDirectory.resolve("not-a-cert.pem"), "-----BEGIN PRIVATE KEY-----\n");
        assertFails(
                registry -> registry.put("token", token("not-a-cert.pem")),
                "expected a PEM file with at least one -----BEGIN CERTIFICATE----- block");
    }

    private void assertFails(Consumer<Map<String, Object>> change, String... messageParts) throws IOException {
        Path directory = bundleDirectory();
        assertThatThrownBy(() -> RegistrySettings.from(context(change), directory))
                .isInstanceOf(EnvironmentContext.InvalidContextException.class)
                .message()
                .contains(messageParts);
    }

    private Path bundleDirectory() throws IOException {
        Files.createDirectories(registryDirectory.resolve("certs"));
        Files.writeString(
                registryDirectory.resolve("certs/token.pem"),
                "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n");
        return registryDirectory;
    }

    private static Map<String, Object> token(String bundle) {
        return Map.of(
                "realm", "https://auth.example.org/token",
                "service", "docker.example.org",
                "issuer", "issuer.example.org",
                "rootCertBundle", bundle);
    }

    private static EnvironmentContext context(Consumer<Map<String, Object>> change) {
        Map<String, Object> registry = new HashMap<>();
        registry.put("region", "us-east-1");
        registry.put("vpcCidr", "10.20.0.0/16");
        registry.put("certificateArn", CERTIFICATE);
        registry.put("bucket", "example-registry-storage");
        registry.put("cpu", 512);
        registry.put("memory", 2048);
        registry.put("token", token("certs/token.pem"));
        registry.put("notificationUrl", "https://listener.example.org/events");
        registry.put("tags", Map.of("Project", "docker-registry"));
        change.accept(registry);
        return EnvironmentContext.of("dev", Map.of("dev", Map.of("registry", registry)));
    }
}
