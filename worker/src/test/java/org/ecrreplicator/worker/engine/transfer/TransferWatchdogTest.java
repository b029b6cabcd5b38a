package org.ecrreplicator.worker.engine.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.junit.jupiter.api.Test;

class TransferWatchdogTest {
    @Test
    void shouldWriteTimeoutsInTheirOwnUnitWhenTheyNameThemInErrors() {
        assertThat(TransferWatchdog.inWords(Duration.ofMillis(500))).isEqualTo("500 ms");
        assertThat(TransferWatchdog.inWords(Duration.ofMillis(1500))).isEqualTo("1.5 s");
        assertThat(TransferWatchdog.inWords(Duration.ofSeconds(90))).isEqualTo("90 s");
        assertThat(TransferWatchdog.inWords(Duration.ofSeconds(60))).isEqualTo("1 min");
        assertThat(TransferWatchdog.inWords(ImageCopier.Options.defaults().commitTimeout()))
                .isEqualTo("10 min");
    }
}
