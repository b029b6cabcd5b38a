package org.ecrreplicator.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ecrreplicator.worker.engine.RegistryAssertions.assertExactCopy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.engines.TokenIssuer;
import org.ecrreplicator.engines.TokenServer;
import org.ecrreplicator.worker.engine.manifest.ManifestException;
import org.ecrreplicator.worker.engine.registry.Credentials;
import org.ecrreplicator.worker.engine.registry.RegistryException;
import org.junit.jupiter.api.Test;

/**
 * Registries that answer in ways meant to leak credentials or exhaust the worker: a token realm or an
 * upload location elsewhere, an oversized manifest, an index of hundreds of children, a manifest put
 * answered without its digest. docs/decisions/0070-untrusted-registries.md.
 */
class UntrustedRegistryIT {
    private static final String USER = "replicator";
    private static final String PASSWORD = "fake-realm-password";
    private static final Endpoint PLAIN = Endpoint.anonymous(true);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @Test
    void shouldSendNoCredentialsWhenTheTokenRealmIsOnAnotherHost() {
        TokenIssuer issuer = TokenIssuer.create("test-issuer");
        try (TokenServer tokens =
                        TokenServer.start(issuer, "test-registry", Map.of(USER, PASSWORD), Duration.ofMinutes(5));
                // Reached as 127.0.0.1, the registry names a realm on "localhost": the same machine, another host.
                RegistryProcess source = RegistryProcess.builder()
                        .token(
                                URI.create(tokens.realm().toString().replace("127.0.0.1", "localhost")),
                                "test-registry",
                                issuer)
                        .start();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            assertThatThrownBy(() -> copier.copy(
                            ImageReference.parse(source.authority() + "/team/app:1"),
                            Endpoint.of(Credentials.basic(USER, PASSWORD), true),
                            ImageReference.parse(destination.authority() + "/team/app:1"),
                            PLAIN))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("no credentials sent")
                    .hasMessageContaining("token realm named by " + source.authority())
                    .hasMessageContaining("REPLICATOR_TRUSTED_REALMS=localhost")
                    .hasMessageNotContaining(PASSWORD);
            // Not one request, so not one Authorization header, reached the realm.
            assertThat(tokens.requestCount()).isZero();
        }
    }

    @Test
    void shouldSendNoCredentialsWhenTheTokenRealmIsPlainHttpOffThisMachine() {
        TokenIssuer issuer = TokenIssuer.create("test-issuer");
        // 192.0.2.0/24 is reserved for documentation: nothing answers there, so a client that tried would hang
        // on connecting instead of failing at once with the reason.
        try (RegistryProcess source = RegistryProcess.builder()
                        .token(URI.create("http://192.0.2.10:5001/token"), "test-registry", issuer)
                        .start();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            assertThatThrownBy(() -> copier.copy(
                            ImageReference.parse(source.authority() + "/team/app:1"),
                            Endpoint.of(Credentials.basic(USER, PASSWORD), true),
                            ImageReference.parse(destination.authority() + "/team/app:1"),
                            PLAIN))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("http://192.0.2.10:5001")
                    .hasMessageContaining("is plain HTTP: credentials go over HTTPS only")
                    .hasMessageNotContaining(PASSWORD);
        }
    }

    @Test
    void shouldRefuseTheUploadWhenTheDestinationSendsItToAnotherOrigin() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                FaultProxy proxy = new FaultProxy(destination.baseUri(), 0, 1)
                        // The foreign origin is the destination itself under another name: following it would
                        // work, so only the check stops the upload.
                        .sendUploadsTo("localhost:" + destination.port());
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            SampleImages.seed(61).pushOciImage(SampleImages.Target.anonymous(source.baseUri()), "team/app", "1");

            assertThatThrownBy(() -> copier.copy(
                            ImageReference.parse(source.authority() + "/team/app:1"),
                            PLAIN,
                            ImageReference.parse(proxy.authority() + "/team/app:1"),
                            PLAIN))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining(
                            "refused: the registry sent the upload to http://localhost:" + destination.port())
                    .hasMessageContaining("neither on the registry's host nor in its domain");
            assertThat(proxy.requests("POST", "/blobs/uploads/")).isPositive();
            assertThat(proxy.requests("PUT", "/blobs/uploads/")).isZero();
        }
    }

    @Test
    void shouldRefuseAManifestLargerThanTheLimitAndNameTheLimit() throws Exception {
        byte[] huge = new byte[6 * 1024 * 1024];
        java.util.Arrays.fill(huge, (byte) ' ');
        byte[] start = "{\"schemaVersion\":2,\"layers\":[]".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(start, 0, huge, 0, start.length);
        huge[huge.length - 1] = '}';
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                FaultProxy proxy = new FaultProxy(source.baseUri(), 0, 1)
                        .serve("GET", "/manifests/huge", 200, SampleImages.OCI_MANIFEST, huge);
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            assertThatThrownBy(() -> copier.copy(
                            ImageReference.parse(proxy.authority() + "/team/app:huge"),
                            PLAIN,
                            ImageReference.parse(destination.authority() + "/team/app:huge"),
                            PLAIN))
                    .isInstanceOf(ManifestException.class)
                    .hasMessageContaining("larger than the 4 MiB limit on manifests");
            // Refused as it is, not retried: a registry that sent it once sends it again.
            assertThat(proxy.requests("GET", "/manifests/huge")).isEqualTo(1);
        }
    }

    @Test
    void shouldOpenAtMostTwiceTheConcurrencyOfConnectionsWhenAnIndexHas400Children() throws Exception {
        int concurrency = 4;
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                FaultProxy sourceProxy = new FaultProxy(source.baseUri(), 0, 1);
                FaultProxy destinationProxy = new FaultProxy(destination.baseUri(), 0, 1);
                ImageCopier copier =
                        new ImageCopier(ImageCopier.Options.defaults().withConcurrency(concurrency))) {
            String index = pushWideIndex(source.baseUri(), "wide/app", "400", 400);

            CopyResult result = copier.copy(
                    ImageReference.parse(sourceProxy.authority() + "/wide/app:400"),
                    PLAIN,
                    ImageReference.parse(destinationProxy.authority() + "/wide/app:400"),
                    PLAIN);

            assertThat(result.digest().toString()).isEqualTo(index);
            assertThat(result.manifests()).isEqualTo(401);
            assertThat(TestRegistries.digestOf(destination.baseUri(), "wide/app", "400"))
                    .contains(index);
            assertThat(sourceProxy.requests("GET", "/manifests/sha256:")).isEqualTo(400);
            assertThat(sourceProxy.connections()).isLessThanOrEqualTo(2 * concurrency);
            assertThat(destinationProxy.connections()).isLessThanOrEqualTo(2 * concurrency);
        }
    }

    @Test
    void shouldRefuseAnIndexWithMoreManifestsThanTheLimitBeforeFetchingThem() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                FaultProxy sourceProxy = new FaultProxy(source.baseUri(), 0, 1);
                ImageCopier copier =
                        new ImageCopier(ImageCopier.Options.defaults().withMaxManifests(20))) {
            pushWideIndex(source.baseUri(), "wide/app", "30", 30);

            assertThatThrownBy(() -> copier.copy(
                            ImageReference.parse(sourceProxy.authority() + "/wide/app:30"),
                            PLAIN,
                            ImageReference.parse(destination.authority() + "/wide/app:30"),
                            PLAIN))
                    .isInstanceOf(ManifestLimitException.class)
                    .hasMessageContaining("more than 20 manifests (the limit on manifests per image)");
            assertThat(sourceProxy.requests("GET", "/manifests/sha256:")).isZero();
        }
    }

    @Test
    void shouldVerifyByReadingBackWhenTheDestinationReportsNoDigest() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                FaultProxy proxy = new FaultProxy(destination.baseUri(), 0, 1)
                        .stripHeader("PUT", "/manifests/", "Docker-Content-Digest");
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            SampleImages.Image image = SampleImages.seed(62)
                    .pushOciIndex(SampleImages.Target.anonymous(source.baseUri()), "team/app", "2");

            CopyResult result = copier.copy(
                    ImageReference.parse(source.authority() + "/team/app:2"),
                    PLAIN,
                    ImageReference.parse(proxy.authority() + "/team/app:2"),
                    PLAIN);

            assertThat(result.digest().toString()).isEqualTo(image.digest());
            assertExactCopy(destination.baseUri(), null, "team/app", "2", image);
            // Every manifest put was read back (the copy itself only asks the destination with HEAD).
            assertThat(proxy.requests("PUT", "/manifests/")).isPositive();
            assertThat(proxy.requests("GET", "/manifests/"))
                    .isGreaterThanOrEqualTo(proxy.requests("PUT", "/manifests/"));
        }
    }

    @Test
    void shouldFailWhenTheDestinationAnswersAManifestPutWithoutStoringIt() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                FaultProxy proxy = new FaultProxy(destination.baseUri(), 0, 1);
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            SampleImages.Image image = SampleImages.seed(63)
                    .pushOciImage(SampleImages.Target.anonymous(source.baseUri()), "team/app", "3");
            // The image is at the destination by digest; only the tag is missing, and the tag's put is faked.
            copier.copy(
                    ImageReference.parse(source.authority() + "/team/app@" + image.digest()),
                    PLAIN,
                    ImageReference.parse(destination.authority() + "/team/app@" + image.digest()),
                    PLAIN);
            proxy.answer("PUT", "/manifests/3", 201, "FAKE_CREATED");

            assertThatThrownBy(() -> copier.copy(
                            ImageReference.parse(source.authority() + "/team/app:3"),
                            PLAIN,
                            ImageReference.parse(proxy.authority() + "/team/app:3"),
                            PLAIN))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("without a Docker-Content-Digest header")
                    .hasMessageContaining("it did not store it");
            assertThat(TestRegistries.digestOf(destination.baseUri(), "team/app", "3"))
                    .isEmpty();
        }
    }

    /** An OCI index of {@code children} image manifests sharing one config and one layer; returns its digest. */
    private static String pushWideIndex(URI registry, String repository, String tag, int children) throws Exception {
        byte[] config = "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
        byte[] layer = "fake layer content".getBytes(StandardCharsets.UTF_8);
        String configDigest = pushBlob(registry, repository, config);
        String layerDigest = pushBlob(registry, repository, layer);
        StringBuilder index = new StringBuilder(
                "{\"schemaVersion\":2,\"mediaType\":\"" + SampleImages.OCI_INDEX + "\",\"manifests\":[");
        List<Future<?>> puts = new ArrayList<>();
        // Eight puts at once: one after the other, 400 take half a minute.
        ExecutorService pushers = Executors.newFixedThreadPool(8);
        try {
            for (int i = 0; i < children; i++) {
                byte[] manifest = ("{\"schemaVersion\":2,\"mediaType\":\"" + SampleImages.OCI_MANIFEST
                                + "\",\"config\":{\"mediaType\":\"" + SampleImages.OCI_CONFIG + "\",\"digest\":\""
                                + configDigest + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\""
                                + SampleImages.OCI_LAYER + "\",\"digest\":\"" + layerDigest + "\",\"size\":"
                                + layer.length + "}],\"annotations\":{\"example.child\":\"" + i + "\"}}")
                        .getBytes(StandardCharsets.UTF_8);
                String digest = sha256(manifest);
                URI uri = registry.resolve("/v2/" + repository + "/manifests/" + digest);
                puts.add(pushers.submit(() -> {
                    put(uri, SampleImages.OCI_MANIFEST, manifest);
                    return null;
                }));
                index.append(i == 0 ? "" : ",")
                        .append("{\"mediaType\":\"" + SampleImages.OCI_MANIFEST + "\",\"digest\":\"" + digest
                                + "\",\"size\":" + manifest.length + ",\"platform\":{\"architecture\":\"amd64\","
                                + "\"os\":\"linux\",\"variant\":\"v" + i + "\"}}");
            }
            for (Future<?> put : puts) {
                put.get();
            }
        } finally {
            pushers.shutdownNow();
        }
        byte[] bytes = index.append("]}").toString().getBytes(StandardCharsets.UTF_8);
        put(registry.resolve("/v2/" + repository + "/manifests/" + tag), SampleImages.OCI_INDEX, bytes);
        return sha256(bytes);
    }

    private static String pushBlob(URI registry, String repository, byte[] content) throws Exception {
        HttpResponse<Void> started = HTTP.send(
                HttpRequest.newBuilder(registry.resolve("/v2/" + repository + "/blobs/uploads/"))
                        .POST(HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.discarding());
        assertThat(started.statusCode()).isEqualTo(202);
        URI location = registry.resolve(started.headers().firstValue("Location").orElseThrow());
        String digest = sha256(content);
        put(
                URI.create(location + (location.getRawQuery() == null ? "?" : "&") + "digest=" + digest),
                "application/octet-stream",
                content);
        return digest;
    }

    private static void put(URI uri, String contentType, byte[] body) throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(uri)
                        .header("Content-Type", contentType)
                        .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("PUT %s: %s", uri, response.body()).isEqualTo(201);
    }

    private static String sha256(byte[] bytes) throws Exception {
        return "sha256:"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
