package org.ecrreplicator.worker.engine.registry;

import java.net.http.HttpClient;
import java.time.Duration;

/** The HTTP client every registry call goes through. */
public final class HttpClients {
    private HttpClients() {}

    /**
     * HTTP/1.1 on purpose: each concurrent request gets its own connection, where HTTP/2 would multiplex them
     * over one TCP window. Redirects are followed by hand, so credentials never leave the registry's host.
     * The default TLS context is created on the first TLS connection, not up front ({@link LazyTls}).
     *
     * <p>Blobs' bytes do not go through this client but through {@link BlobConnection}s
     * (docs/decisions/0076-blob-bytes-on-blocking-connections.md): what it carries is small, manifests and
     * answers read whole (at most 4 MiB), so it runs its tasks on the thread that schedules them, its selector
     * thread mostly, with no hand-off per answer. Nothing it calls back into blocks ({@code send} waits on the
     * caller's thread). The JDK's receiver reading a body ahead of demand when drained on that thread (decision
     * 0017) cannot pile up here: no body is larger than what is read whole anyway.
     */
    public static HttpClient forRegistries() {
        return builder().executor(Runnable::run).build();
    }

    private static HttpClient.Builder builder() {
        return HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .sslContext(LazyTls.context())
                .sslParameters(LazyTls.parameters());
    }
}
