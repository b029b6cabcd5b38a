package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How much of a body is read: a registry that sends more is cut off, not buffered. */
class CappedBodyTest {
    @Test
    void shouldReadASuccessBodyOneBytePastItsLimitWhenCappedForSuccess() {
        CappedBody cap = CappedBody.successUpTo(10);

        assertThat(cap.bytesFor(200)).isEqualTo(11);
        assertThat(cap.bytesFor(201)).isEqualTo(11);
    }

    @Test
    void shouldCutOtherBodiesAt64KibWhenCappedForSuccess() {
        CappedBody cap = CappedBody.successUpTo(4 * 1024 * 1024);

        assertThat(cap.bytesFor(500)).isEqualTo(CappedBody.ERROR_BODY_BYTES);
        assertThat(cap.bytesFor(404)).isEqualTo(CappedBody.ERROR_BODY_BYTES);
        assertThat(cap.bytesFor(307)).isEqualTo(CappedBody.ERROR_BODY_BYTES);
    }

    @Test
    void shouldCutEveryBodyAtTheSameSizeWhenCutAt() {
        CappedBody cap = CappedBody.cutAt(100);

        assertThat(cap.bytesFor(200)).isEqualTo(100);
        assertThat(cap.bytesFor(503)).isEqualTo(100);
    }
}
