package org.ecrreplicator.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.junit.jupiter.api.Test;

/** The copy engine's pieces that need no registry. */
class ImageCopierTest {
    @Test
    void shouldStartSmallBlobsFirstAndThenTheLargestWhenOrderingTransfers() {
        Descriptor config = blob('c', 358);
        Descriptor base = blob('b', 300_000_000);
        Descriptor app = blob('a', 5_000_000);
        Descriptor attestation = blob('d', 1 << 20);
        Descriptor data = blob('e', 40_000_000);

        assertThat(ImageCopier.transferOrder(List.of(config, app, base, attestation, data)))
                .containsExactly(config, attestation, base, data, app);
    }

    private static Descriptor blob(char fill, long size) {
        return new Descriptor(
                "application/octet-stream",
                Digest.parse("sha256:" + String.valueOf(fill).repeat(64)),
                size,
                null);
    }

    @Test
    void shouldWriteTimeoutsInTheirOwnUnitWhenTheyNameThemInErrors() {
        assertThat(ImageCopier.inWords(Duration.ofMillis(500))).isEqualTo("500 ms");
        assertThat(ImageCopier.inWords(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(ImageCopier.inWords(Duration.ofSeconds(90))).isEqualTo("90 s");
        assertThat(ImageCopier.inWords(Duration.ofSeconds(60))).isEqualTo("1 min");
        assertThat(ImageCopier.inWords(ImageCopier.Options.defaults().commitTimeout()))
                .isEqualTo("10 min");
    }
}
