package org.ecrreplicator.worker.engine.registry;

import java.net.http.HttpClient;
import java.time.Duration;

/** The HTTP client every registry call goes through. */
public final class HttpClients {
    private HttpClients() {}

    /**
     * HTTP/1.1 on purpose: each concurrent blob gets its own connection, where HTTP/2 would multiplex them
     * over one TCP window. Redirects are followed by hand, so credentials never leave the registry's host.
     * The default TLS context is created on the first TLS connection, not up front ({@link LazyTls}).
     *
     * <p>The client's own tasks run on the thread that schedules them (its selector thread, mostly) instead
     * of a pool: a buffer read from the source is hashed and handed to the upload on the thread that read
     * it, with no hand-off per buffer. Nothing the client calls back into blocks (the blob pipe only queues
     * and signals; {@code send} waits on the caller's virtual thread). docs/decisions/0017-blob-pipe.md.
     */
    public static HttpClient forRegistries() {
        return HttpClient.newBuilder()
                .executor(Runnable::run)
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(Duration.ofSeconds(10))
                .sslContext(LazyTls.context())
                .sslParameters(LazyTls.parameters())
                .build();
    }
}
