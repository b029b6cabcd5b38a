package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class CredentialsTest {

    @Test
    void shouldSplitAtTheFirstColonWhenThePasswordContainsColons() {
        Credentials credentials = Credentials.parseUserPassword("AWS:fake:pass:word", "--src-creds");

        assertThat(credentials).isEqualTo(new Credentials.Basic("AWS", "fake:pass:word"));
    }

    @Test
    void shouldNameTheSourceButNotTheValueWhenTheFormatIsWrong() {
        assertThatThrownBy(() -> Credentials.parseUserPassword("fake-secret-without-colon", "REPLICATOR_SRC_CREDS"))
                .hasMessageContaining("REPLICATOR_SRC_CREDS must be USER:PASSWORD")
                .hasMessageNotContaining("fake-secret");
        assertThatThrownBy(() -> Credentials.parseUserPassword(":fake-secret", "--dest-creds"))
                .hasMessageNotContaining("fake-secret");
    }

    @Test
    void shouldHideThePasswordWhenPrinted() {
        assertThat(Credentials.basic("user", "fake-hidden-pass").toString())
                .contains("user")
                .doesNotContain("fake-hidden-pass");
    }
}
