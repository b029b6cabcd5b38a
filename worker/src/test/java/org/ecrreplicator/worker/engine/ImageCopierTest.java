package org.ecrreplicator.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The copy engine's pieces that need no registry. */
class ImageCopierTest {
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
