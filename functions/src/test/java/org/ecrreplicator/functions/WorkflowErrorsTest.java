package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WorkflowErrorsTest {
    @Test
    void shouldReportExactlyTheShortErrorNameAsLambdaDoesWhenThrown() {
        List<RuntimeException> errors = List.of(
                WorkflowErrors.secretNotFound("m"),
                WorkflowErrors.secretInvalid("m"),
                WorkflowErrors.leaseTimeout("m"),
                WorkflowErrors.leaseHeld("m"),
                WorkflowErrors.buildThrottled("m"));

        assertThat(errors)
                .extracting(error -> error.getClass().getName())
                .containsExactly("SecretNotFound", "SecretInvalid", "LeaseTimeout", "LeaseHeld", "BuildThrottled");
        assertThat(errors).extracting(Throwable::getMessage).containsOnly("m");
        assertThat(errors).extracting(Throwable::getCause).containsOnlyNulls();
    }
}
