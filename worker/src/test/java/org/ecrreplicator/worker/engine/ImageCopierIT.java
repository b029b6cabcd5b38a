package org.ecrreplicator.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ecrreplicator.worker.engine.RegistryAssertions.assertExactCopy;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.worker.engine.registry.RegistryException;
import org.ecrreplicator.worker.engine.registry.RetryPolicy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Exact copies between two real, anonymous registries. */
class ImageCopierIT {
    private static RegistryProcess source;
    private static RegistryProcess destination;
    private static ImageCopier copier;
    private static final Endpoint PLAIN = Endpoint.anonymous(true);

    @BeforeAll
    static void start() {
        source = RegistryProcess.startAnonymous();
        destination = RegistryProcess.startAnonymous();
        copier = new ImageCopier(ImageCopier.Options.defaults());
    }

    @AfterAll
    static void stop() {
        copier.close();
        destination.close();
        source.close();
    }

    private static SampleImages.Target sourceTarget() {
        return SampleImages.Target.anonymous(source.baseUri());
    }

    private static CopyResult copy(String from, String to) {
        return copier.copy(
                ImageReference.parse(source.authority() + "/" + from),
                PLAIN,
                ImageReference.parse(destination.authority() + "/" + to),
                PLAIN);
    }

    @Test
    void shouldCopyEveryPlatformAndTheAttestationWithSameDigestsWhenSourceIsAnOciIndex() throws Exception {
        SampleImages.Image image = SampleImages.seed(1).pushOciIndex(sourceTarget(), "team/app", "1.0");

        CopyResult result = copy("team/app:1.0", "mirror/app:1.0");

        assertThat(result.digest().toString()).isEqualTo(image.digest());
        assertThat(result.mediaType()).isEqualTo(SampleImages.OCI_INDEX);
        assertThat(result.manifests()).isEqualTo(4);
        assertThat(result.blobsCopied()).isEqualTo(image.blobs().size());
        assertThat(result.bytesCopied()).isEqualTo(image.blobBytes());
        assertExactCopy(destination.baseUri(), null, "mirror/app", "1.0", image);
    }

    @Test
    void shouldCopyEveryPlatformWhenAnIndexListsThree() throws Exception {
        SampleImages.Image image = SampleImages.seed(15)
                .layers(2, 4096)
                .pushOciIndex(sourceTarget(), "three/app", "1", List.of("amd64", "arm64", "ppc64le"));

        CopyResult result = copy("three/app:1", "three/app:1");

        // Three images, the attestation and the index; 2 layers and a config per image, 2 blobs of attestation.
        assertThat(result.manifests()).isEqualTo(5);
        assertThat(image.blobs()).hasSize(11);
        assertThat(result.blobsCopied()).isEqualTo(image.blobs().size());
        assertThat(result.bytesCopied()).isEqualTo(image.blobBytes());
        assertExactCopy(destination.baseUri(), null, "three/app", "1", image);
    }

    @Test
    void shouldKeepDockerMediaTypesWhenSourceIsAManifestList() throws Exception {
        SampleImages.Image image = SampleImages.seed(2).pushDockerManifestList(sourceTarget(), "docker/list", "v2");

        CopyResult result = copy("docker/list:v2", "docker/list:v2");

        assertThat(result.mediaType()).isEqualTo(SampleImages.DOCKER_LIST);
        assertExactCopy(destination.baseUri(), null, "docker/list", "v2", image);
    }

    @Test
    void shouldKeepOriginalBytesWhenManifestsHaveOddWhitespaceAndNonAsciiText() throws Exception {
        SampleImages.Image image = SampleImages.seed(3).pushOddlyFormatted(sourceTarget(), "odd/format", "odd");

        CopyResult result = copy("odd/format@" + image.digest(), "odd/format:copied");

        assertThat(new String(image.manifests().get(0).bytes(), java.nio.charset.StandardCharsets.UTF_8))
                .contains("\r\n")
                .contains("Zürich")
                .contains("\\u00e9");
        assertThat(result.digest().toString()).isEqualTo(image.digest());
        assertExactCopy(destination.baseUri(), null, "odd/format", "copied", image);
    }

    @Test
    void shouldCopyCustomConfigTypeAndZeroLengthBlobWhenSourceIsAnOciArtifact() throws Exception {
        SampleImages.Image image = SampleImages.seed(4).pushOciArtifact(sourceTarget(), "artifacts/bundle", "v1");

        CopyResult result = copy("artifacts/bundle:v1", "artifacts/bundle:v1");

        assertThat(image.blobs()).anyMatch(blob -> blob.size() == 0);
        assertThat(image.blobs()).anyMatch(blob -> blob.mediaType().equals(SampleImages.ARTIFACT_CONFIG));
        assertThat(result.blobsCopied()).isEqualTo(3);
        assertExactCopy(destination.baseUri(), null, "artifacts/bundle", "v1", image);
    }

    @Test
    void shouldCopyExactlyThatDigestWhenSourceNamesADigestAndRepositoryIsNested() throws Exception {
        SampleImages.Image first = SampleImages.seed(5).pushOciIndex(sourceTarget(), "org/team/sub/app", "moving");
        SampleImages.Image second = SampleImages.seed(6).pushOciIndex(sourceTarget(), "org/team/sub/app", "moving");

        CopyResult result = copy("org/team/sub/app@" + first.digest(), "a/b/c/d/app");

        assertThat(second.digest()).isNotEqualTo(first.digest());
        assertThat(result.digest().toString()).isEqualTo(first.digest());
        assertThat(result.destination().tag()).isNull();
        assertExactCopy(destination.baseUri(), null, "a/b/c/d/app", null, first);
    }

    @Test
    void shouldResolveTheTagWhenTheCopyStartsAndReportThatDigest() throws Exception {
        SampleImages.seed(7).pushOciImage(sourceTarget(), "resolve/app", "latest");
        SampleImages.Image now = SampleImages.seed(8).pushOciImage(sourceTarget(), "resolve/app", "latest");

        CopyResult result = copy("resolve/app:latest", "resolve/app");

        assertThat(result.digest().toString()).isEqualTo(now.digest());
        assertThat(result.destination().tag()).isEqualTo("latest");
        assertExactCopy(destination.baseUri(), null, "resolve/app", "latest", now);
    }

    @Test
    void shouldTransferNoBlobBytesWhenTheImageWasCopiedBefore() throws Exception {
        SampleImages.Image image = SampleImages.seed(9).pushOciIndex(sourceTarget(), "again/app", "1");
        copy("again/app:1", "again/app:1");

        CopyResult sameTag = copy("again/app:1", "again/app:1");
        CopyResult newTag = copy("again/app:1", "again/app:2");

        assertThat(sameTag.blobsCopied()).isZero();
        assertThat(sameTag.bytesCopied()).isZero();
        assertThat(sameTag.blobsSkipped()).isEqualTo(image.blobs().size());
        assertThat(newTag.bytesCopied()).isZero();
        assertExactCopy(destination.baseUri(), null, "again/app", "2", image);
    }

    @Test
    void shouldSkipBlobsTheDestinationHasWhenAnotherImageSharesThem() throws Exception {
        SampleImages.Image base = SampleImages.seed(10).pushOciImage(sourceTarget(), "shared/app", "a");
        copy("shared/app:a", "shared/app:a");
        SampleImages.Image index = SampleImages.seed(10).pushOciIndex(sourceTarget(), "shared/app", "b");

        CopyResult result = copy("shared/app:b", "shared/app:b");

        // Same seed: the amd64 layers are the same blobs as the single image's.
        assertThat(result.blobsSkipped()).isGreaterThanOrEqualTo(base.blobs().size() - 1);
        assertThat(result.blobsCopied()).isEqualTo(index.blobs().size() - result.blobsSkipped());
        assertExactCopy(destination.baseUri(), null, "shared/app", "b", index);
    }

    @Test
    void shouldAskTheDestinationAboutEveryManifestWhileTheSourceStillSendsTheChildren() throws Exception {
        SampleImages.Image image = SampleImages.seed(11).pushOciIndex(sourceTarget(), "overlap/app", "1");
        try (FaultProxy sourceProxy = new FaultProxy(source.baseUri(), 0, 1).hold("GET", "/manifests/sha256:");
                FaultProxy destinationProxy = new FaultProxy(destination.baseUri(), 0, 2)) {
            CompletableFuture<CopyResult> copying =
                    copyInBackground(copier, sourceProxy.authority(), destinationProxy.authority(), "overlap/app:1");
            int manifests = image.manifests().size();
            long askedWhileHeld = awaitRequests(destinationProxy, "HEAD", "/manifests/sha256:", manifests, copying);
            sourceProxy.release();
            CopyResult result = copying.get(30, TimeUnit.SECONDS);

            // A copy to another partition pays a long round trip per question asked after the tree is read.
            assertThat(askedWhileHeld)
                    .as("the root and every child asked about while the source held the children back")
                    .isEqualTo(manifests);
            assertThat(destinationProxy.requests("HEAD", "/manifests/sha256:"))
                    .as("each manifest asked about once")
                    .isEqualTo(manifests);
            assertThat(result.blobsCopied()).isEqualTo(image.blobs().size());
            assertExactCopy(destination.baseUri(), null, "overlap/app", "1", image);
        }
    }

    @Test
    void shouldOpenTheNextUploadSessionWhileABlobIsStillStreaming() throws Exception {
        SampleImages.Image image = SampleImages.seed(13).pushOciImage(sourceTarget(), "ahead/app", "1");
        try (FaultProxy sourceProxy = new FaultProxy(source.baseUri(), 0, 4).hold("GET", "/blobs/sha256:");
                FaultProxy destinationProxy = new FaultProxy(destination.baseUri(), 0, 5);
                ImageCopier oneAtATime =
                        new ImageCopier(ImageCopier.Options.defaults().withConcurrency(1))) {
            CompletableFuture<CopyResult> copying =
                    copyInBackground(oneAtATime, sourceProxy.authority(), destinationProxy.authority(), "ahead/app:1");
            long openedWhileHeld = awaitRequests(destinationProxy, "POST", "/blobs/uploads/", 2, copying);
            sourceProxy.release();
            CopyResult result = copying.get(30, TimeUnit.SECONDS);

            // The first blob streams (its download held), the second waits with its session open, the third
            // waits for that one to start: an open session costs the registry, so only one waits per slot.
            assertThat(image.blobs()).hasSize(3);
            assertThat(openedWhileHeld).isEqualTo(2);
            assertThat(destinationProxy.requests("POST", "/blobs/uploads/"))
                    .as("one session per blob, none wasted")
                    .isEqualTo(image.blobs().size());
            assertThat(result.blobsCopied()).isEqualTo(image.blobs().size());
            assertExactCopy(destination.baseUri(), null, "ahead/app", "1", image);
        }
    }

    @Test
    void shouldPushSiblingManifestsTogetherWhenAnIndexListsSeveral() throws Exception {
        SampleImages.Image image = SampleImages.seed(14).pushOciIndex(sourceTarget(), "siblings/app", "1");
        try (FaultProxy destinationProxy =
                new FaultProxy(destination.baseUri(), 0, 6).hold("PUT", "/manifests/sha256:")) {
            CompletableFuture<CopyResult> copying =
                    copyInBackground(copier, source.authority(), destinationProxy.authority(), "siblings/app:1");
            int children = image.manifests().size() - 1;
            long pushedWhileHeld = awaitRequests(destinationProxy, "PUT", "/manifests/sha256:", children, copying);
            long indexWhileHeld = destinationProxy.requests("PUT", "/manifests/1");
            destinationProxy.release();
            copying.get(30, TimeUnit.SECONDS);

            assertThat(pushedWhileHeld).as("every child on its way at once").isEqualTo(children);
            assertThat(indexWhileHeld).as("the index waits for its children").isZero();
            assertExactCopy(destination.baseUri(), null, "siblings/app", "1", image);
        }
    }

    /** Starts copying {@code path} (repository and tag) from one registry or proxy to another. */
    private static CompletableFuture<CopyResult> copyInBackground(
            ImageCopier with, String from, String to, String path) {
        return CompletableFuture.supplyAsync(() -> with.copy(
                ImageReference.parse(from + "/" + path), PLAIN, ImageReference.parse(to + "/" + path), PLAIN));
    }

    /** Waits, at most 10 s, for {@code proxy} to have seen {@code count} such requests; returns how many it saw. */
    private static long awaitRequests(FaultProxy proxy, String method, String pathPart, long count, Future<?> copying)
            throws InterruptedException {
        long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
        while (proxy.requests(method, pathPart) < count && !copying.isDone() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return proxy.requests(method, pathPart);
    }

    @Test
    void shouldAskTheDestinationOnlyAboutTheTagWhenItAlreadyNamesTheSourceImage() {
        SampleImages.Image image = SampleImages.seed(12).pushOciIndex(sourceTarget(), "current/app", "1");
        copy("current/app:1", "current/app:1");
        try (FaultProxy destinationProxy = new FaultProxy(destination.baseUri(), 0, 3)) {
            CopyResult again = copier.copy(
                    ImageReference.parse(source.authority() + "/current/app:1"),
                    PLAIN,
                    ImageReference.parse(destinationProxy.authority() + "/current/app:1"),
                    PLAIN);

            assertThat(destinationProxy.requests()).isEqualTo(1);
            assertThat(destinationProxy.requests("HEAD", "/manifests/1")).isEqualTo(1);
            assertThat(again.digest().toString()).isEqualTo(image.digest());
            assertThat(again.blobsSkipped()).isEqualTo(image.blobs().size());
        }
    }

    @Test
    void shouldReportSourceNotFoundWhenTheTagOrRepositoryIsGone() {
        assertThatThrownBy(() -> copy("nothing/here:1.0", "x/y:1.0"))
                .isInstanceOf(SourceNotFoundException.class)
                .hasMessageContaining(source.authority() + "/nothing/here:1.0");
        assertThatThrownBy(() -> copy("nothing/here@sha256:" + "0".repeat(64), "x/y:1.0"))
                .isInstanceOf(SourceNotFoundException.class);
    }

    @Test
    void shouldDeleteByTagThroughTheDistributionApiWhenDestinationIsNotEcr() throws Exception {
        SampleImages.Image image = SampleImages.seed(11).pushOciImage(sourceTarget(), "gone/app", "1");
        copy("gone/app:1", "gone/app:1");
        ImageReference tag = ImageReference.parse(destination.authority() + "/gone/app:1");

        DeleteResult first = copier.delete(tag, PLAIN);
        DeleteResult second = copier.delete(tag, PLAIN);

        assertThat(first.deleted()).isTrue();
        assertThat(first.digest()).isEqualTo(Digest.parse(image.digest()));
        assertThat(second.deleted()).isFalse();
        assertThat(RegistryAssertions.send(destination.baseUri(), null, "HEAD", "/v2/gone/app/manifests/1")
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void shouldFailNamingTheRegistryWhenItIsNotListening() {
        ImageCopier quick = new ImageCopier(ImageCopier.Options.defaults()
                .withRetryPolicy(new RetryPolicy(
                        2,
                        java.time.Duration.ofMillis(10),
                        java.time.Duration.ofMillis(20),
                        java.time.Duration.ofSeconds(1))));
        int port = org.ecrreplicator.engines.FreePorts.next();
        try (quick) {
            assertThatThrownBy(() -> quick.copy(
                            ImageReference.parse("127.0.0.1:" + port + "/a/b:1"),
                            PLAIN,
                            ImageReference.parse(destination.authority() + "/a/b:1"),
                            PLAIN))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("127.0.0.1:" + port)
                    .hasMessageContaining("a/b:1")
                    .hasMessageContaining("after 2 attempts");
        }
    }
}
