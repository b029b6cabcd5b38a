package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.engines.LocalEcrApi;
import org.ecrreplicator.engines.LocalSecretsManager;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.engines.SystemProperties;
import org.ecrreplicator.worker.engine.TestRegistries;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code copy} and {@code sync} between two ECR stand-ins that, like two partitions, each take only their own
 * access keys. The built jar runs as its own process, as an operator runs it: the ECR hosts resolve to loopback
 * through a hosts file, the SDK finds the profiles through {@code AWS_CONFIG_FILE} and {@code
 * AWS_SHARED_CREDENTIALS_FILE}, and {@code AWS_ENDPOINT_URL_ECR} names one regional front that hands each call to
 * the stand-in of the region it is signed for. Usage errors run in process.
 */
class CrossPartitionCredentialsIT {
    private static final Path JAR = Path.of("target", "replicator-worker-cli.jar");
    // The AWS documentation's example keys: fake.
    private static final String COMMERCIAL_KEY = "AKIAIOSFODNN7EXAMPLE";
    private static final String COMMERCIAL_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    private static final String GOV_KEY = "AKIAI44QH8DHBEXAMPLE";
    private static final String GOV_SECRET = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY";
    private static final String COMMERCIAL_ACCOUNT = "111122223333";
    private static final String GOV_ACCOUNT = "444455556666";
    private static final String COMMERCIAL_PASSWORD = "fake-commercial-registry-password";
    private static final String GOV_PASSWORD = "fake-gov-registry-password";

    private static RegistryProcess commercialRegistry;
    private static RegistryProcess govRegistry;
    private static LocalEcrApi commercial;
    private static LocalEcrApi gov;
    private static RegionalFront front;
    private static LocalSecretsManager secrets;
    private static SampleImages.Image copyImage;
    private static SampleImages.Image syncImage;

    @TempDir
    static Path files;

    @BeforeAll
    static void start() throws Exception {
        commercialRegistry =
                RegistryProcess.builder().htpasswd("AWS", COMMERCIAL_PASSWORD).start();
        govRegistry = RegistryProcess.builder().htpasswd("AWS", GOV_PASSWORD).start();
        commercial = new LocalEcrApi(commercialRegistry, COMMERCIAL_PASSWORD, COMMERCIAL_ACCOUNT, "us-east-1")
                .acceptOnly(COMMERCIAL_KEY);
        gov = new LocalEcrApi(govRegistry, GOV_PASSWORD, GOV_ACCOUNT, "us-gov-west-1").acceptOnly(GOV_KEY);
        front = new RegionalFront(Map.of("us-east-1", commercial.endpoint(), "us-gov-west-1", gov.endpoint()));
        // The secret lives in the source (commercial) partition: only the commercial keys read it.
        secrets = new LocalSecretsManager("us-east-1", COMMERCIAL_ACCOUNT).acceptOnly(COMMERCIAL_KEY);

        SampleImages.Target source =
                SampleImages.Target.basic(commercialRegistry.baseUri(), "AWS", COMMERCIAL_PASSWORD);
        copyImage = SampleImages.seed(91).pushOciImage(source, "copy/app", "1.0");
        syncImage = SampleImages.seed(92).pushOciImage(source, "sync/app", "2.0");
        for (String repository : List.of("copy/app", "sync/app")) {
            // The operator commands never create repositories.
            commercial.addRepository(repository, "MUTABLE", false);
            gov.addRepository(repository, "MUTABLE", false);
        }

        Files.writeString(
                files.resolve("hosts"),
                "127.0.0.1 localhost " + host(COMMERCIAL_ACCOUNT, "us-east-1") + " "
                        + host(GOV_ACCOUNT, "us-gov-west-1") + "\n");
        Files.writeString(
                files.resolve("config"),
                "[profile commercial]\nregion = us-east-1\n[profile gov]\nregion = us-gov-west-1\n");
        Files.writeString(
                files.resolve("credentials"),
                "[commercial]\naws_access_key_id = " + COMMERCIAL_KEY + "\naws_secret_access_key = "
                        + COMMERCIAL_SECRET + "\n[gov]\naws_access_key_id = " + GOV_KEY
                        + "\naws_secret_access_key = " + GOV_SECRET + "\n");
    }

    @AfterAll
    static void stop() {
        secrets.close();
        front.close();
        gov.close();
        commercial.close();
        govRegistry.close();
        commercialRegistry.close();
    }

    private static String host(String account, String region) {
        return account + ".dkr.ecr." + region + ".amazonaws.com";
    }

    /** The ECR host of a stand-in, with the port of its data plane. */
    private static String ecrAuthority(LocalEcrApi ecr, String region) {
        return host(ecr.accountId(), region) + ":" + ecr.registry().port();
    }

    private static String commercialHost() {
        return ecrAuthority(commercial, "us-east-1");
    }

    private static String govHost() {
        return ecrAuthority(gov, "us-gov-west-1");
    }

    private static CliRun runJar(String... args) throws Exception {
        assertThat(JAR).as("the shaded jar is built in the package phase").exists();
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Djdk.net.hosts.file=" + files.resolve("hosts"));
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(List.of(args));
        Path out = Files.createTempFile(files, "out", ".txt");
        Path err = Files.createTempFile(files, "err", ".txt");
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(name -> name.startsWith("AWS_") || name.startsWith("REPLICATOR_"));
        env.put("AWS_CONFIG_FILE", files.resolve("config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", files.resolve("credentials").toString());
        env.put("AWS_ENDPOINT_URL_ECR", front.endpoint().toString());
        env.put("AWS_ENDPOINT_URL_SECRETS_MANAGER", secrets.endpoint().toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
        Process process = builder.start();
        if (!process.waitFor(2, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("the command did not finish within 2 minutes");
        }
        return new CliRun(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private static CliRun runInProcess(String... args) {
        return CliRun.inProcess(
                Map.of(),
                (region, credentials, id, defaults) -> {
                    throw new AssertionError("no ECR client before the usage is checked");
                },
                args);
    }

    private static String govBasic() {
        return SampleImages.Target.basic(govRegistry.baseUri(), "AWS", GOV_PASSWORD)
                .authorization();
    }

    @Test
    void shouldCopyAndSyncBetweenPartitionsWhenEachSideHasItsOwnProfile() throws Exception {
        CliRun copy = runJar(
                "copy",
                "--insecure",
                "--src-profile",
                "commercial",
                "--dest-profile",
                "gov",
                commercialHost() + "/copy/app:1.0",
                govHost() + "/copy/app:1.0");
        CliRun sync = runJar(
                "sync",
                "--insecure",
                "--src-profile",
                "commercial",
                "--dest-profile",
                "gov",
                commercialHost() + "/sync",
                govHost() + "/sync");

        assertThat(copy.exit()).as(copy.err()).isZero();
        assertThat(TestRegistries.digestOf(govRegistry.baseUri(), govBasic(), "copy/app", "1.0"))
                .contains(copyImage.digest());
        assertThat(sync.exit()).as(sync.all()).isZero();
        assertThat(sync.out()).contains("copied app:2.0 " + syncImage.digest()).contains("in sync now");
        assertThat(TestRegistries.digestOf(govRegistry.baseUri(), govBasic(), "sync/app", "2.0"))
                .contains(syncImage.digest());
        assertThat(commercial.calls("GetAuthorizationToken")).isNotEmpty();
        assertThat(gov.calls("DescribeRepositories")).isNotEmpty();
    }

    @Test
    void shouldNameTheRefusedSideInOneLineWhenTheProfilesAreSwapped() throws Exception {
        CliRun run = runJar(
                "copy",
                "--insecure",
                "--src-profile",
                "gov",
                "--dest-profile",
                "commercial",
                commercialHost() + "/copy/app:1.0",
                govHost() + "/swapped/app:1.0");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err())
                .contains("ECR registry " + COMMERCIAL_ACCOUNT + " (source side, profile 'gov')")
                .contains("UnrecognizedClientException")
                .contains("give this side credentials of the registry's own partition")
                .doesNotContain(GOV_SECRET);
    }

    @Test
    void shouldCopyWithTheSecretsKeysAndNeverPrintThemWhenGivenTheDestinationSecret() throws Exception {
        String arn = secrets.put(
                "ecr-replicator-cpit/destination",
                "{\"user\":\"ecr-replicator-cpit\",\"accesskey\":\"" + GOV_KEY + "\",\"secretaccesskey\":\""
                        + GOV_SECRET + "\",\"partition\":\"aws-us-gov\",\"accountid\":\"" + GOV_ACCOUNT + "\"}");

        CliRun run = runJar(
                "copy",
                "--insecure",
                "--json",
                "--src-profile",
                "commercial",
                "--dest-secret",
                arn,
                commercialHost() + "/copy/app:1.0",
                govHost() + "/copy/app:secret");

        assertThat(run.exit()).as(run.err()).isZero();
        JsonNode json = Json.parse(run.out());
        assertThat(json.get("digest").asText()).isEqualTo(copyImage.digest());
        assertThat(TestRegistries.digestOf(govRegistry.baseUri(), govBasic(), "copy/app", "secret"))
                .contains(copyImage.digest());
        assertThat(run.all()).doesNotContain(GOV_SECRET).doesNotContain(GOV_KEY);
        assertThat(secrets.calls()).extracting(call -> call.operation()).contains("GetSecretValue");
    }

    @Test
    void shouldNameTheArnAndTheFieldWhenTheSecretLacksOne() throws Exception {
        String arn = secrets.put(
                "ecr-replicator-cpit/incomplete",
                "{\"user\":\"ecr-replicator-cpit\",\"accesskey\":\"" + GOV_KEY
                        + "\",\"partition\":\"aws-us-gov\",\"accountid\":\"" + GOV_ACCOUNT + "\"}");

        CliRun run = runJar(
                "copy",
                "--insecure",
                "--src-profile",
                "commercial",
                "--dest-secret",
                arn,
                commercialHost() + "/copy/app:1.0",
                govHost() + "/copy/app:incomplete");

        assertThat(run.exit()).isEqualTo(1);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err())
                .startsWith("error: destination secret " + arn + ": ")
                .contains("missing field(s) secretaccesskey")
                .doesNotContain(GOV_KEY);
    }

    @Test
    void shouldExitTwoWhenAProfileNamesANonEcrHost() {
        CliRun run =
                runInProcess("copy", "--src-profile", "commercial", "registry.example:5000/a:1", govHost() + "/a:1");

        assertThat(run.exit()).isEqualTo(2);
        assertThat(run.err().strip().lines()).hasSize(1);
        assertThat(run.err()).contains("--src-profile applies to ECR hosts").contains("registry.example");
    }

    @Test
    void shouldExitTwoNamingTheProfileAndTheFilesWhenTheProfileIsMissing() {
        SystemProperties properties = new SystemProperties();
        properties.set("aws.configFile", files.resolve("config").toString());
        properties.set("aws.sharedCredentialsFile", files.resolve("credentials").toString());
        try {
            CliRun run =
                    runInProcess("sync", "--dest-profile", "nosuch", "registry.example:5000", govHost() + "/mirror");

            assertThat(run.exit()).isEqualTo(2);
            assertThat(run.err().strip().lines()).hasSize(1);
            assertThat(run.err())
                    .contains("profile 'nosuch' (--dest-profile)")
                    .contains(files.resolve("config").toString())
                    .contains(files.resolve("credentials").toString());
        } finally {
            properties.restore();
        }
    }

    @Test
    void shouldExitTwoWhenTheDestinationSecretComesWithOtherDestinationCredentials() {
        String arn = "arn:aws:secretsmanager:us-east-1:" + COMMERCIAL_ACCOUNT + ":secret:x-AbCdEf";
        CliRun withProfile = runInProcess(
                "copy", "--dest-secret", arn, "--dest-profile", "gov", "registry.example:5000/a:1", govHost() + "/a:1");
        CliRun withCreds =
                runInProcess("diff", "--dest-secret", arn, "--dest-creds", "u:p", "registry.example:5000", govHost());
        CliRun notAnArn =
                runInProcess("copy", "--dest-secret", "my-secret", "registry.example:5000/a:1", govHost() + "/a:1");

        assertThat(withProfile.exit()).isEqualTo(2);
        assertThat(withProfile.err()).contains("--dest-secret and --dest-profile both give");
        assertThat(withCreds.exit()).isEqualTo(2);
        assertThat(withCreds.err()).contains("--dest-secret and --dest-creds both give");
        assertThat(notAnArn.exit()).isEqualTo(2);
        assertThat(notAnArn.err()).contains("--dest-secret takes the secret's ARN");
    }

    @Test
    void shouldNameTheArnAndTheRefusalButNoValueWhenTheSecretCannotBeUsed() {
        String readable = secrets.put("ecr-replicator-cpit/not-json", "accesskey=" + GOV_KEY + " " + GOV_SECRET);
        String refused = secrets.put(
                "ecr-replicator-cpit/refused",
                "{\"user\":\"u\",\"accesskey\":\"" + GOV_KEY + "\",\"secretaccesskey\":\"" + GOV_SECRET
                        + "\",\"partition\":\"aws-us-gov\",\"accountid\":\"" + GOV_ACCOUNT + "\"}");
        SystemProperties properties = new SystemProperties();
        properties.set("aws.configFile", files.resolve("config").toString());
        properties.set("aws.sharedCredentialsFile", files.resolve("credentials").toString());
        properties.set("aws.endpointUrlSecretsManager", secrets.endpoint().toString());
        try {
            CliRun notJson = runInProcess(
                    "copy",
                    "--src-profile",
                    "commercial",
                    "--dest-secret",
                    readable,
                    "registry.example:5000/a:1",
                    govHost() + "/a:1");
            // The gov keys cannot read a secret of the commercial partition.
            CliRun denied = runInProcess(
                    "copy",
                    "--src-profile",
                    "gov",
                    "--dest-secret",
                    refused,
                    "registry.example:5000/a:1",
                    govHost() + "/a:1");

            assertThat(notJson.exit()).isEqualTo(1);
            assertThat(notJson.err().strip().lines()).hasSize(1);
            assertThat(notJson.err())
                    .startsWith("error: destination secret " + readable + ": ")
                    .contains("not a JSON object");
            assertThat(denied.exit()).isEqualTo(1);
            assertThat(denied.err().strip().lines()).hasSize(1);
            assertThat(denied.err())
                    .startsWith("error: destination secret " + refused + " cannot be read with the source side,"
                            + " profile 'gov': UnrecognizedClientException")
                    .contains("--src-profile");
            assertThat(notJson.all() + denied.all()).doesNotContain(GOV_SECRET).doesNotContain(GOV_KEY);
        } finally {
            properties.restore();
        }
    }

    /**
     * One ECR endpoint for {@code AWS_ENDPOINT_URL_ECR} that, as AWS's regional endpoints do, serves each call
     * from the region it is signed for ({@code Credential=AKID/DATE/REGION/ecr/aws4_request}).
     */
    static final class RegionalFront implements AutoCloseable {
        private static final Pattern SCOPE = Pattern.compile("Credential=[^/]+/\\d{8}/([^/]+)/");
        private static final List<String> FORWARDED = List.of("Authorization", "X-Amz-Target", "X-Amz-Date");
        private static final List<String> RETURNED = List.of("x-amzn-ErrorType", "x-amzn-RequestId");

        private final Map<String, URI> regions;
        private final HttpServer server;
        private final HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

        RegionalFront(Map<String, URI> regions) throws IOException {
            this.regions = Map.copyOf(regions);
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/", this::handle);
            server.start();
        }

        URI endpoint() {
            return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                String authorization = exchange.getRequestHeaders().getFirst("Authorization");
                Matcher scope = SCOPE.matcher(authorization == null ? "" : authorization);
                URI target = scope.find() ? regions.get(scope.group(1)) : null;
                if (target == null) {
                    exchange.sendResponseHeaders(400, -1);
                    return;
                }
                HttpRequest.Builder request = HttpRequest.newBuilder(target)
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", exchange.getRequestHeaders().getFirst("Content-Type"))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
                for (String name : FORWARDED) {
                    String value = exchange.getRequestHeaders().getFirst(name);
                    if (value != null) {
                        request.header(name, value);
                    }
                }
                HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                response.headers().firstValue("Content-Type").ifPresent(value -> exchange.getResponseHeaders()
                        .set("Content-Type", value));
                for (String name : RETURNED) {
                    response.headers().firstValue(name).ifPresent(value -> exchange.getResponseHeaders()
                            .set(name, value));
                }
                exchange.sendResponseHeaders(
                        response.statusCode(), response.body().length == 0 ? -1 : response.body().length);
                exchange.getResponseBody().write(response.body());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }

        @Override
        public void close() {
            server.stop(0);
            http.close();
        }
    }
}
