package org.ecrreplicator.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.ecrreplicator.worker.engine.RegistryAssertions.assertExactCopy;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.engines.LocalEcrApi;
import org.ecrreplicator.engines.ReferrersApiFront;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.worker.engine.ecr.EcrApi;
import org.ecrreplicator.worker.engine.manifest.JsonTree;
import org.ecrreplicator.worker.engine.referrer.SkippedReferrer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;

/**
 * Referrers (OCI 1.1 {@code subject}) travel with their image between real CNCF distribution registries:
 * through the fallback tag {@code sha256-<hex>}, which is all distribution 2.8 has, and through the
 * referrers API, which a test-only front ({@link ReferrersApiFront}) serves over distribution from the
 * registry's own storage.
 */
class ReferrersIT {
    private static final Endpoint PLAIN = Endpoint.anonymous(true);
    private static RegistryProcess source;
    private static RegistryProcess destination;
    private static ImageCopier copier;

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

    private static SampleImages.Target at(URI registry) {
        return SampleImages.Target.anonymous(registry);
    }

    private static CopyResult copy(ImageCopier with, String from, String to) {
        return with.copy(ImageReference.parse(from), PLAIN, ImageReference.parse(to), PLAIN);
    }

    /** An image signed, with an SBOM for its amd64 manifest, and the SBOM signed. */
    private record Signed(
            SampleImages.Image image,
            SampleImages.Image signature,
            SampleImages.Image sbom,
            SampleImages.Image sbomSignature) {
        List<SampleImages.Image> referrers() {
            return List.of(signature, sbom, sbomSignature);
        }
    }

    private static Signed pushSigned(URI registry, long seed, String repository, boolean fallbackTags) {
        SampleImages images = SampleImages.seed(seed);
        SampleImages.Image image = images.pushOciIndex(at(registry), repository, "1");
        SampleImages.Image signature = images.pushReferrer(
                at(registry),
                repository,
                image.manifests().get(0),
                SampleImages.SIGNATURE_TYPE,
                "signature of the image " + seed,
                fallbackTags);
        SampleImages.Image sbom = images.pushReferrer(
                at(registry),
                repository,
                image.manifests().get(1),
                SampleImages.SBOM_TYPE,
                "{\"spdxVersion\":\"SPDX-2.3\",\"name\":\"amd64 " + seed + "\"}",
                fallbackTags);
        SampleImages.Image sbomSignature = images.pushReferrer(
                at(registry),
                repository,
                sbom.manifests().get(0),
                SampleImages.SIGNATURE_TYPE,
                "signature of the SBOM " + seed,
                fallbackTags);
        return new Signed(image, signature, sbom, sbomSignature);
    }

    private static HttpResponse<byte[]> get(URI registry, String repository, String reference) throws Exception {
        return RegistryAssertions.send(registry, null, "GET", "/v2/" + repository + "/manifests/" + reference);
    }

    private static List<String> listed(byte[] index) throws Exception {
        List<String> digests = new ArrayList<>();
        JsonTree.array(JsonTree.parse(index), "manifests")
                .forEach(entry -> digests.add(JsonTree.string(entry, "digest")));
        return digests;
    }

    @Test
    void shouldCopyASignatureAnSbomAndTheSbomsSignatureExactlyWhenTheSourceListsThemUnderFallbackTags()
            throws Exception {
        Signed signed = pushSigned(source.baseUri(), 71, "signed/app", true);

        CopyResult result =
                copy(copier, source.authority() + "/signed/app:1", destination.authority() + "/signed/app:1");

        assertThat(result.referrersCopied()).isEqualTo(3);
        assertThat(result.referrersSkipped()).isEmpty();
        assertExactCopy(destination.baseUri(), null, "signed/app", "1", signed.image());
        for (SampleImages.Image referrer : signed.referrers()) {
            assertExactCopy(destination.baseUri(), null, "signed/app", null, referrer);
        }
        // The destination had no fallback tags: each one is the source's, byte for byte.
        for (SampleImages.Manifest subject : List.of(
                signed.image().manifests().get(0),
                signed.image().manifests().get(1),
                signed.sbom().manifests().get(0))) {
            String tag = SampleImages.fallbackTag(subject.digest());
            assertThat(get(destination.baseUri(), "signed/app", tag).body())
                    .as("fallback index %s", tag)
                    .isEqualTo(get(source.baseUri(), "signed/app", tag).body());
        }
        assertThat(result.manifestsPushed())
                .as("4 of the image, 3 referrers, 3 fallback indexes")
                .isEqualTo(10);
        assertThat(result.changed()).isTrue();
    }

    @Test
    void shouldKeepEveryEntryOnlyTheDestinationHadWhenItMergesTheFallbackIndex() throws Exception {
        SampleImages.Image image = SampleImages.seed(72).pushOciImage(at(source.baseUri()), "merge/app", "1");
        copy(copier, source.authority() + "/merge/app:1", destination.authority() + "/merge/app:1");
        SampleImages.Image destinationOnly = SampleImages.seed(72)
                .pushReferrer(
                        at(destination.baseUri()),
                        "merge/app",
                        image.manifests().get(0),
                        SampleImages.SIGNATURE_TYPE,
                        "signed at the destination only",
                        true);
        SampleImages.Image signature = SampleImages.seed(72)
                .pushReferrer(
                        at(source.baseUri()),
                        "merge/app",
                        image.manifests().get(0),
                        SampleImages.SIGNATURE_TYPE,
                        "signed at the source",
                        true);

        CopyResult result = copy(copier, source.authority() + "/merge/app:1", destination.authority() + "/merge/app:1");

        assertThat(result.referrersCopied()).isEqualTo(1);
        String tag = SampleImages.fallbackTag(image.digest());
        assertThat(listed(get(destination.baseUri(), "merge/app", tag).body()))
                .containsExactly(destinationOnly.digest(), signature.digest());
        assertExactCopy(destination.baseUri(), null, "merge/app", null, signature);
        assertExactCopy(destination.baseUri(), null, "merge/app", null, destinationOnly);
    }

    @Test
    void shouldCopyJustTheNewSignatureAndAskTheDestinationNothingElseWhenTheImageIsUpToDate() throws Exception {
        SampleImages.Image image = SampleImages.seed(73).pushOciIndex(at(source.baseUri()), "later/app", "1");
        copy(copier, source.authority() + "/later/app:1", destination.authority() + "/later/app:1");
        SampleImages.Image signature = SampleImages.seed(73)
                .pushReferrer(
                        at(source.baseUri()),
                        "later/app",
                        image.manifests().get(0),
                        SampleImages.SIGNATURE_TYPE,
                        "signed later",
                        true);
        try (FaultProxy destinationProxy = new FaultProxy(destination.baseUri(), 0, 7)) {
            CopyResult result =
                    copy(copier, source.authority() + "/later/app:1", destinationProxy.authority() + "/later/app:1");

            assertThat(result.referrersCopied()).isEqualTo(1);
            assertThat(result.blobsCopied())
                    .as("the signature's config and layer")
                    .isEqualTo(2);
            assertThat(result.manifestsPushed())
                    .as("the signature and its fallback index")
                    .isEqualTo(2);
            assertThat(destinationProxy.requests("PUT", "/manifests/"))
                    .isEqualTo(2)
                    .isEqualTo(destinationProxy.requests("PUT", "/manifests/" + signature.digest())
                            + destinationProxy.requests(
                                    "PUT", "/manifests/" + SampleImages.fallbackTag(image.digest())));
            assertThat(destinationProxy.requests("HEAD", "/manifests/sha256:"))
                    .as("only the signature is asked about")
                    .isEqualTo(1);
        }
        assertExactCopy(destination.baseUri(), null, "later/app", null, signature);

        CopyResult again = copy(copier, source.authority() + "/later/app:1", destination.authority() + "/later/app:1");
        assertThat(again.changed()).isFalse();
        assertThat(again.referrersCopied()).isZero();
    }

    @Test
    void shouldCopyNoReferrerAndAskTheSourceAboutNoneWhenReferrersAreOff() throws Exception {
        Signed signed = pushSigned(source.baseUri(), 74, "plain/app", true);
        try (ImageCopier imageOnly =
                        new ImageCopier(ImageCopier.Options.defaults().withCopyReferrers(false));
                FaultProxy sourceProxy = new FaultProxy(source.baseUri(), 0, 8)) {
            CopyResult result =
                    copy(imageOnly, sourceProxy.authority() + "/plain/app:1", destination.authority() + "/plain/app:1");

            assertThat(result.referrersCopied()).isZero();
            assertThat(sourceProxy.requests("GET", "/referrers/")).isZero();
            assertThat(sourceProxy.requests("GET", "/manifests/sha256-")).isZero();
        }
        assertExactCopy(destination.baseUri(), null, "plain/app", "1", signed.image());
        for (SampleImages.Image referrer : signed.referrers()) {
            assertThat(get(destination.baseUri(), "plain/app", referrer.digest())
                            .statusCode())
                    .isEqualTo(404);
        }
        assertThat(get(
                                destination.baseUri(),
                                "plain/app",
                                SampleImages.fallbackTag(signed.image().digest()))
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void shouldCopyReferrersThroughTheReferrersApiOfATestFrontOverDistribution() throws Exception {
        try (RegistryProcess apiSource = RegistryProcess.startAnonymous();
                RegistryProcess apiDestination = RegistryProcess.startAnonymous();
                // One referrer per page, so the copy has to follow the Link header.
                ReferrersApiFront sourceFront =
                        ReferrersApiFront.start(apiSource).pageSize(1);
                ReferrersApiFront destinationFront = ReferrersApiFront.start(apiDestination)) {
            Signed signed = pushSigned(apiSource.baseUri(), 75, "api/app", false);
            SampleImages.Image secondSignature = SampleImages.seed(75)
                    .pushReferrer(
                            at(apiSource.baseUri()),
                            "api/app",
                            signed.image().manifests().get(0),
                            SampleImages.SIGNATURE_TYPE,
                            "a second signature of the image",
                            false);

            CopyResult result =
                    copy(copier, sourceFront.authority() + "/api/app:1", destinationFront.authority() + "/api/app:1");

            assertThat(result.referrersCopied()).isEqualTo(4);
            assertThat(sourceFront.referrersRequests())
                    .as("two pages for the index's two signatures, one for each of the 7 other manifests")
                    .isEqualTo(2 + 7);
            assertExactCopy(apiDestination.baseUri(), null, "api/app", "1", signed.image());
            for (SampleImages.Image referrer :
                    List.of(signed.signature(), signed.sbom(), signed.sbomSignature(), secondSignature)) {
                assertExactCopy(apiDestination.baseUri(), null, "api/app", null, referrer);
            }
            // The destination indexes referrers itself (OCI-Subject), and the source had no fallback tag.
            assertThat(get(
                                    apiDestination.baseUri(),
                                    "api/app",
                                    SampleImages.fallbackTag(signed.image().digest()))
                            .statusCode())
                    .isEqualTo(404);
            byte[] listedAtDestination = RegistryAssertions.send(
                            destinationFront.baseUri(),
                            null,
                            "GET",
                            "/v2/api/app/referrers/" + signed.image().digest())
                    .body();
            assertThat(listed(listedAtDestination))
                    .containsExactlyInAnyOrder(signed.signature().digest(), secondSignature.digest());
        }
    }

    @Test
    void shouldWriteTheFallbackTagWhereTheDestinationLacksTheApiAndTheSourceListsReferrersThroughIt() throws Exception {
        try (RegistryProcess apiSource = RegistryProcess.startAnonymous();
                ReferrersApiFront sourceFront = ReferrersApiFront.start(apiSource)) {
            Signed signed = pushSigned(apiSource.baseUri(), 76, "toplain/app", false);

            CopyResult result = copy(
                    copier, sourceFront.authority() + "/toplain/app:1", destination.authority() + "/toplain/app:1");

            assertThat(result.referrersCopied()).isEqualTo(3);
            assertThat(listed(get(
                                    destination.baseUri(),
                                    "toplain/app",
                                    SampleImages.fallbackTag(signed.image().digest()))
                            .body()))
                    .containsExactly(signed.signature().digest());
            assertThat(listed(get(
                                    destination.baseUri(),
                                    "toplain/app",
                                    SampleImages.fallbackTag(signed.sbom().digest()))
                            .body()))
                    .containsExactly(signed.sbomSignature().digest());
            for (SampleImages.Image referrer : signed.referrers()) {
                assertExactCopy(destination.baseUri(), null, "toplain/app", null, referrer);
            }
        }
    }

    @Test
    void shouldSkipAReferrerOfAnIndexAndItsOwnReferrersWhenTheEcrStandInRefusesThemAndCopyTheRest() throws Exception {
        String password = "fake-ecr-referrers-password";
        Signed signed = pushSigned(source.baseUri(), 77, "toecr/app", true);
        SampleImages.Image countersignature = SampleImages.seed(77)
                .pushReferrer(
                        at(source.baseUri()),
                        "toecr/app",
                        signed.signature().manifests().get(0),
                        SampleImages.SIGNATURE_TYPE,
                        "a signature of the image's signature",
                        true);
        try (RegistryProcess ecrRegistry =
                        RegistryProcess.builder().htpasswd("AWS", password).start();
                LocalEcrApi ecr = new LocalEcrApi(ecrRegistry, password, "123456789012", "us-gov-west-1", true);
                EcrApi api = new EcrApi(
                        EcrClient.builder()
                                .endpointOverride(ecr.endpoint())
                                .region(Region.US_GOV_WEST_1)
                                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
                                        "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")))
                                .httpClientBuilder(UrlConnectionHttpClient.builder())
                                .build(),
                        "123456789012",
                        new EcrApi.RepositoryDefaults(true, "MUTABLE", false),
                        Clock.systemUTC())) {
            CopyResult result = copier.copy(
                    ImageReference.parse(source.authority() + "/toecr/app:1"),
                    PLAIN,
                    ImageReference.parse(ecr.authority() + "/toecr/app:1"),
                    Endpoint.ecr(api, true));

            String basic = SampleImages.Target.basic(ecrRegistry.baseUri(), "AWS", password)
                    .authorization();
            assertExactCopy(ecrRegistry.baseUri(), basic, "toecr/app", "1", signed.image());
            assertExactCopy(ecrRegistry.baseUri(), basic, "toecr/app", null, signed.sbom());
            assertExactCopy(ecrRegistry.baseUri(), basic, "toecr/app", null, signed.sbomSignature());
            assertThat(result.referrersCopied()).isEqualTo(2);
            assertThat(result.referrersSkipped()).hasSize(2);
            SkippedReferrer refused = result.referrersSkipped().get(0);
            assertThat(refused.digest())
                    .isEqualTo(Digest.parse(signed.signature().digest()));
            assertThat(refused.artifactType()).isEqualTo(SampleImages.SIGNATURE_TYPE);
            assertThat(refused.subject()).isEqualTo(Digest.parse(signed.image().digest()));
            assertThat(refused.reason())
                    .contains("HTTP 405")
                    .contains("ECR does not take a referrer whose subject is an image index")
                    .contains("containers-roadmap#2783");
            SkippedReferrer orphan = result.referrersSkipped().get(1);
            assertThat(orphan.digest()).isEqualTo(Digest.parse(countersignature.digest()));
            assertThat(orphan.subject()).isEqualTo(refused.digest());
            assertThat(orphan.reason()).isEqualTo("its subject was not copied");
            assertThat(ecr.front().orElseThrow().refusedReferrers()).isEqualTo(1);
            for (SampleImages.Image skipped : List.of(signed.signature(), countersignature)) {
                assertThat(RegistryAssertions.send(
                                        ecrRegistry.baseUri(),
                                        basic,
                                        "HEAD",
                                        "/v2/toecr/app/manifests/" + skipped.digest())
                                .statusCode())
                        .isEqualTo(404);
            }
        }
    }
}
