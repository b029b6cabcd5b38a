package org.ecrreplicator.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {
    private static final String HEX = "7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378a0f0e0d0c0b0";

    @Test
    void shouldParseEveryPartWhenReferenceHasPortTagAndDigest() {
        ImageReference reference = ImageReference.parse("127.0.0.1:5000/team/sub/app:1.4.2@sha256:" + HEX);

        assertThat(reference.host()).isEqualTo("127.0.0.1");
        assertThat(reference.port()).isEqualTo(5000);
        assertThat(reference.repository()).isEqualTo("team/sub/app");
        assertThat(reference.tag()).isEqualTo("1.4.2");
        assertThat(reference.digest()).isEqualTo(new Digest("sha256", HEX));
        assertThat(reference.authority()).isEqualTo("127.0.0.1:5000");
        assertThat(reference.manifestReference()).isEqualTo("sha256:" + HEX);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "registry.example.com/app",
                "localhost:5000/a/b/c:latest",
                "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com/team/app:v1",
                "[::1]:5000/app:1",
                "localhost/app@sha256:" + HEX,
                "host.example/a.b/c__d/e-f--g:_tag.With-Mixed_Case"
            })
    void shouldRoundTripWhenFormatted(String text) {
        assertThat(ImageReference.parse(text).toString()).isEqualTo(text);
    }

    @Test
    void shouldAskForTagWhenNoDigestAndLatestWhenNeither() {
        assertThat(ImageReference.parse("r.example/app:v2").manifestReference()).isEqualTo("v2");
        assertThat(ImageReference.parse("r.example/app").manifestReference()).isEqualTo("latest");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "app:1                          | reference  | no registry host",
                "team/app:1                     | host       | is not a registry host",
                "r.example/Team/app             | repository | component 'Team'",
                "r.example/team//app            | repository | empty path component at position 2",
                "r.example/team/app-            | repository | component 'app-'",
                "r.example/app:-bad             | tag        | '-bad' is invalid",
                "r.example/app:                 | tag        | is empty",
                "r.example/app@sha256:abc       | digest     | must be 64 lowercase hex",
                "r.example/app@md5:abcdef       | digest     | not supported",
                "r.example/app@nocolon          | digest     | has no algorithm",
                "r.example:99999/app            | port       | out of range",
                "r.example:port/app             | port       | is not a number",
                "bad_host.example/app           | host       | invalid label 'bad_host'"
            })
    void shouldNameThePartWhenReferenceIsInvalid(String text, String part, String reason) {
        assertThatThrownBy(() -> ImageReference.parse(text))
                .isInstanceOfSatisfying(InvalidReferenceException.class, e -> assertThat(e.part())
                        .isEqualTo(part))
                .hasMessageContaining(reason);
    }

    @Test
    void shouldRejectTagLongerThan128Characters() {
        String tag = "a".repeat(129);
        assertThatThrownBy(() -> ImageReference.parse("r.example/app:" + tag))
                .isInstanceOf(InvalidReferenceException.class)
                .hasMessageStartingWith("tag");
        assertThat(ImageReference.parse("r.example/app:" + "a".repeat(128)).tag())
                .hasSize(128);
    }

    @Test
    void shouldRejectUppercaseDigestHex() {
        assertThatThrownBy(() -> Digest.parse("sha256:" + HEX.toUpperCase()))
                .isInstanceOf(InvalidReferenceException.class)
                .hasMessageContaining("lowercase hex");
    }

    @Test
    void shouldAcceptSha512Digest() {
        assertThat(Digest.parse("sha512:" + "ab".repeat(64)).algorithm()).isEqualTo("sha512");
    }
}
