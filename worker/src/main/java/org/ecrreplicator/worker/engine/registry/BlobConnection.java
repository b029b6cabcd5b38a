package org.ecrreplicator.worker.engine.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * A blocking HTTP/1.1 exchange that carries a blob's bytes: the source's {@code GET} or the destination's
 * {@code PUT}, on the JDK's {@link HttpURLConnection} (docs/decisions/0076-blob-bytes-on-blocking-connections.md).
 * Every other request is answered whole by {@link HttpConnections#exchange}.
 *
 * <p>Until its answer is read, another thread may {@link #breakConnection() break} the exchange (a stalled
 * upload, a cancelled copy): its socket is closed and whatever the owning thread was blocked in, writing the
 * body or waiting for the answer, fails at once. Not so once the answer's body is being read: the JDK then
 * closes the body instead, under the lock its reader holds, and would wait for the read. A read is bounded by
 * the read timeout instead.
 */
public final class BlobConnection {
    private final HttpURLConnection connection;
    private final String authorization;

    private BlobConnection(HttpURLConnection connection, String authorization) {
        this.connection = connection;
        this.authorization = authorization;
    }

    /**
     * Opens (but does not send) a request. Redirects are not followed here: a caller that follows one sends no
     * credentials there.
     *
     * @param authorization the {@code Authorization} header, or null
     * @param readTimeout how long a read may wait: for the answer to a request, and between bytes of a body
     * @param breakers told how to break this exchange, as soon as it exists
     */
    static BlobConnection open(
            HttpConnections http,
            URI uri,
            String method,
            String authorization,
            Duration readTimeout,
            Consumer<Runnable> breakers)
            throws IOException {
        HttpURLConnection connection = http.open(uri, method, readTimeout);
        if (authorization != null) {
            connection.setRequestProperty("Authorization", authorization);
        }
        BlobConnection opened = new BlobConnection(connection, authorization);
        breakers.accept(opened::breakConnection);
        return opened;
    }

    /** Sends a request without a body and waits for the answer's status line and headers. */
    int status() throws IOException {
        return connection.getResponseCode();
    }

    /** Prepares a body of exactly {@code length} bytes and connects: what is written goes out as it is. */
    OutputStream requestBody(long length, String contentType) throws IOException {
        connection.setDoOutput(true);
        connection.setFixedLengthStreamingMode(length);
        connection.setRequestProperty("Content-Type", contentType);
        return connection.getOutputStream();
    }

    /** The body of a 2xx or 3xx answer. */
    InputStream responseBody() throws IOException {
        return connection.getInputStream();
    }

    /** The {@code Authorization} header this exchange was sent with, or null. */
    String sentAuthorization() {
        return authorization;
    }

    String header(String name) {
        return connection.getHeaderField(name);
    }

    List<String> headers(String name) {
        List<String> values = connection.getHeaderFields().get(name);
        return values == null ? List.of() : values;
    }

    /** The answer's headers, for {@link RegistryExchange#failure}. */
    HttpHeaders allHeaders() {
        return HttpConnections.headers(connection);
    }

    /**
     * Reads a small answer's body (an error, a redirect, a commit) up to {@link CappedBody#ERROR_BODY_BYTES} and
     * ends the exchange, leaving the connection to be reused when the body was read whole.
     */
    byte[] finish() {
        try {
            return HttpConnections.read(connection, connection.getResponseCode(), CappedBody.ERROR_BODY_BYTES);
        } catch (IOException e) {
            connection.disconnect();
            return new byte[0];
        }
    }

    /**
     * Closes the socket, or the answer's body once it is being read (then only from the thread reading it);
     * more than once is harmless.
     */
    public void breakConnection() {
        connection.disconnect();
    }
}
