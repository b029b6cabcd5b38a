package org.ecrreplicator.worker.engine;

import java.net.URI;

/** Registry reads for tests in other packages. */
public final class TestRegistries {
    private TestRegistries() {}

    public static byte[] manifestBytes(URI registry, String repository, String digest) throws Exception {
        return RegistryAssertions.send(registry, null, "GET", "/v2/" + repository + "/manifests/" + digest)
                .body();
    }
}
