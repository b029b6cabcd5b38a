package org.ecrreplicator.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

class DigestTest {
    private static final String HEX = "7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378a0f0e0d0c0b0";
    private static final String OTHER_HEX = "0b0c0d0e0f0a8730e2342874e98f4cad97a4c0143dfd29564f4bf6ef0462b5f7";

    @Test
    void shouldBeEqualWithTheSameHashWhenAlgorithmAndEncodedMatch() {
        Digest parsed = Digest.parse("sha256:" + HEX);
        Digest built = new Digest("sha256", new String(HEX.toCharArray()));

        assertThat(parsed).isEqualTo(built);
        assertThat(parsed.hashCode()).isEqualTo(built.hashCode());
        assertThat(Set.of(parsed)).contains(built);
    }

    @Test
    void shouldDifferWhenTheEncodedPartOrTheAlgorithmDiffers() {
        Digest digest = Digest.parse("sha256:" + HEX);

        assertThat(digest).isNotEqualTo(Digest.parse("sha256:" + OTHER_HEX));
        assertThat(digest).isNotEqualTo(Digest.parse("sha512:" + HEX + HEX));
        assertThat(digest).isNotEqualTo("sha256:" + HEX);
        assertThat(digest).isNotEqualTo(null);
    }
}
