package org.ecrreplicator.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ecrreplicator.worker.engine.RegistryAssertions.assertExactCopy;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.worker.engine.registry.Credentials;
import org.ecrreplicator.worker.engine.registry.RetryPolicy;
import org.junit.jupiter.api.Test;

/** Unreliable networks and registries, and redirects to storage on another host. */
class FaultInjectionIT {

    @Test
    void shouldStillCopyExactlyWhenOneRequestInFiveFailsOnBothSides() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                FaultProxy sourceProxy = new FaultProxy(source.baseUri(), 0.2, 42);
                FaultProxy destinationProxy = new FaultProxy(destination.baseUri(), 0.2, 43);
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults()
                        .withRetryPolicy(new RetryPolicy(
                                10, Duration.ofMillis(20), Duration.ofMillis(200), Duration.ofSeconds(2))))) {
            SampleImages.Target push = SampleImages.Target.anonymous(source.baseUri());
            SampleImages.Image index =
                    SampleImages.seed(31).layerSizes(3_000_000, 700_000, 5_000).pushOciIndex(push, "flaky/app", "1");
            SampleImages.Image list =
                    SampleImages.seed(32).layerSizes(2_000_000, 1).pushDockerManifestList(push, "flaky/list", "1");
            SampleImages.Image artifact = SampleImages.seed(33).pushOciArtifact(push, "flaky/artifact", "1");

            for (String repository : List.of("flaky/app", "flaky/list", "flaky/artifact")) {
                CopyResult result = copier.copy(
                        ImageReference.parse(sourceProxy.authority() + "/" + repository + ":1"),
                        Endpoint.anonymous(true),
                        ImageReference.parse(destinationProxy.authority() + "/" + repository + ":1"),
                        Endpoint.anonymous(true));
                assertThat(result.digest()).isNotNull();
            }

            assertExactCopy(destination.baseUri(), null, "flaky/app", "1", index);
            assertExactCopy(destination.baseUri(), null, "flaky/list", "1", list);
            assertExactCopy(destination.baseUri(), null, "flaky/artifact", "1", artifact);
            // The proxies really did break things, of every kind, on both sides.
            assertThat(sourceProxy.injectedTotal()).isGreaterThan(3);
            assertThat(destinationProxy.injectedTotal()).isGreaterThan(3);
            for (FaultProxy.Fault fault : FaultProxy.Fault.values()) {
                assertThat(sourceProxy.injected(fault) + destinationProxy.injected(fault))
                        .as("injected %s", fault)
                        .isPositive();
            }
        }
    }

    @Test
    void shouldAbandonAndRetryABlobDownloadWhenTheSourceStopsSendingMidway() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                FaultProxy sourceProxy = new FaultProxy(source.baseUri(), 0, 2).stallBlobDownloads(1);
                ImageCopier copier =
                        new ImageCopier(ImageCopier.Options.defaults().withIdleTimeout(Duration.ofMillis(500)))) {
            SampleImages.Image image = SampleImages.seed(35)
                    .layerSizes(4_000_000)
                    .pushOciImage(SampleImages.Target.anonymous(source.baseUri()), "stall/app", "1");
            long started = System.nanoTime();

            CopyResult result = copier.copy(
                    ImageReference.parse(sourceProxy.authority() + "/stall/app:1"),
                    Endpoint.anonymous(true),
                    ImageReference.parse(destination.authority() + "/stall/app:1"),
                    Endpoint.anonymous(true));

            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
            assertThat(result.blobsCopied()).isEqualTo(image.blobs().size());
            assertExactCopy(destination.baseUri(), null, "stall/app", "1", image);
        }
    }

    @Test
    void shouldAbandonAndRetryABlobUploadWhenTheDestinationStopsReadingMidway() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                // More than loopback's socket buffers hold (tcp_rmem reaches 32 MiB, tcp_wmem 4 MiB here): the
                // writes block once the proxy stops reading.
                FaultProxy destinationProxy = new FaultProxy(destination.baseUri(), 0, 4).stallBlobUploads(1);
                ImageCopier copier =
                        new ImageCopier(ImageCopier.Options.defaults().withIdleTimeout(Duration.ofMillis(500)))) {
            SampleImages.Image image = SampleImages.seed(37)
                    .layerSizes(64_000_000)
                    .pushOciImage(SampleImages.Target.anonymous(source.baseUri()), "upstall/app", "1");
            long started = System.nanoTime();

            CopyResult result = copier.copy(
                    ImageReference.parse(source.authority() + "/upstall/app:1"),
                    Endpoint.anonymous(true),
                    ImageReference.parse(destinationProxy.authority() + "/upstall/app:1"),
                    Endpoint.anonymous(true));

            // Without the watchdog, only the 10-minute commit timeout would end the stalled attempt.
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
            assertThat(destinationProxy.uploadsStalled()).isEqualTo(1);
            assertThat(result.blobsCopied()).isEqualTo(image.blobs().size());
            assertExactCopy(destination.baseUri(), null, "upstall/app", "1", image);
        }
    }

    /** What the destination's proxy saw of a copy whose blob commits were answered late. */
    record HeldCommits(int blobs, CopyResult result, long puts, long heads) {}

    /**
     * Copies a one-layer image into a destination whose proxy passes each blob commit on at once and answers
     * it {@code answerAfter} later; checks the copy is exact.
     */
    private static HeldCommits copyWithCommitsAnsweredAfter(Duration answerAfter, ImageCopier.Options options)
            throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                FaultProxy destinationProxy =
                        new FaultProxy(destination.baseUri(), 0, 3).delayBlobCommits(answerAfter);
                ImageCopier copier = new ImageCopier(options)) {
            SampleImages.Image image = SampleImages.seed(36)
                    .layerSizes(1_000_000)
                    .pushOciImage(SampleImages.Target.anonymous(source.baseUri()), "commit/app", "1");

            CopyResult result = copier.copy(
                    ImageReference.parse(source.authority() + "/commit/app:1"),
                    Endpoint.anonymous(true),
                    ImageReference.parse(destinationProxy.authority() + "/commit/app:1"),
                    Endpoint.anonymous(true));

            assertExactCopy(destination.baseUri(), null, "commit/app", "1", image);
            return new HeldCommits(
                    image.blobs().size(),
                    result,
                    destinationProxy.requests("PUT", "/blobs/uploads/"),
                    destinationProxy.requests("HEAD", "/blobs/"));
        }
    }

    @Test
    void shouldCountAnUploadAsDoneWhenTheDestinationTakesLongerThanTheIdleTimeoutToCommitIt() throws Exception {
        HeldCommits copy = copyWithCommitsAnsweredAfter(
                Duration.ofMillis(1500), ImageCopier.Options.defaults().withIdleTimeout(Duration.ofMillis(300)));

        assertThat(copy.result().blobsCopied()).isEqualTo(copy.blobs());
        assertThat(copy.heads())
                .as("one existence check per blob: no attempt was failed and retried")
                .isEqualTo(copy.blobs());
    }

    @Test
    void shouldRetryAnUploadWhenTheDestinationNeverAnswersItsCommit() throws Exception {
        long started = System.nanoTime();
        // Held back far longer than the test may run: only the commit timeout gets the copy past it.
        HeldCommits copy = copyWithCommitsAnsweredAfter(
                Duration.ofMinutes(10), ImageCopier.Options.defaults().withCommitTimeout(Duration.ofMillis(500)));

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(30));
        assertThat(copy.result().blobsCopied()).isEqualTo(copy.blobs());
        assertThat(copy.puts())
                .as("one upload per blob: the retry found each blob committed")
                .isEqualTo(copy.blobs());
        assertThat(copy.heads())
                .as("an existence check per blob before the upload and one after its unanswered commit")
                .isEqualTo(2L * copy.blobs());
    }

    @Test
    void shouldFailNamingTheCommitTimeoutWhenTheDestinationNeverAnswersAndNoAttemptIsLeft() {
        ImageCopier.Options once = ImageCopier.Options.defaults()
                .withCommitTimeout(Duration.ofMillis(500))
                .withRetryPolicy(
                        new RetryPolicy(1, Duration.ofMillis(10), Duration.ofMillis(10), Duration.ofSeconds(1)));

        assertThatThrownBy(() -> copyWithCommitsAnsweredAfter(Duration.ofMinutes(10), once))
                .isInstanceOf(ReplicatorException.class)
                .hasMessageContaining("no answer 500 ms after the last byte");
    }

    @Test
    void shouldFollowRedirectsToAnotherHostWithoutTheRegistryCredentialsWhenDownloadingBlobs() throws Exception {
        String user = "AWS";
        String password = "fake-registry-password";
        List<String> authorizationSeenByStorage = new CopyOnWriteArrayList<>();
        AtomicInteger servedByStorage = new AtomicInteger();
        try (RegistryProcess source =
                        RegistryProcess.builder().htpasswd(user, password).start();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                FaultProxy sourceFront = new FaultProxy(source.baseUri(), 0, 1);
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            SampleImages.Target push = SampleImages.Target.basic(source.baseUri(), user, password);
            SampleImages.Image image = SampleImages.seed(34).pushOciIndex(push, "redirect/app", "1");
            HttpClient http = HttpClient.newHttpClient();
            // "Storage" on another host name (localhost, not 127.0.0.1), like S3 behind ECR's 307.
            HttpServer storage = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
            storage.createContext("/blobs/", exchange -> {
                try (exchange) {
                    String auth = exchange.getRequestHeaders().getFirst("Authorization");
                    if (auth != null) {
                        authorizationSeenByStorage.add(auth);
                    }
                    String path = exchange.getRequestURI().getPath();
                    String digest = path.substring(path.lastIndexOf('/') + 1);
                    HttpResponse<byte[]> blob = http.send(
                            HttpRequest.newBuilder(source.baseUri().resolve("/v2/redirect/app/blobs/" + digest))
                                    .header("Authorization", push.authorization())
                                    .build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    servedByStorage.incrementAndGet();
                    exchange.sendResponseHeaders(200, blob.body().length == 0 ? -1 : blob.body().length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(blob.body());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            storage.start();
            try {
                sourceFront.redirectBlobsTo(
                        URI.create("http://localhost:" + storage.getAddress().getPort()));

                CopyResult result = copier.copy(
                        ImageReference.parse(sourceFront.authority() + "/redirect/app:1"),
                        Endpoint.of(Credentials.basic(user, password), true),
                        ImageReference.parse(destination.authority() + "/redirect/app:1"),
                        Endpoint.anonymous(true));

                assertThat(result.blobsCopied()).isEqualTo(image.blobs().size());
                assertThat(servedByStorage.get()).isEqualTo(image.blobs().size());
                assertThat(authorizationSeenByStorage).isEmpty();
                assertExactCopy(destination.baseUri(), null, "redirect/app", "1", image);
            } finally {
                storage.stop(0);
            }
        }
    }
}
