package org.ecrreplicator.worker.engine.manifest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.ecrreplicator.domain.Digest;
import org.junit.jupiter.api.Test;

class ReferrerListingTest {
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);

    @Test
    void shouldNameTheFallbackTagAfterTheDigestAndKeepItWithinTheTagLengthWhenTheDigestIsLong() {
        assertThat(ReferrerListing.fallbackTag(Digest.parse(A))).isEqualTo("sha256-" + "a".repeat(64));
        String sha512 = ReferrerListing.fallbackTag(Digest.parse("sha512:" + "c".repeat(128)));
        assertThat(sha512).hasSize(128).startsWith("sha512-ccc");
        assertThat(ReferrerListing.looksLikeFallbackTag("sha256-" + "a".repeat(64)))
                .isTrue();
        assertThat(ReferrerListing.looksLikeFallbackTag("sha256-latest")).isFalse();
        assertThat(ReferrerListing.looksLikeFallbackTag("1.0")).isFalse();
    }

    @Test
    void shouldListEachReferrerOnceWithItsDescriptorAsWrittenWhenAnIndexListsThem() throws Exception {
        Object index = JsonTree.parse(("{\"manifests\":[{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                        + "\"digest\":\"" + A + "\",\"size\":5,\"artifactType\":\"application/example\","
                        + "\"annotations\":{\"k\":\"v\"}},{\"digest\":\"" + B + "\",\"size\":6},{\"digest\":\"" + A
                        + "\",\"size\":5}]}")
                .getBytes(StandardCharsets.UTF_8));

        var entries = ReferrerListing.entries(index, "test index");

        assertThat(entries).extracting(entry -> entry.digest().toString()).containsExactly(A, B);
        assertThat(entries.get(0).artifactType()).isEqualTo("application/example");
        assertThat(JsonTree.write(entries.get(0).json()))
                .isEqualTo("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" + A
                        + "\",\"size\":5,\"artifactType\":\"application/example\",\"annotations\":{\"k\":\"v\"}}");
        assertThatThrownBy(() -> ReferrerListing.entries(
                        JsonTree.parse("{\"manifests\":[{\"digest\":\"x\"}]}".getBytes(StandardCharsets.UTF_8)),
                        "test index"))
                .isInstanceOf(ManifestException.class)
                .hasMessageContaining("test index");
    }
}
