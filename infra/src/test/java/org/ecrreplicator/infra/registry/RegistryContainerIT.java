package org.ecrreplicator.infra.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.ecrreplicator.engines.FreePorts;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.TokenIssuer;
import org.ecrreplicator.engines.TokenServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * registry/start.sh with the real configuration template and the Debian {@code docker-registry} on
 * 127.0.0.1. Only the storage driver differs from the image: filesystem instead of S3, through the
 * registry's own REGISTRY_STORAGE override. TLS is on, with the certificate start.sh generates.
 */
class RegistryContainerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SERVICE = "registry.test.example";
    // Obviously fake, and full of what a naive renderer (sed, eval, an unquoted YAML scalar) would mangle.
    private static final String NOTIFICATION_AUTH = "ZmFrZTpmYWtl/+&=\\x\\\\n 'single' \"double\" a&b=c";
    private static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    static Path work;

    private static TokenIssuer issuer;
    private static TokenServer tokenServer;
    private static HttpServer listener;
    private static final BlockingQueue<Notification> notifications = new LinkedBlockingQueue<>();
    private static Process registry;
    private static Path registryLog;
    private static int port;
    private static HttpClient client;

    record Notification(String authorization, JsonNode body) {}

    @BeforeAll
    static void startRegistry() throws Exception {
        issuer = TokenIssuer.create("test-token-issuer");
        tokenServer = TokenServer.start(issuer, SERVICE, Map.of(), Duration.ofMinutes(5));
        listener = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        listener.createContext("/events", exchange -> {
            try (exchange) {
                byte[] body = exchange.getRequestBody().readAllBytes();
                notifications.add(
                        new Notification(exchange.getRequestHeaders().getFirst("Authorization"), JSON.readTree(body)));
                exchange.sendResponseHeaders(200, -1);
            }
        });
        listener.start();

        port = FreePorts.next();
        Map<String, String> environment = baseEnvironment();
        environment.put("NOTIFICATION_AUTH", NOTIFICATION_AUTH);
        registryLog = work.resolve("registry.log");
        registry = startScript(environment, registryLog);
        client = awaitTls(work.resolve("run/tls/cert.pem"));
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (registry != null) {
            registry.destroy();
            if (!registry.waitFor(10, TimeUnit.SECONDS)) {
                registry.destroyForcibly();
            }
        }
        if (tokenServer != null) {
            tokenServer.close();
        }
        if (listener != null) {
            listener.stop(0);
        }
    }

    @Test
    void shouldAcceptOnlyTokensForTheRepositoryWhenPushing() throws Exception {
        HttpResponse<String> anonymous =
                client.send(request("/v2/").GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer realm=\"" + tokenServer.realm() + "\",service=\"" + SERVICE + "\"");

        String token = tokenFromRealm("repository:team/app:pull,push");
        String digest = push(token, "team/app", "1.0.0", "layer for team/app");
        HttpResponse<Void> manifest = client.send(
                request("/v2/team/app/manifests/1.0.0")
                        .header("Authorization", "Bearer " + token)
                        .header("Accept", DOCKER_MANIFEST)
                        .method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(manifest.statusCode()).isEqualTo(200);
        assertThat(manifest.headers().firstValue("Docker-Content-Digest")).hasValue(digest);

        String otherRepository = issuer.token(
                SERVICE,
                "tester",
                Duration.ofMinutes(5),
                List.of(TokenIssuer.Access.repository("team/other", "pull", "push")));
        HttpResponse<String> refused = client.send(
                request("/v2/team/app/blobs/uploads/")
                        .header("Authorization", "Bearer " + otherRepository)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(challenge -> assertThat(challenge)
                        // The registry lists the actions in no fixed order (it collects them in a map).
                        .containsPattern("scope=\"repository:team/app:(pull,push|push,pull)\"")
                        .contains("error=\"insufficient_scope\""));
    }

    @Test
    void shouldSendTheSecretByteForByteWhenNotifyingAPush() throws Exception {
        String token = issuer.token(
                SERVICE,
                "tester",
                Duration.ofMinutes(5),
                List.of(TokenIssuer.Access.repository("team/notify", "pull", "push")));
        String digest = push(token, "team/notify", "2.0.0", "layer for team/notify");

        Notification pushEvent = awaitNotification("team/notify", digest);

        assertThat(pushEvent.authorization()).isEqualTo("Basic " + NOTIFICATION_AUTH);
        assertThat(Files.readString(registryLog)).doesNotContain(NOTIFICATION_AUTH);
    }

    @Test
    void shouldExitNamingTheSecretKeyWhenNotificationAuthIsMissing() throws Exception {
        for (String value : new String[] {null, ""}) {
            Map<String, String> environment = baseEnvironment();
            environment.put("HTTP_ADDR", "127.0.0.1:" + FreePorts.next());
            environment.put("REGISTRY_RUN_DIR", work.resolve("missing-run").toString());
            if (value != null) {
                environment.put("NOTIFICATION_AUTH", value);
            }
            Path log = Files.createTempFile(work, "missing", ".log");
            Process process = startScript(environment, log);

            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).isNotZero();
            assertThat(Files.readString(log))
                    .contains("notification_auth")
                    .contains("registry-test-DockerFargateStack/test/ecs")
                    .doesNotContain("level=");
        }
    }

    @Test
    void shouldAnswerTheLoadBalancerHealthCheckWhenStarted() throws Exception {
        HttpResponse<Void> health = client.send(
                request(RegistrySettings.HEALTH_CHECK_PATH).GET().build(), HttpResponse.BodyHandlers.discarding());

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.sslSession())
                .hasValueSatisfying(session -> assertThat(session.getProtocol()).isIn("TLSv1.2", "TLSv1.3"));
    }

    private static Map<String, String> baseEnvironment() {
        Path registryDirectory = RegistryDirectory.locate();
        Map<String, String> environment = new HashMap<>();
        environment.put("PATH", System.getenv("PATH"));
        environment.put(
                "NOTIFICATION_URL", "http://127.0.0.1:" + listener.getAddress().getPort() + "/events");
        environment.put("NOTIFICATION_AUTH_SECRET_NAME", "registry-test-DockerFargateStack/test/ecs");
        environment.put("TOKEN_REALM", tokenServer.realm().toString());
        environment.put("TOKEN_SERVICE", SERVICE);
        environment.put("TOKEN_ISSUER", issuer.issuer());
        environment.put(
                "TOKEN_ROOTCERTBUNDLE",
                issuer.writeRootCertBundle(work.resolve("token-root.pem")).toString());
        environment.put("S3_REGION", "us-east-1");
        environment.put("S3_BUCKET", "unused-in-this-test");
        environment.put("HTTP_ADDR", "127.0.0.1:" + port);
        environment.put("REGISTRY_BIN", RegistryProcess.binary());
        environment.put(
                "REGISTRY_CONFIG",
                registryDirectory.resolve("config/config.yml").toString());
        environment.put("REGISTRY_RUN_DIR", work.resolve("run").toString());
        environment.put("REGISTRY_STORAGE", "filesystem");
        environment.put(
                "REGISTRY_STORAGE_FILESYSTEM_ROOTDIRECTORY",
                work.resolve("storage").toString());
        environment.put("REGISTRY_HTTP_SECRET", "test-only-upload-state-secret");
        return environment;
    }

    private static Process startScript(Map<String, String> environment, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(
                        "/bin/sh",
                        RegistryDirectory.locate().resolve("start.sh").toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        return builder.start();
    }

    /** Waits for start.sh's certificate and the registry behind it, trusting exactly that certificate. */
    private static HttpClient awaitTls(Path certificate) throws Exception {
        Instant deadline = Instant.now().plus(DEADLINE);
        while (Instant.now().isBefore(deadline)) {
            if (!registry.isAlive()) {
                throw new IllegalStateException(
                        "start.sh exited with " + registry.exitValue() + ": " + Files.readString(registryLog));
            }
            if (Files.isRegularFile(certificate) && Files.size(certificate) > 0) {
                HttpClient candidate = trusting(certificate);
                try {
                    candidate.send(
                            request(RegistrySettings.HEALTH_CHECK_PATH)
                                    .timeout(Duration.ofSeconds(2))
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
                    return candidate;
                } catch (IOException notListeningYet) {
                    // the registry is still starting
                }
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(
                "registry did not answer within " + DEADLINE + ": " + Files.readString(registryLog));
    }

    private static HttpClient trusting(Path certificate) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(certificate)) {
            trust.setCertificateEntry(
                    "registry", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        SSLParameters parameters = new SSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        return HttpClient.newBuilder()
                .sslContext(context)
                .sslParameters(parameters)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
    }

    private static HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(10));
    }

    /** What a docker client does after the 401: ask the realm from the challenge for a token. */
    private static String tokenFromRealm(String scope) throws Exception {
        URI uri = URI.create(tokenServer.realm() + "?service=" + URLEncoder.encode(SERVICE, StandardCharsets.UTF_8)
                + "&scope=" + URLEncoder.encode(scope, StandardCharsets.UTF_8));
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(uri)
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body()).get("token").asText();
    }

    /** Pushes a one-layer image; returns the manifest digest. */
    private static String push(String token, String repository, String tag, String layerText) throws Exception {
        byte[] config =
                ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]},"
                                + "\"comment\":\"" + layerText + "\"}")
                        .getBytes(StandardCharsets.UTF_8);
        byte[] layer = layerText.getBytes(StandardCharsets.UTF_8);
        String configDigest = uploadBlob(token, repository, config);
        String layerDigest = uploadBlob(token, repository, layer);
        byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + DOCKER_MANIFEST + "\","
                        + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":"
                        + config.length + ",\"digest\":\"" + configDigest + "\"},"
                        + "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":"
                        + layer.length + ",\"digest\":\"" + layerDigest + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> response = client.send(
                request("/v2/" + repository + "/manifests/" + tag)
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", DOCKER_MANIFEST)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        String digest = digest(manifest);
        assertThat(response.headers().firstValue("Docker-Content-Digest")).hasValue(digest);
        return digest;
    }

    private static String uploadBlob(String token, String repository, byte[] content) throws Exception {
        HttpResponse<String> started = client.send(
                request("/v2/" + repository + "/blobs/uploads/")
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        String location = started.headers().firstValue("Location").orElseThrow();
        String digest = digest(content);
        URI upload = URI.create("https://127.0.0.1:" + port + "/")
                .resolve(location + (location.contains("?") ? "&" : "?") + "digest="
                        + URLEncoder.encode(digest, StandardCharsets.UTF_8));
        HttpResponse<String> finished = client.send(
                HttpRequest.newBuilder(upload)
                        .timeout(Duration.ofSeconds(10))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/octet-stream")
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(content))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(finished.statusCode()).as(finished.body()).isEqualTo(201);
        return digest;
    }

    private static Notification awaitNotification(String repository, String digest) throws InterruptedException {
        Instant deadline = Instant.now().plus(DEADLINE);
        while (Instant.now().isBefore(deadline)) {
            Notification next = notifications.poll(200, TimeUnit.MILLISECONDS);
            if (next == null) {
                continue;
            }
            for (JsonNode event : next.body().path("events")) {
                if ("push".equals(event.path("action").asText())
                        && repository.equals(
                                event.path("target").path("repository").asText())
                        && digest.equals(event.path("target").path("digest").asText())) {
                    return next;
                }
            }
        }
        throw new AssertionError("no push notification for " + repository + "@" + digest + " within " + DEADLINE);
    }

    private static String digest(byte[] content) throws Exception {
        return "sha256:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
    }
}
