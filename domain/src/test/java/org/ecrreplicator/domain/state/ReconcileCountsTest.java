package org.ecrreplicator.domain.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconcileCountsTest {
    private static final ReconcileCounts SOME = new ReconcileCounts(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);

    @Test
    void shouldAddEveryCountWhenTwoAreSummed() {
        ReconcileCounts other = new ReconcileCounts(10, 20, 30, 40, 50, 60, 70, 80, 90, 100);

        assertThat(SOME.plus(other)).isEqualTo(new ReconcileCounts(11, 22, 33, 44, 55, 66, 77, 88, 99, 110));
        assertThat(SOME.plus(ReconcileCounts.NONE)).isEqualTo(SOME);
    }

    @Test
    void shouldCountDeferredAndFailedTagsButNotKeptExtraTagsAsDriftLeftWhenSomeWereNotRepaired() {
        ReconcileCounts counts = new ReconcileCounts(100, 10, 10, 10, 30, 1, 2, 3, 1_000_000, 0);

        assertThat(counts.driftLeft())
                .as("extra tags kept by policy are not drift")
                .isEqualTo(3);
        assertThat(new ReconcileCounts(100, 10, 10, 10, 30, 0, 0, 0, 1, 0).driftLeft())
                .as("differences found and repaired leave no drift")
                .isZero();
    }

    @Test
    void shouldGiveBackTheSameCountsWhenItsMapIsReadBack() {
        Map<String, Long> map = SOME.asMap();

        assertThat(map)
                .containsExactly(
                        Map.entry("inSync", 1L),
                        Map.entry("missing", 2L),
                        Map.entry("stale", 3L),
                        Map.entry("extra", 4L),
                        Map.entry("repaired", 5L),
                        Map.entry("deferred", 6L),
                        Map.entry("failed", 7L),
                        Map.entry("extraKept", 8L),
                        Map.entry("bytesCopied", 9L),
                        Map.entry("bytesMounted", 10L));
        assertThat(ReconcileCounts.fromMap(map)).isEqualTo(SOME);
    }

    @Test
    void shouldCountZeroForANameTheMapLacks() {
        assertThat(ReconcileCounts.fromMap(Map.of("missing", 2L)))
                .isEqualTo(new ReconcileCounts(0, 2, 0, 0, 0, 0, 0, 0, 0, 0));
        assertThat(ReconcileCounts.fromMap(Map.of())).isEqualTo(ReconcileCounts.NONE);
    }

    @Test
    void shouldCountNoBytesMountedWhenAnItemWrittenBeforeThatCountExistedIsRead() {
        Map<String, Long> older = new HashMap<>(SOME.asMap());
        older.remove("bytesMounted");

        ReconcileCounts read = ReconcileCounts.fromMap(older);

        assertThat(read.bytesMounted()).isZero();
        assertThat(read.bytesCopied()).isEqualTo(9);
        assertThat(read.plus(SOME).bytesMounted()).isEqualTo(10);
    }

    @Test
    void shouldRefuseANegativeCountWhateverItsName() {
        for (String name : SOME.asMap().keySet()) {
            Map<String, Long> map = new HashMap<>(SOME.asMap());
            map.put(name, -1L);

            assertThatThrownBy(() -> ReconcileCounts.fromMap(map))
                    .as(name)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("cannot be negative");
        }
    }
}
