package org.ecrreplicator.worker.engine.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.junit.jupiter.api.Test;

class BlobTransfersTest {
    @Test
    void shouldStartSmallBlobsFirstAndThenTheLargestWhenOrderingTransfers() {
        Descriptor config = blob('c', 358);
        Descriptor base = blob('b', 300_000_000);
        Descriptor app = blob('a', 5_000_000);
        Descriptor attestation = blob('d', 1 << 20);
        Descriptor data = blob('e', 40_000_000);

        assertThat(BlobTransfers.transferOrder(List.of(config, app, base, attestation, data)))
                .containsExactly(config, attestation, base, data, app);
    }

    private static Descriptor blob(char fill, long size) {
        return new Descriptor(
                "application/octet-stream",
                Digest.parse("sha256:" + String.valueOf(fill).repeat(64)),
                size,
                null);
    }
}
