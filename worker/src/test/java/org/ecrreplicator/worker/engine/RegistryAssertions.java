package org.ecrreplicator.worker.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.worker.engine.manifest.MediaTypes;

/** Checks a destination registry holds an image byte for byte: every manifest, media type and blob. */
public final class RegistryAssertions {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private RegistryAssertions() {}

    public static void assertExactCopy(
            URI destination, String authorization, String repository, String tag, SampleImages.Image image)
            throws Exception {
        for (SampleImages.Manifest manifest : image.manifests()) {
            HttpResponse<byte[]> response =
                    send(destination, authorization, "GET", "/v2/" + repository + "/manifests/" + manifest.digest());
            assertThat(response.statusCode())
                    .as("manifest %s at destination", manifest.digest())
                    .isEqualTo(200);
            assertThat(response.body())
                    .as("bytes of manifest %s", manifest.digest())
                    .isEqualTo(manifest.bytes());
            assertThat(response.headers().firstValue("Content-Type").orElse(""))
                    .as("media type of %s", manifest.digest())
                    .isEqualTo(manifest.mediaType());
        }
        for (SampleImages.Blob blob : image.blobs()) {
            HttpResponse<byte[]> response =
                    send(destination, authorization, "HEAD", "/v2/" + repository + "/blobs/" + blob.digest());
            assertThat(response.statusCode())
                    .as("blob %s at destination", blob.digest())
                    .isEqualTo(200);
            assertThat(response.headers().firstValueAsLong("Content-Length").orElse(-1))
                    .as("size of blob %s", blob.digest())
                    .isEqualTo(blob.size());
        }
        if (tag != null) {
            HttpResponse<byte[]> head =
                    send(destination, authorization, "HEAD", "/v2/" + repository + "/manifests/" + tag);
            assertThat(head.headers().firstValue("Docker-Content-Digest"))
                    .as("digest tag %s names", tag)
                    .contains(image.digest());
        }
    }

    public static HttpResponse<byte[]> send(URI base, String authorization, String method, String path)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path))
                .header("Accept", MediaTypes.ACCEPT_HEADER)
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
