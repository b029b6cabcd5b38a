package org.ecrreplicator.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ecrreplicator.worker.engine.RegistryAssertions.assertExactCopy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.engines.LocalEcrApi;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.worker.engine.ecr.EcrApi;
import org.ecrreplicator.worker.engine.transfer.BlobLocations;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;

/**
 * Blobs another repository of the destination registry holds are mounted, not uploaded again; a mount the
 * registry declines continues as an upload on the session it opened (docs/decisions/0072-blob-mounts.md).
 * The destination is reached through a {@link FaultProxy} that counts the blob bytes uploaded.
 */
class MountIT {
    private static final Endpoint PLAIN = Endpoint.anonymous(true);
    private static RegistryProcess source;
    private static RegistryProcess destination;

    @BeforeAll
    static void start() {
        source = RegistryProcess.startAnonymous();
        destination = RegistryProcess.startAnonymous();
    }

    @AfterAll
    static void stop() {
        destination.close();
        source.close();
    }

    private static SampleImages.Image push(long seed, String repository) {
        return SampleImages.seed(seed).pushOciIndex(SampleImages.Target.anonymous(source.baseUri()), repository, "1");
    }

    private static CopyResult copy(ImageCopier copier, String from, FaultProxy to, String repository) {
        return copier.copy(
                ImageReference.parse(source.authority() + "/" + from),
                PLAIN,
                ImageReference.parse(to.authority() + "/" + repository + ":1"),
                PLAIN);
    }

    @Test
    void shouldMountEveryBlobWhenAnotherRepositoryOfTheDestinationHoldsIt() throws Exception {
        SampleImages.Image image = push(81, "mount/app");
        BlobLocations locations = new BlobLocations();
        try (FaultProxy proxy = new FaultProxy(destination.baseUri(), 0, 1);
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults(), locations)) {
            CopyResult first = copy(copier, "mount/app:1", proxy, "mount/first");
            long afterFirst = proxy.uploadedBytes();

            CopyResult second = copy(copier, "mount/app:1", proxy, "mount/second");

            assertThat(first.blobsCopied()).isEqualTo(image.blobs().size());
            assertThat(first.blobsMounted()).isZero();
            assertThat(afterFirst).isEqualTo(image.blobBytes());
            assertThat(second.blobsMounted()).isEqualTo(image.blobs().size());
            assertThat(second.bytesMounted()).isEqualTo(image.blobBytes());
            assertThat(second.blobsCopied()).isZero();
            assertThat(second.blobsSkipped()).isZero();
            assertThat(proxy.uploadedBytes()).isEqualTo(afterFirst);
            assertThat(proxy.mountRequests()).isEqualTo(image.blobs().size());
            assertExactCopy(destination.baseUri(), null, "mount/second", "1", image);
            for (SampleImages.Blob blob : image.blobs()) {
                assertThat(locations.holder(proxy.authority(), Digest.parse(blob.digest()), "elsewhere"))
                        .contains("mount/second");
            }
        }
    }

    @Test
    void shouldUploadOnTheSessionTheRegistryOpenedWhenItDeclinesTheMount() throws Exception {
        SampleImages.Image image = push(82, "mount/declined");
        try (FaultProxy proxy = new FaultProxy(destination.baseUri(), 0, 2).declineMounts();
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults(), new BlobLocations())) {
            copy(copier, "mount/declined:1", proxy, "mount/declined-first");
            long afterFirst = proxy.uploadedBytes();
            long sessionsBefore = proxy.requests("POST", "/v2/mount/declined-second/blobs/uploads/");

            CopyResult second = copy(copier, "mount/declined:1", proxy, "mount/declined-second");

            assertThat(proxy.mountRequests()).isEqualTo(image.blobs().size());
            assertThat(second.blobsMounted()).isZero();
            assertThat(second.blobsCopied()).isEqualTo(image.blobs().size());
            // Every byte once, and no session beyond the one each declined mount opened.
            assertThat(proxy.uploadedBytes() - afterFirst).isEqualTo(image.blobBytes());
            assertThat(proxy.requests("POST", "/v2/mount/declined-second/blobs/uploads/") - sessionsBefore)
                    .isEqualTo(image.blobs().size());
            assertExactCopy(destination.baseUri(), null, "mount/declined-second", "1", image);
        }
    }

    @Test
    void shouldOpenAPlainUploadWhenTheRegistryRefusesMountRequests() throws Exception {
        SampleImages.Image image = push(85, "mount/refused");
        try (FaultProxy proxy = new FaultProxy(destination.baseUri(), 0, 5).refuseMounts(405);
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults(), new BlobLocations())) {
            copy(copier, "mount/refused:1", proxy, "mount/refused-first");
            long afterFirst = proxy.uploadedBytes();

            CopyResult second = copy(copier, "mount/refused:1", proxy, "mount/refused-second");

            assertThat(proxy.mountRequests()).isEqualTo(image.blobs().size());
            assertThat(second.blobsMounted()).isZero();
            assertThat(second.blobsCopied()).isEqualTo(image.blobs().size());
            assertThat(proxy.uploadedBytes() - afterFirst).isEqualTo(image.blobBytes());
            assertExactCopy(destination.baseUri(), null, "mount/refused-second", "1", image);
        }
    }

    @Test
    void shouldUploadAndForgetTheRepositoryWhenTheBlobWasDeletedThereMeanwhile() throws Exception {
        SampleImages.Image image = push(83, "mount/stale");
        BlobLocations locations = new BlobLocations();
        try (FaultProxy proxy = new FaultProxy(destination.baseUri(), 0, 3);
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults(), locations)) {
            copy(copier, "mount/stale:1", proxy, "mount/stale-gone");
            HttpClient http = HttpClient.newHttpClient();
            for (SampleImages.Blob blob : image.blobs()) {
                HttpResponse<Void> deleted = http.send(
                        HttpRequest.newBuilder(URI.create(
                                        destination.baseUri() + "/v2/mount/stale-gone/blobs/" + blob.digest()))
                                .DELETE()
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                assertThat(deleted.statusCode()).isEqualTo(202);
            }
            long afterFirst = proxy.uploadedBytes();

            CopyResult second = copy(copier, "mount/stale:1", proxy, "mount/stale-new");

            assertThat(proxy.mountRequests()).isEqualTo(image.blobs().size());
            assertThat(second.blobsMounted()).isZero();
            assertThat(second.blobsCopied()).isEqualTo(image.blobs().size());
            assertThat(proxy.uploadedBytes() - afterFirst).isEqualTo(image.blobBytes());
            assertExactCopy(destination.baseUri(), null, "mount/stale-new", "1", image);
            for (SampleImages.Blob blob : image.blobs()) {
                assertThat(locations
                                .snapshot()
                                .get(new BlobLocations.Key(proxy.authority(), Digest.parse(blob.digest()))))
                        .containsExactly("mount/stale-new");
            }
        }
    }

    @Test
    void shouldMountFromTheSourceRepositoryWhenCopyingWithinOneRegistry() throws Exception {
        SampleImages.Image image = push(84, "mount/within");
        try (FaultProxy proxy = new FaultProxy(destination.baseUri(), 0, 4);
                ImageCopier seeding = new ImageCopier(ImageCopier.Options.defaults(), new BlobLocations());
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults(), new BlobLocations())) {
            copy(seeding, "mount/within:1", proxy, "mount/within-a");
            long afterFirst = proxy.uploadedBytes();

            CopyResult within = copier.copy(
                    ImageReference.parse(proxy.authority() + "/mount/within-a:1"),
                    PLAIN,
                    ImageReference.parse(proxy.authority() + "/mount/within-b:1"),
                    PLAIN);

            assertThat(within.blobsMounted()).isEqualTo(image.blobs().size());
            assertThat(within.blobsCopied()).isZero();
            assertThat(proxy.uploadedBytes()).isEqualTo(afterFirst);
            assertExactCopy(destination.baseUri(), null, "mount/within-b", "1", image);
        }
    }

    @Test
    void shouldUploadOnceOnTheSessionTheEcrStandInOpensWhenBlobMountingIsDisabledAndMountOnceEnabled()
            throws Exception {
        String password = "fake-ecr-mount-password";
        SampleImages.Image image = push(86, "mount/ecr");
        try (RegistryProcess ecrRegistry =
                        RegistryProcess.builder().htpasswd("AWS", password).start();
                LocalEcrApi ecr = new LocalEcrApi(ecrRegistry, password, "123456789012", "us-gov-west-1", true);
                EcrClient client = EcrClient.builder()
                        .endpointOverride(ecr.endpoint())
                        .region(Region.US_GOV_WEST_1)
                        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                                "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")))
                        .httpClientBuilder(UrlConnectionHttpClient.builder())
                        .build();
                EcrApi api = new EcrApi(
                        client,
                        "123456789012",
                        new EcrApi.RepositoryDefaults(true, "MUTABLE", false),
                        Clock.systemUTC());
                FaultProxy proxy = new FaultProxy(ecr.baseUri(), 0, 6);
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults(), new BlobLocations())) {
            assertThat(client.getAccountSetting(get -> get.name("BLOB_MOUNTING"))
                            .value())
                    .isEqualTo("DISABLED");
            copyToEcr(copier, api, proxy, "mount/ecr-first");
            long afterFirst = proxy.uploadedBytes();

            CopyResult declined = copyToEcr(copier, api, proxy, "mount/ecr-second");

            assertThat(ecr.front().orElseThrow().declinedMounts())
                    .isEqualTo(image.blobs().size());
            assertThat(declined.blobsMounted()).isZero();
            assertThat(declined.blobsCopied()).isEqualTo(image.blobs().size());
            // Every byte once, on the sessions the declined mounts opened.
            assertThat(proxy.uploadedBytes() - afterFirst).isEqualTo(image.blobBytes());
            assertThat(proxy.requests("POST", "/v2/mount/ecr-second/blobs/uploads/"))
                    .isEqualTo(image.blobs().size());

            assertThat(client.putAccountSetting(put -> put.name("BLOB_MOUNTING").value("ENABLED"))
                            .value())
                    .isEqualTo("ENABLED");
            long afterSecond = proxy.uploadedBytes();

            CopyResult mounted = copyToEcr(copier, api, proxy, "mount/ecr-third");

            assertThat(mounted.blobsMounted()).isEqualTo(image.blobs().size());
            assertThat(proxy.uploadedBytes()).isEqualTo(afterSecond);
            String basic = SampleImages.Target.basic(ecrRegistry.baseUri(), "AWS", password)
                    .authorization();
            assertExactCopy(ecrRegistry.baseUri(), basic, "mount/ecr-second", "1", image);
            assertExactCopy(ecrRegistry.baseUri(), basic, "mount/ecr-third", "1", image);
        }
    }

    private static CopyResult copyToEcr(ImageCopier copier, EcrApi api, FaultProxy to, String repository) {
        return copier.copy(
                ImageReference.parse(source.authority() + "/mount/ecr:1"),
                PLAIN,
                ImageReference.parse(to.authority() + "/" + repository + ":1"),
                Endpoint.ecr(api, true));
    }
}
