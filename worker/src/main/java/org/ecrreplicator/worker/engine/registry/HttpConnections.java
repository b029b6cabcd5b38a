package org.ecrreplicator.worker.engine.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/**
 * The HTTP side every registry client of a copier shares: blocking HTTP/1.1 exchanges on the JDK's {@link
 * HttpURLConnection}, which keeps connections alive and reuses them per host, for blobs' bytes ({@link
 * BlobConnection}) and for everything else, read whole ({@link #exchange}). One stack, and no asynchronous client
 * to build at start (docs/decisions/0077-one-blocking-http-stack.md).
 *
 * <p>Redirects are never followed here, so credentials never leave the registry's host unasked. TLS is the JDK's
 * default context, created on the first TLS connection ({@link LazyTls}), with the JDK's host name checks.
 */
public final class HttpConnections {
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    private static final String CANCELLED = "the copy was cancelled: no more requests to registries";

    private final SSLContext tls = LazyTls.context();
    /** Exchanges waiting for or reading their answer, broken by {@link #shutdownNow}. */
    private final Set<HttpURLConnection> inFlight = ConcurrentHashMap.newKeySet();
    /** Where virtual threads' exchanges block ({@link #exchange}); idle threads wait in Java, not in native. */
    private final ExecutorService blocking = Executors.newCachedThreadPool(
            Thread.ofPlatform().daemon().name("registry-http-", 1).factory());

    private volatile boolean shutDown;

    private HttpConnections() {}

    public static HttpConnections forRegistries() {
        return new HttpConnections();
    }

    /**
     * A connection for {@code method} on {@code uri}, not yet sent.
     *
     * @param readTimeout how long a read may wait: for the answer, and between bytes of a body
     */
    HttpURLConnection open(URI uri, String method, Duration readTimeout) throws IOException {
        if (shutDown) {
            throw new IOException(CANCELLED);
        }
        HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
        if (connection instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(tls.getSocketFactory());
        }
        connection.setInstanceFollowRedirects(false);
        connection.setUseCaches(false);
        connection.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
        connection.setReadTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, readTimeout.toMillis())));
        connection.setRequestMethod(method);
        return connection;
    }

    /**
     * Sends {@code request} and reads its answer whole, the body no further than {@code cap} allows for the
     * answer's status. A body longer than that is not drained: its connection is closed instead of reused.
     *
     * <p>The blocking I/O runs on a platform thread. A virtual thread's blocking socket call would start the
     * JDK's poller, a platform thread that waits in native code for as long as the JVM lives, and a JVM that
     * exits with a thread in native code waits 300 ms for it first: a third of a second on every run of the
     * CLI, measured (decision 0077).
     *
     * @throws InterruptedException when the calling thread is interrupted (a cancelled copy): the exchange's
     *     connection is broken
     */
    Answer exchange(Request request, CappedBody cap) throws IOException, InterruptedException {
        HttpURLConnection connection = open(request.uri(), request.method(), request.timeout());
        request.headers().forEach(connection::setRequestProperty);
        inFlight.add(connection);
        try {
            return onPlatformThread(() -> send(connection, request, cap), connection::disconnect);
        } finally {
            inFlight.remove(connection);
        }
    }

    /** Work that blocks on sockets. */
    @FunctionalInterface
    interface Blocking<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code work} on a platform thread when the caller is a virtual thread (see {@link #exchange}), else
     * here: for an SDK's request too, such as ECR's {@code GetAuthorizationToken}, which a registry's first
     * request may trigger from any thread.
     *
     * @param interrupted breaks the work's connection when the caller is interrupted while waiting
     */
    <T> T onPlatformThread(Blocking<T> work, Runnable interrupted) throws IOException, InterruptedException {
        if (!Thread.currentThread().isVirtual()) {
            return work.run();
        }
        Future<T> result;
        try {
            result = blocking.submit(work::run);
        } catch (RejectedExecutionException e) {
            throw new IOException(CANCELLED, e);
        }
        try {
            return result.get();
        } catch (InterruptedException e) {
            interrupted.run();
            throw e;
        } catch (ExecutionException e) {
            throw thrownBy(e);
        }
    }

    /**
     * What blocking work on a platform thread threw, for the thread that waited for it: a runtime exception or an
     * error is thrown here as it was; an {@link IOException}, or anything else wrapped in one, is returned for the
     * caller to throw.
     */
    public static IOException thrownBy(ExecutionException e) {
        switch (e.getCause()) {
            case IOException io -> {
                return io;
            }
            case RuntimeException runtime -> throw runtime;
            case Error error -> throw error;
            default -> {
                return new IOException(e.getCause());
            }
        }
    }

    private static Answer send(HttpURLConnection connection, Request request, CappedBody cap) throws IOException {
        try {
            if (request.body() != null) {
                // Buffered by the JDK and sent with its Content-Length: a body of a few KiB, which a 401 lets
                // the JDK answer without the streaming mode's HttpRetryException.
                connection.setDoOutput(true);
                try (OutputStream body = connection.getOutputStream()) {
                    body.write(request.body());
                }
            }
            int status = connection.getResponseCode();
            if (status < 0) {
                throw new IOException("the answer is not HTTP");
            }
            byte[] body = read(connection, status, cap.bytesFor(status));
            return new Answer(status, headers(connection), body, request.uri());
        } catch (IOException e) {
            connection.disconnect();
            throw e;
        }
    }

    /** The body up to {@code cap} bytes; the connection stays for reuse only when it was read to its end. */
    static byte[] read(HttpURLConnection connection, int status, int cap) throws IOException {
        InputStream stream = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
        if (stream == null) {
            return new byte[0];
        }
        try (InputStream body = stream) {
            byte[] read = body.readNBytes(cap);
            if (body.read() >= 0) {
                connection.disconnect();
            }
            return read;
        }
    }

    /** The answer's headers, names compared without case. */
    static HttpHeaders headers(HttpURLConnection connection) {
        Map<String, List<String>> named = new HashMap<>();
        // The status line comes under the null key.
        connection.getHeaderFields().forEach((name, values) -> {
            if (name != null) {
                named.put(name, values);
            }
        });
        return HttpHeaders.of(named, (name, value) -> true);
    }

    SSLContext tls() {
        return tls;
    }

    /**
     * Breaks every exchange in flight and refuses new ones: for a copier being closed. Blob connections are
     * broken by their own transfers' cancellation.
     */
    public void shutdownNow() {
        shutDown = true;
        blocking.shutdownNow();
        inFlight.forEach(HttpURLConnection::disconnect);
    }

    /** A request with a small body or none. Headers keep the order in which they were given. */
    static final class Request {
        private final URI uri;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String method = "GET";
        private byte[] body;
        private Duration timeout = RegistryExchange.REQUEST_TIMEOUT;

        private Request(URI uri) {
            this.uri = uri;
        }

        static Request to(URI uri) {
            return new Request(uri);
        }

        Request header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Request head() {
            method = "HEAD";
            return this;
        }

        Request delete() {
            method = "DELETE";
            return this;
        }

        /**
         * A {@code POST} without a body, sent with {@code Content-Length: 0} as other registry clients send it.
         * The content type is named because the JDK would otherwise call the empty body a form.
         */
        Request post() {
            method = "POST";
            body = new byte[0];
            headers.putIfAbsent("Content-Type", "application/octet-stream");
            return this;
        }

        Request put(byte[] content, String contentType) {
            method = "PUT";
            body = content;
            headers.put("Content-Type", contentType);
            return this;
        }

        /** How long the answer, and then each read of its body, may take. */
        Request timeout(Duration value) {
            timeout = value;
            return this;
        }

        URI uri() {
            return uri;
        }

        String method() {
            return method;
        }

        Map<String, String> headers() {
            return headers;
        }

        byte[] body() {
            return body;
        }

        Duration timeout() {
            return timeout;
        }
    }

    /**
     * An answer read whole.
     *
     * @param body as much of the body as the request's cap allowed
     * @param uri where the request went, which relative locations in the answer resolve against
     */
    record Answer(int status, HttpHeaders headers, byte[] body, URI uri) {}
}
