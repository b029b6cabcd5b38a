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
     * <p>For the side blobs are read from (and every other call): the client's own executor runs its tasks.
     * The JDK hands an executor only the tasks scheduled on the client's own selector thread (it runs every
     * other thread's inline anyway); run inline there, the HTTP/1.1 receiver is drained on the thread that
     * reads the socket, and it sometimes read a body ahead of the subscriber's demand: a heap dump of a 700
     * MiB copy showed 39 to 91 read buffers of 256 KiB queued per connection, and such copies peaked at 200
     * MiB and ran two to three times longer (docs/decisions/0017-blob-pipe.md).
     */
    public static HttpClient forRegistries() {
        return builder().build();
    }

    /**
     * Like {@link #forRegistries()}, for the side blobs are written to, whose tasks run on the thread that
     * schedules them (its selector thread, mostly) instead of a pool: a buffer the upload asks for is offered
     * at once, with no hand-off per buffer. Nothing the client calls back into blocks (the blob pipe only
     * queues and signals; {@code send} waits on the caller's virtual thread), and this side only receives
     * small answers, so the receiver's read-ahead cannot pile up here.
     */
    public static HttpClient forUploads() {
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
