package org.ecrreplicator.infra.registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.ecrreplicator.infra.EnvironmentContext;

/**
 * Everything the registry stacks read from cdk.json ({@code environments.<env>.registry}), validated once
 * at synth. A bad value fails synth with its context path and what is valid; nothing here calls AWS.
 */
public record RegistrySettings(
        String environment,
        String region,
        String vpcCidr,
        int natGateways,
        String certificateArn,
        String bucket,
        int cpu,
        int memoryMiB,
        Map<String, String> tags,
        Token token,
        String notificationUrl) {

    public static final String SECTION = "registry";
    public static final String SECRET_KEY = "notification_auth";
    public static final int CONTAINER_PORT = 5000;
    /** The registry answers 200 here without auth (its liveness route); {@code /v2/} needs a token. */
    public static final String HEALTH_CHECK_PATH = "/";

    public static final int MIN_TASKS = 1;
    public static final int MAX_TASKS = 4;
    public static final int SCALING_TARGET_PERCENT = 50;
    /** Where the Dockerfile puts {@code registry/}'s certs directory. */
    public static final String IMAGE_CONFIG_DIR = "/etc/docker/registry/";

    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d");
    private static final Pattern CIDR =
            Pattern.compile("(25[0-5]|2[0-4]\\d|1?\\d?\\d)(\\.(25[0-5]|2[0-4]\\d|1?\\d?\\d)){3}/(1[6-9]|2[0-4])");
    private static final Pattern CERTIFICATE_ARN = Pattern.compile(
            "arn:(aws|aws-us-gov|aws-cn):acm:([a-z0-9-]+):\\d{12}:certificate/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}");
    private static final Pattern BUCKET = Pattern.compile("(?!xn--)(?!.*\\.\\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]");
    private static final Pattern RELATIVE_PEM = Pattern.compile("(?!.*\\.\\.)[A-Za-z0-9_-][A-Za-z0-9_./-]*\\.pem");
    private static final Pattern HTTPS_URL = Pattern.compile("https://[^\\s'\"]+");
    private static final Pattern PLAIN = Pattern.compile("[^\\s'\"\\\\]+");
    private static final Pattern TAG_KEY = Pattern.compile("(?!aws:)[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{1,128}");
    private static final Pattern TAG_VALUE = Pattern.compile("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]{0,256}");

    /** Fargate's valid task sizes: CPU units to the memory sizes (MiB) allowed with it. */
    static final Map<Integer, List<Integer>> FARGATE_SIZES = Map.of(
            256, List.of(512, 1024, 2048),
            512, range(1024, 4096, 1024),
            1024, range(2048, 8192, 1024),
            2048, range(4096, 16384, 1024),
            4096, range(8192, 30720, 1024),
            8192, range(16384, 61440, 4096),
            16384, range(32768, 122880, 8192));

    /** Bearer-token auth of the registry: {@code auth.token} in the configuration. */
    public record Token(String realm, String service, String issuer, String rootCertBundle) {
        /** The bundle's path inside the image. */
        public String rootCertBundleInImage() {
            return IMAGE_CONFIG_DIR + rootCertBundle;
        }
    }

    /**
     * @param registryDirectory the repository's {@code registry/} directory, where the root certificate
     *     bundle named in the settings must exist (it is built into the image)
     */
    public static RegistrySettings from(EnvironmentContext context, Path registryDirectory) {
        EnvironmentContext.Section section = context.section(SECTION);
        String region = section.matching("region", REGION, "an AWS region name such as us-east-1 or us-gov-west-1");
        String certificateArn = section.matching(
                "certificateArn",
                CERTIFICATE_ARN,
                "an ACM certificate ARN (arn:<partition>:acm:<region>:<account>:certificate/<uuid>)");
        var arn = CERTIFICATE_ARN.matcher(certificateArn);
        if (arn.matches() && !arn.group(2).equals(region)) {
            throw section.invalid(
                    "certificateArn",
                    certificateArn,
                    "a certificate in " + region + " (the registry's region): a load balancer listener only"
                            + " takes a certificate from its own region");
        }
        int cpu = section.integer("cpu", 256, 16384);
        if (!FARGATE_SIZES.containsKey(cpu)) {
            throw section.invalid(
                    "cpu",
                    cpu,
                    "one of " + FARGATE_SIZES.keySet().stream().sorted().toList() + " (Fargate CPU units)");
        }
        int memory = section.integer("memory", 512, 122880);
        if (!FARGATE_SIZES.get(cpu).contains(memory)) {
            throw section.invalid(
                    "memory", memory, "with cpu " + cpu + ", one of " + FARGATE_SIZES.get(cpu) + " (MiB)");
        }
        Map<String, String> tags = section.stringMap("tags");
        tags.forEach((key, value) -> {
            if (!TAG_KEY.matcher(key).matches() || !TAG_VALUE.matcher(value).matches()) {
                throw section.invalid(
                        "tags",
                        key + "=" + value,
                        "tag keys of 1-128 and values of 0-256 letters, digits, spaces or _.:/=+-@,"
                                + " keys not starting with aws:");
            }
        });
        EnvironmentContext.Section tokenSection = section.section("token");
        String bundle = tokenSection.matching(
                "rootCertBundle", RELATIVE_PEM, "a .pem path relative to registry/, such as certs/dev-token-root.pem");
        checkBundle(tokenSection, bundle, registryDirectory);
        Token token = new Token(
                url(tokenSection, "realm", "an https:// URL of the token server"),
                tokenSection.matching("service", PLAIN, "the service name tokens are issued for, without spaces"),
                tokenSection.matching("issuer", PLAIN, "the token issuer name, without spaces"),
                bundle);
        String notificationUrl = url(section, "notificationUrl", "an https:// URL that receives registry events");
        return new RegistrySettings(
                context.name(),
                region,
                section.matching("vpcCidr", CIDR, "an IPv4 CIDR block from /16 to /24, such as 10.20.0.0/16"),
                section.integer("natGateways", 1, 2, 1),
                certificateArn,
                section.matching(
                        "bucket", BUCKET, "an existing S3 bucket's name (3-63 lower-case letters, digits, '.', '-')"),
                cpu,
                memory,
                Map.copyOf(tags),
                token,
                notificationUrl);
    }

    private static String url(EnvironmentContext.Section section, String key, String expected) {
        String value = section.matching(key, HTTPS_URL, expected);
        try {
            if (URI.create(value).getHost() == null) {
                throw section.invalid(key, value, expected + " with a host name");
            }
        } catch (IllegalArgumentException e) {
            throw section.invalid(key, value, expected + " (" + e.getMessage() + ")");
        }
        return value;
    }

    private static void checkBundle(EnvironmentContext.Section section, String bundle, Path registryDirectory) {
        Path file = registryDirectory.resolve(bundle).normalize();
        if (!file.startsWith(registryDirectory.normalize()) || !Files.isRegularFile(file)) {
            throw section.invalid(
                    "rootCertBundle",
                    bundle,
                    "a file under " + registryDirectory + " holding the token server's PEM certificate(s)");
        }
        try {
            if (!Files.readString(file).contains("-----BEGIN CERTIFICATE-----")) {
                throw section.invalid(
                        "rootCertBundle", bundle, "a PEM file with at least one -----BEGIN CERTIFICATE----- block");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static List<Integer> range(int from, int to, int step) {
        List<Integer> sizes = new java.util.ArrayList<>();
        for (int size = from; size <= to; size += step) {
            sizes.add(size);
        }
        return List.copyOf(sizes);
    }

    public String networkStackName() {
        return "registry-" + environment + "-common";
    }

    public String serviceStackName() {
        return "registry-" + environment + "-DockerFargateStack";
    }

    public String loadBalancerDnsExportName() {
        return serviceStackName() + "-LoadBalancerDNS";
    }

    /** Created by an operator before the first deploy (docs/registry.md); the stacks only reference it. */
    public String secretName() {
        return serviceStackName() + "/" + environment + "/ecs";
    }
}
