package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;

class HttpClientsTest {
    /**
     * A redirect followed by the client would take the registry's credentials to another host; the client runs
     * its tasks inline (its own executor would add a hand-off per answer), which is safe only because no blob
     * goes through it (decision 0076).
     */
    @Test
    void shouldSpeakHttp11FollowNoRedirectAndRunTasksInlineWhenBuiltForRegistries() {
        HttpClient client = HttpClients.forRegistries();

        assertThat(client.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(client.followRedirects()).isEqualTo(HttpClient.Redirect.NEVER);
        assertThat(client.executor()).isPresent();
    }
}
