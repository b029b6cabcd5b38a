package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EnqueueHandlerTest {
    @Test
    void shouldKeepAnEventIdThatSqsAcceptsAsTheDeduplicationId() {
        assertThat(EnqueueHandler.deduplicationId("13cde686-328b-6117-af20-0e5566167482"))
                .isEqualTo("13cde686-328b-6117-af20-0e5566167482");
    }

    @Test
    void shouldMapAnIdSqsWouldRefuseOntoItsAllowedCharactersAndLength() {
        String id = EnqueueHandler.deduplicationId("id with spaces " + "x".repeat(200));

        assertThat(id).hasSizeLessThanOrEqualTo(128).matches("[\\x21-\\x7e]+");
        assertThat(id).isNotEqualTo(EnqueueHandler.deduplicationId("id with spaces " + "x".repeat(201)));
    }
}
