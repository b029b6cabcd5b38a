package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProgressDisplayTest {

    @Test
    void shouldUseBinaryUnitsWithOneDecimalWhenFormattingSizes() {
        assertThat(ProgressDisplay.size(0)).isEqualTo("0 B");
        assertThat(ProgressDisplay.size(1023)).isEqualTo("1023 B");
        assertThat(ProgressDisplay.size(1536)).isEqualTo("1.5 KiB");
        assertThat(ProgressDisplay.size(215L * 1024 * 1024)).isEqualTo("215.0 MiB");
        assertThat(ProgressDisplay.size(3L * 1024 * 1024 * 1024)).isEqualTo("3.0 GiB");
    }

    @Test
    void shouldShowBytesRateAndBlobsWhenDrawingALine() {
        assertThat(ProgressDisplay.line(100L * 1024 * 1024, 200L * 1024 * 1024, 2.0, 3, 8))
                .isEqualTo("100.0 MiB / 200.0 MiB  50.0 MiB/s  blobs 3/8");
        assertThat(ProgressDisplay.line(0, 0, 0, 0, 0)).isEqualTo("0 B / 0 B  0 B/s  blobs 0/0");
    }
}
