package org.ecrreplicator.domain.retry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class EqualJitterBackoffTest {
    private final EqualJitterBackoff backoff = new EqualJitterBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8));

    @Test
    void shouldDoubleTheCeilingAfterEachFailureUpToTheCap() {
        assertThat(backoff.ceiling(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(backoff.ceiling(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.ceiling(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(backoff.ceiling(40)).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void shouldWaitAtLeastHalfTheCeilingAndAtMostAllOfIt() {
        assertThat(backoff.delay(3, () -> 0.0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(backoff.delay(3, () -> 0.999_999)).isEqualTo(Duration.ofMillis(4000));
        assertThat(backoff.delay(1, () -> 0.5)).isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void shouldRefuseACapBelowTheBase() {
        assertThatThrownBy(() -> new EqualJitterBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("0 < base <= cap");
    }
}
