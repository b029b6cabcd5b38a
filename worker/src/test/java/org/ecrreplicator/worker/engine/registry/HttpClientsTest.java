package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;

class HttpClientsTest {
    /**
     * Run inline, the JDK's HTTP/1.1 receiver sometimes reads a body ahead of demand (decision 0017): the side
     * that reads blobs keeps the client's own executor, only the upload side runs its tasks inline.
     */
    @Test
    void shouldRunTasksInlineOnlyOnTheUploadSide() {
        HttpClient reading = HttpClients.forRegistries();
        HttpClient uploading = HttpClients.forUploads();

        assertThat(reading.executor()).isEmpty();
        assertThat(uploading.executor()).isPresent();
        assertThat(reading.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(uploading.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(uploading.followRedirects()).isEqualTo(HttpClient.Redirect.NEVER);
    }
}
