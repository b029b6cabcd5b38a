package org.ecrreplicator.worker.engine.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.ecrreplicator.domain.Digest;
import org.junit.jupiter.api.Test;

class ManifestTest {
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);
    private static final String C = "sha256:" + "c".repeat(64);
    private static final Digest SELF = Digest.parse("sha256:" + "f".repeat(64));

    private static Manifest parse(String json, String contentType) {
        return Manifest.parse(json.getBytes(StandardCharsets.UTF_8), contentType, SELF);
    }

    @Test
    void shouldListChildrenWithPlatformsWhenTheManifestIsAnIndex() {
        Manifest index = parse(
                "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        + "\"digest\":\"" + A
                        + "\",\"size\":10,\"platform\":{\"os\":\"linux\",\"architecture\":\"arm64\","
                        + "\"variant\":\"v8\"}},{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\""
                        + B + "\",\"size\":11,\"platform\":{\"os\":\"unknown\",\"architecture\":\"unknown\"}}]}",
                "application/vnd.oci.image.index.v1+json");

        assertThat(index.isIndex()).isTrue();
        assertThat(index.blobs()).isEmpty();
        assertThat(index.children())
                .extracting(Descriptor::platform)
                .containsExactly("linux/arm64/v8", "unknown/unknown");
        assertThat(index.children()).extracting(d -> d.digest().toString()).containsExactly(A, B);
    }

    @Test
    void shouldListConfigAndLayersButNotForeignLayersWhenTheManifestIsAnImage() {
        Manifest image = parse(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
                        + "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\""
                        + A
                        + "\",\"size\":5},\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\","
                        + "\"digest\":\"" + B + "\",\"size\":0},{\"mediaType\":\""
                        + MediaTypes.DOCKER_FOREIGN_LAYER + "\",\"digest\":\"" + C + "\",\"size\":9,"
                        + "\"urls\":[\"https://example.invalid/layer\"]}]}",
                "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8");

        assertThat(image.mediaType()).isEqualTo(MediaTypes.DOCKER_MANIFEST);
        assertThat(image.blobs()).extracting(d -> d.digest().toString()).containsExactly(A, B);
        assertThat(image.blobs().get(1).size()).isZero();
    }

    @Test
    void shouldTakeTheDocumentsMediaTypeWhenTheRegistrySendsAGenericContentType() {
        Manifest artifact = parse(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":"
                        + "\"application/vnd.example\",\"config\":{\"mediaType\":\"application/vnd.example.config\","
                        + "\"digest\":\"" + A + "\",\"size\":2},\"layers\":[]}",
                "application/json");

        assertThat(artifact.mediaType()).isEqualTo(MediaTypes.OCI_MANIFEST);
        assertThat(artifact.blobs()).hasSize(1);
    }

    @Test
    void shouldRefuseWithAReasonWhenTheManifestCannotBeCopiedExactly() {
        assertThatThrownBy(() -> parse("{\"schemaVersion\":1}", MediaTypes.DOCKER_SCHEMA1_SIGNED))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("schema 1");
        assertThatThrownBy(() -> parse("{}", "application/vnd.example.unknown+json"))
                .hasMessageContaining("does not support");
        assertThatThrownBy(() -> parse("not json", MediaTypes.OCI_MANIFEST)).hasMessageContaining("not valid JSON");
        assertThatThrownBy(() -> parse("{\"manifests\":[{\"digest\":\"" + A + "\"}]}", MediaTypes.OCI_INDEX))
                .hasMessageContaining("without a valid size");
        assertThatThrownBy(() -> parse("{\"manifests\":[{\"digest\":\"md5:abc\",\"size\":1}]}", MediaTypes.OCI_INDEX))
                .hasMessageContaining("invalid digest");
    }

    @Test
    void shouldExposeSubjectAndArtifactTypeWhenTheManifestIsAReferrer() {
        Manifest signature = parse(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"artifactType\":"
                        + "\"application/vnd.dev.cosign.artifact.sig.v1+json\",\"config\":{\"mediaType\":"
                        + "\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + A + "\",\"size\":2},\"layers\":[{"
                        + "\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"digest\":\"" + B
                        + "\",\"size\":900}],\"subject\":{\"mediaType\":\"application/vnd.oci.image.index.v1+json\","
                        + "\"digest\":\"" + C + "\",\"size\":1234}}",
                MediaTypes.OCI_MANIFEST);
        Manifest sbom = parse(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{"
                        + "\"mediaType\":\"application/spdx+json\",\"digest\":\"" + A + "\",\"size\":20},\"layers\":[],"
                        + "\"subject\":{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + B
                        + "\",\"size\":10}}",
                MediaTypes.OCI_MANIFEST);
        Manifest index = parse(
                "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"artifactType\":"
                        + "\"application/vnd.example.bundle\",\"manifests\":[],\"subject\":{\"mediaType\":"
                        + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + A + "\",\"size\":3}}",
                MediaTypes.OCI_INDEX);
        Manifest plain = parse("{\"schemaVersion\":2,\"manifests\":[]}", MediaTypes.OCI_INDEX);

        assertThat(signature.subject().digest().toString()).isEqualTo(C);
        assertThat(signature.subject().mediaType()).isEqualTo(MediaTypes.OCI_INDEX);
        assertThat(signature.artifactType()).isEqualTo("application/vnd.dev.cosign.artifact.sig.v1+json");
        assertThat(signature.blobs()).extracting(d -> d.digest().toString()).containsExactly(A, B);
        assertThat(sbom.artifactType())
                .as("the config's type when there is no artifactType")
                .isEqualTo("application/spdx+json");
        assertThat(sbom.subject().digest().toString()).isEqualTo(B);
        assertThat(index.subject().digest().toString()).isEqualTo(A);
        assertThat(index.artifactType()).isEqualTo("application/vnd.example.bundle");
        assertThat(plain.subject()).isNull();
        assertThat(plain.artifactType()).isNull();
    }
}
