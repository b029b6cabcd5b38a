package org.ecrreplicator.engines;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on loopback in front of a local service, for the outages a test needs: while {@link #begin() an
 * outage} lasts, every connection is cut (new ones are closed on accept, open ones are closed), so clients see
 * the network failures they would see from an unreachable AWS endpoint, and their own retries run as they would.
 * Otherwise bytes pass through unchanged in both directions.
 */
public final class OutageRelay implements AutoCloseable {
    private final URI target;
    private final ServerSocket server;
    private final AtomicBoolean down = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicInteger refused = new AtomicInteger();
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Thread acceptor;

    /** @param target {@code http://127.0.0.1:PORT} of the service */
    public OutageRelay(URI target) {
        this.target = target;
        try {
            server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the relay's port", e);
        }
        acceptor = Thread.ofPlatform()
                .daemon()
                .name("outage-relay-" + target.getPort())
                .start(this::accept);
    }

    /** Where clients connect: the same scheme as the target, this relay's port. */
    public URI endpoint() {
        return URI.create(target.getScheme() + "://127.0.0.1:" + server.getLocalPort());
    }

    /** Starts an outage; {@link Outage#close()} ends it. */
    public Outage begin() {
        down.set(true);
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        return () -> down.set(false);
    }

    /** Connections cut since the relay started. */
    public int refusedConnections() {
        return refused.get();
    }

    /** An outage in progress. */
    @FunctionalInterface
    public interface Outage extends AutoCloseable {
        @Override
        void close();
    }

    private void accept() {
        while (!closed.get()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException e) {
                return;
            }
            if (down.get()) {
                refused.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            Thread.ofVirtual().start(() -> relay(client));
        }
    }

    private void relay(Socket client) {
        try (client;
                Socket upstream = new Socket()) {
            upstream.connect(new InetSocketAddress(target.getHost(), target.getPort()), 5_000);
            open.add(client);
            open.add(upstream);
            Thread back = Thread.ofVirtual().start(() -> pump(upstream, client));
            pump(client, upstream);
            back.join();
        } catch (IOException | InterruptedException e) {
            // The connection ends; the client sees it closed.
        } finally {
            open.remove(client);
            open.removeIf(Socket::isClosed);
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed.set(true);
        try {
            server.close();
        } catch (IOException e) {
            // nothing to do
        }
        for (Socket socket : open) {
            closeQuietly(socket);
        }
        acceptor.interrupt();
    }
}
