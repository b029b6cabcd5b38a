package org.ecrreplicator.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.worker.engine.registry.RegistryException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Tag deletes on a real CNCF distribution registry 2.8, which cannot untag: the digest goes, and the sibling
 * tags the caller wants come back with the same digest.
 */
class DeletesIT {
    private static final Endpoint PLAIN = Endpoint.anonymous(true);
    private static RegistryProcess registry;
    private static ImageCopier copier;

    @BeforeAll
    static void start() {
        registry = RegistryProcess.startAnonymous();
        copier = new ImageCopier(ImageCopier.Options.defaults());
    }

    @AfterAll
    static void stop() {
        copier.close();
        registry.close();
    }

    /** The same image (same seed, so same digest) under every tag. */
    private static SampleImages.Image pushUnderTags(RegistryProcess at, long seed, String repository, String... tags) {
        SampleImages.Image image = null;
        for (String tag : tags) {
            image = SampleImages.seed(seed).pushOciIndex(SampleImages.Target.anonymous(at.baseUri()), repository, tag);
        }
        return image;
    }

    private static Optional<String> digestOf(RegistryProcess at, String repository, String tag) throws Exception {
        return RegistryAssertions.send(at.baseUri(), null, "HEAD", "/v2/" + repository + "/manifests/" + tag)
                .headers()
                .firstValue("Docker-Content-Digest");
    }

    @Test
    void shouldPutBackTheSiblingsThePredicateAcceptsWithTheirDigestWhenTheRegistryCannotUntag() throws Exception {
        SampleImages.Image image = pushUnderTags(registry, 61, "siblings/app", "gone", "keep", "also-keep", "drop");
        SampleImages.Image other = pushUnderTags(registry, 62, "siblings/app", "other");

        DeleteResult result = copier.delete(
                ImageReference.parse(registry.authority() + "/siblings/app:gone"), PLAIN, tag -> !tag.equals("drop"));

        Digest digest = Digest.parse(image.digest());
        assertThat(result.deleted()).isTrue();
        assertThat(result.digest()).isEqualTo(digest);
        assertThat(result.removedDigest())
                .as("distribution 2.8 deletes the digest")
                .isEqualTo(digest);
        assertThat(result.restoredTags()).containsExactly("also-keep", "keep");
        assertThat(digestOf(registry, "siblings/app", "gone")).isEmpty();
        assertThat(digestOf(registry, "siblings/app", "drop"))
                .as("the predicate refused it")
                .isEmpty();
        assertThat(digestOf(registry, "siblings/app", "keep")).contains(image.digest());
        assertThat(digestOf(registry, "siblings/app", "also-keep")).contains(image.digest());
        assertThat(digestOf(registry, "siblings/app", "other")).contains(other.digest());
        RegistryAssertions.assertExactCopy(registry.baseUri(), null, "siblings/app", "keep", image);
    }

    @Test
    void shouldUntagOnlyWhenTheRegistryCanAndDeleteNothingElse() throws Exception {
        pushUnderTags(registry, 63, "untag/app", "gone", "keep");
        // A registry that untags answers 202 to the tag's DELETE; the proxy plays it (and the registry keeps all).
        try (FaultProxy proxy =
                new FaultProxy(registry.baseUri(), 0, 1).answer("DELETE", "/manifests/gone", 202, "NONE")) {
            DeleteResult result =
                    copier.delete(ImageReference.parse(proxy.authority() + "/untag/app:gone"), PLAIN, tag -> true);

            assertThat(result.deleted()).isTrue();
            assertThat(result.removedDigest()).isNull();
            assertThat(result.restoredTags()).isEmpty();
            assertThat(proxy.requests("DELETE", "/manifests/sha256:")).isZero();
            assertThat(proxy.requests("GET", "/tags/list")).isZero();
        }
    }

    @Test
    void shouldFailWithTheRegistrysErrorAndKeepTheDigestWhenTheTagDeleteIsForbidden() throws Exception {
        SampleImages.Image image = pushUnderTags(registry, 64, "forbidden/app", "gone", "keep");
        try (FaultProxy proxy =
                new FaultProxy(registry.baseUri(), 0, 2).answer("DELETE", "/manifests/gone", 403, "DENIED")) {
            assertThatThrownBy(() -> copier.delete(
                            ImageReference.parse(proxy.authority() + "/forbidden/app:gone"), PLAIN, tag -> true))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("HTTP 403 DENIED")
                    .hasMessageContaining("forbidden/app:gone");

            assertThat(proxy.requests("DELETE", "/manifests/sha256:")).isZero();
        }
        assertThat(digestOf(registry, "forbidden/app", "gone")).contains(image.digest());
        assertThat(digestOf(registry, "forbidden/app", "keep")).contains(image.digest());
    }

    @Test
    void shouldDeleteTheDigestAndRestoreSiblingsWhenTheTagDeleteIsAnswered405() throws Exception {
        SampleImages.Image image = pushUnderTags(registry, 65, "unsupported/app", "gone", "keep");
        try (FaultProxy proxy =
                new FaultProxy(registry.baseUri(), 0, 3).answer("DELETE", "/manifests/gone", 405, "UNSUPPORTED")) {
            DeleteResult result = copier.delete(
                    ImageReference.parse(proxy.authority() + "/unsupported/app:gone"), PLAIN, tag -> true);

            assertThat(result.removedDigest()).isEqualTo(Digest.parse(image.digest()));
            assertThat(result.restoredTags()).containsExactly("keep");
            assertThat(proxy.requests("DELETE", "/manifests/" + image.digest())).isEqualTo(1);
        }
        assertThat(digestOf(registry, "unsupported/app", "gone")).isEmpty();
        assertThat(digestOf(registry, "unsupported/app", "keep")).contains(image.digest());
    }

    @Test
    void shouldNameTheRegistryAndTheFixInOneErrorWhenDeletesAreDisabled() throws Exception {
        try (RegistryProcess noDeletes = RegistryProcess.startAnonymous()) {
            // The registry reads its configuration when it starts: switch deletes off and start it again.
            noDeletes.stopProcess();
            Path config = noDeletes.directory().resolve("config.yml");
            String yaml = Files.readString(config);
            assertThat(yaml).contains("  delete:\n    enabled: true\n");
            Files.writeString(
                    config, yaml.replace("  delete:\n    enabled: true\n", "  delete:\n    enabled: false\n"));
            noDeletes.startProcess();
            SampleImages.Image image = pushUnderTags(noDeletes, 66, "locked/app", "gone", "keep");

            assertThatThrownBy(() -> copier.delete(
                            ImageReference.parse(noDeletes.authority() + "/locked/app:gone"), PLAIN, tag -> true))
                    .isInstanceOf(ReplicatorException.class)
                    .hasMessageContaining("registry " + noDeletes.authority() + " refuses to delete")
                    .hasMessageContaining("HTTP 405 UNSUPPORTED")
                    .hasMessageContaining("enable deletes in its storage configuration")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
            assertThat(digestOf(noDeletes, "locked/app", "gone")).contains(image.digest());
            assertThat(digestOf(noDeletes, "locked/app", "keep")).contains(image.digest());
        }
    }

    @Test
    void shouldReportNothingToDeleteWhenTheTagIsNotThere() {
        DeleteResult result =
                copier.delete(ImageReference.parse(registry.authority() + "/nothing/here:1"), PLAIN, tag -> true);

        assertThat(result.deleted()).isFalse();
        assertThat(result.removedDigest()).isNull();
    }
}
