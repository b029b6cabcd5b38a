import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A loopback TCP proxy that makes a registry look far away: every byte, each way, arrives DELAY_MS later than
 * it was sent (RTT = 2 x DELAY_MS), and each connection's direction is paced to MBIT megabits per second.
 *
 * <p>Usage: {@code java bench/WanProxy.java UPSTREAM_PORT DELAY_MS MBIT}. Prints {@code PROXY_PORT
 * CONTROL_PORT} on stdout once listening; {@code GET http://127.0.0.1:CONTROL_PORT/} answers the bytes sent
 * towards the upstream so far (client to registry: blob uploads, manifests, requests). Runs until killed.
 */
public final class WanProxy {
    private static final AtomicLong UPSTREAM_BYTES = new AtomicLong();

    private record Chunk(byte[] bytes, long dueNanos) {}

    public static void main(String[] args) throws Exception {
        int upstreamPort = Integer.parseInt(args[0]);
        long delayNanos = Long.parseLong(args[1]) * 1_000_000L;
        double bytesPerNano = Double.parseDouble(args[2]) * 1e6 / 8 / 1e9;
        ServerSocket listener = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        HttpServer control = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        control.createContext("/", exchange -> {
            byte[] body = (UPSTREAM_BYTES.get() + "\n").getBytes(StandardCharsets.US_ASCII);
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        control.start();
        System.out.println(listener.getLocalPort() + " " + control.getAddress().getPort());
        System.out.flush();
        while (true) {
            Socket client = listener.accept();
            Thread.ofPlatform().daemon().start(() -> {
                try {
                    Socket upstream = new Socket(InetAddress.getLoopbackAddress(), upstreamPort);
                    client.setTcpNoDelay(true);
                    upstream.setTcpNoDelay(true);
                    pipe(client, upstream, delayNanos, bytesPerNano, UPSTREAM_BYTES);
                    pipe(upstream, client, delayNanos, bytesPerNano, new AtomicLong());
                } catch (IOException e) {
                    close(client);
                }
            });
        }
    }

    /**
     * Bytes read from {@code from} reach {@code to} after the delay, at most at the rate. At most twice the
     * bandwidth-delay product is in flight per direction, as a TCP window would allow: the sender is held back
     * instead of this proxy buffering a whole blob, which would cost the machine memory and page faults that
     * no real link puts on either end.
     */
    private static void pipe(Socket from, Socket to, long delayNanos, double bytesPerNano, AtomicLong counted) {
        LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        int window = (int) Math.max(1 << 20, Math.min(1L << 30, (long) (2 * bytesPerNano * delayNanos)));
        Semaphore inFlight = new Semaphore(window);
        Thread.ofPlatform().daemon().start(() -> {
            byte[] buffer = new byte[64 * 1024];
            try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) > 0) {
                    counted.addAndGet(n);
                    inFlight.acquire(n);
                    queue.put(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + delayNanos));
                }
            } catch (IOException | InterruptedException e) {
                // the connection ended
            }
            try {
                queue.put(new Chunk(null, System.nanoTime() + delayNanos));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Thread.ofPlatform().daemon().start(() -> {
            long free = System.nanoTime(); // when the paced link can take the next byte
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk chunk = queue.take();
                    long start = Math.max(chunk.dueNanos(), free);
                    sleepUntil(start);
                    if (chunk.bytes() == null) {
                        to.shutdownOutput();
                        return;
                    }
                    out.write(chunk.bytes());
                    out.flush();
                    inFlight.release(chunk.bytes().length);
                    free = start + (long) (chunk.bytes().length / bytesPerNano);
                }
            } catch (IOException | InterruptedException e) {
                close(from);
                close(to);
            }
        });
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long wait;
        while ((wait = nanos - System.nanoTime()) > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }
}
