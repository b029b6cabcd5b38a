package org.ecrreplicator.worker.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.state.ReconcileCounts;
import org.ecrreplicator.worker.engine.sync.RegistryDiff;
import org.ecrreplicator.worker.engine.sync.SyncReport;
import org.ecrreplicator.worker.engine.sync.TagAction;
import org.ecrreplicator.worker.engine.sync.TagDifference;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
    private static TagDifference missing(String repository, char hex) {
        return new TagDifference(
                TagDifference.Kind.MISSING,
                repository,
                "1",
                Digest.parse("sha256:" + String.valueOf(hex).repeat(64)),
                null);
    }

    private static TagAction copied(TagDifference difference, long bytes, long mounted) {
        return new TagAction(
                difference, TagAction.Outcome.COPIED, difference.sourceDigest(), bytes, mounted, 0, List.of(), null);
    }

    @Test
    void shouldCountTheBytesMountedApartFromTheBytesCopiedWhenSomeTagsMountedTheirBaseLayer() {
        TagDifference one = missing("one", 'a');
        TagDifference two = missing("two", 'b');
        TagDifference three = missing("three", 'c');
        RegistryDiff before = new RegistryDiff(5, List.of(one, two, three), List.of(), List.of(), List.of(), Set.of());
        SyncReport report = new SyncReport(
                before,
                List.of(copied(one, 4096, 0), copied(two, 1024, 3_000_000), copied(three, 512, 2_000_000)),
                null,
                true);

        ReconcileCounts counts = Reconciler.counts(report, true);

        assertThat(counts.bytesCopied()).isEqualTo(5632);
        assertThat(counts.bytesMounted()).isEqualTo(5_000_000);
        assertThat(counts.repaired()).isEqualTo(3);
        assertThat(counts.asMap()).containsEntry("bytesMounted", 5_000_000L);
    }
}
