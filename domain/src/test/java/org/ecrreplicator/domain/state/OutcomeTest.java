package org.ecrreplicator.domain.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class OutcomeTest {
    @Test
    void shouldParseTheWorkerOutcomeAndLabelItForTheExecutionOutput() {
        assertThat(Outcome.parse("SOURCE_GONE").label()).isEqualTo("source gone");
        assertThat(Outcome.parse("NOTHING_TO_DELETE").status()).isEqualTo(TagStatus.NOTHING_TO_DELETE);
        assertThat(Outcome.parse("KEPT").label()).isEqualTo("kept");
    }

    @Test
    void shouldSayTheDestinationHoldsTheSourceImageOnlyAfterACopy() {
        assertThat(java.util.Arrays.stream(Outcome.values()).filter(Outcome::holdsSourceImage))
                .containsExactly(Outcome.REPLICATED, Outcome.UNCHANGED, Outcome.KEPT);
    }

    @Test
    void shouldNameTheAllowedValuesWhenTheOutcomeIsUnknown() {
        assertThatThrownBy(() -> Outcome.parse("COPIED"))
                .hasMessageContaining("REPLICATED, UNCHANGED, KEPT, SOURCE_GONE, DELETED, NOTHING_TO_DELETE");
    }

    @Test
    void shouldOrderEventsByTimeThenId() {
        Instant t = Instant.parse("2026-11-22T10:00:00Z");
        assertThat(new EventMark(t, "b").isAfter(new EventMark(t, "a"))).isTrue();
        assertThat(new EventMark(t, "z").isAfter(new EventMark(t.plusSeconds(1), "a")))
                .isFalse();
        assertThat(new EventMark(t, "a").isAfter(null)).isTrue();
    }

    @Test
    void shouldKeepHistoryKeysApartFromImageKeys() {
        String key = StateTable.historyKey("team/app:1.4.2", new EventMark(Instant.parse("2026-11-22T10:00:00Z"), "e"));
        assertThat(key).isEqualTo("#history#team/app:1.4.2#2026-11-22T10:00:00Z#e");
    }
}
