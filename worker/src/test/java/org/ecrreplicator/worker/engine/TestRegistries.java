package org.ecrreplicator.worker.engine;

import java.net.URI;
import java.util.Optional;

/** Registry reads for tests in other packages. */
public final class TestRegistries {
    private TestRegistries() {}

    public static byte[] manifestBytes(URI registry, String repository, String digest) throws Exception {
        return RegistryAssertions.send(registry, null, "GET", "/v2/" + repository + "/manifests/" + digest)
                .body();
    }

    /** The digest {@code reference} names at the registry, or empty when it names nothing. */
    public static Optional<String> digestOf(URI registry, String repository, String reference) throws Exception {
        return digestOf(registry, null, repository, reference);
    }

    /** @param authorization the {@code Authorization} header value, or null */
    public static Optional<String> digestOf(URI registry, String authorization, String repository, String reference)
            throws Exception {
        return RegistryAssertions.send(registry, authorization, "HEAD", "/v2/" + repository + "/manifests/" + reference)
                .headers()
                .firstValue("Docker-Content-Digest");
    }
}
