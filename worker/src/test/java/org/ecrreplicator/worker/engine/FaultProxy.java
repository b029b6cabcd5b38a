package org.ecrreplicator.worker.engine;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP proxy in front of a registry that breaks a share of requests the ways networks and
 * registries do: a 500, a 429 with Retry-After, the connection dropped before forwarding, dropped after
 * forwarding (the registry acted but the answer is lost), and a body cut off halfway. It can also answer
 * blob downloads with a redirect to another host, as ECR does with S3, stall blob downloads halfway, hold
 * back the answer to a blob upload's commit after the registry has committed it, hold chosen requests
 * until released, and answer chosen requests itself with a fixed status; and it records every request it was
 * sent.
 */
public final class FaultProxy implements AutoCloseable {
    enum Fault {
        STATUS_500,
        STATUS_429,
        DROP_BEFORE_FORWARDING,
        DROP_AFTER_FORWARDING,
        TRUNCATED_BODY
    }

    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "content-length", "transfer-encoding", "host", "expect", "upgrade", "keep-alive", "date");

    private final URI upstream;
    private final double rate;
    private final Random random;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "fault-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final Map<Fault, AtomicInteger> injected = new ConcurrentHashMap<>();
    private volatile URI redirectBlobsTo;
    private final AtomicInteger stallsLeft = new AtomicInteger();
    private final AtomicInteger uploadStallsLeft = new AtomicInteger();
    private final AtomicInteger uploadsStalled = new AtomicInteger();
    private final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
    private volatile Duration commitDelay;
    private volatile String heldMethod;
    private volatile String heldPathPart;
    private final java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
    /** Requests the proxy answers itself instead of forwarding. */
    private final List<Answer> answers = new java.util.concurrent.CopyOnWriteArrayList<>();

    private record Answer(String method, String pathEnd, int status, String contentType, byte[] body) {}
    /** Upload sessions' Location sent to this authority instead of the proxy's own. */
    private volatile String uploadLocationAuthority;
    /** Response header dropped from answers to "METHOD pathPart" requests. */
    private volatile String[] strippedHeader;
    /** The client ports requests came from: one per connection the client opened. */
    private final Set<Integer> connections = ConcurrentHashMap.newKeySet();
    /** How clients reach this proxy: {@code http}, or {@code https} for a {@link #tls} front. */
    private final String scheme;

    private volatile boolean declineMounts;
    private volatile int refuseMounts;
    private final AtomicInteger mounts = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong uploaded = new java.util.concurrent.atomic.AtomicLong();
    /** Every request it was sent, as "METHOD path". */
    private final List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();

    public FaultProxy(URI upstream, double rate, long seed) {
        this(upstream, rate, seed, null);
    }

    /**
     * A front that speaks TLS with {@code tls}'s certificate to its clients (and plain HTTP to the registry
     * behind it), injecting no faults: the registry's upload locations are sent back as {@code https}.
     */
    public static FaultProxy tls(URI upstream, javax.net.ssl.SSLContext tls) {
        return new FaultProxy(upstream, 0, 0, tls);
    }

    private FaultProxy(URI upstream, double rate, long seed, javax.net.ssl.SSLContext tls) {
        this.upstream = upstream;
        this.rate = rate;
        this.random = new Random(seed);
        this.scheme = tls == null ? "http" : "https";
        try {
            InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            if (tls == null) {
                server = HttpServer.create(address, 64);
            } else {
                com.sun.net.httpserver.HttpsServer https = com.sun.net.httpserver.HttpsServer.create(address, 64);
                https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(tls));
                server = https;
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** Uploads {@link #stallBlobUploads} stalled so far. */
    int uploadsStalled() {
        return uploadsStalled.get();
    }

    /** Blob GETs get a 307 to {@code base + "/blobs/<digest>?X-Amz-Signature=..."} instead of the registry. */
    FaultProxy redirectBlobsTo(URI base) {
        this.redirectBlobsTo = base;
        return this;
    }

    /** The next {@code count} blob downloads send half their body, then nothing until the proxy closes. */
    FaultProxy stallBlobDownloads(int count) {
        stallsLeft.set(count);
        return this;
    }

    /**
     * The next {@code count} blob uploads ({@code PUT ?digest=}) of more than 8 MiB have their first MiB read,
     * then nothing more until the proxy closes: a destination that stops reading, never forwarded to the
     * registry. (A smaller body would fit whole in the sockets' buffers.)
     */
    FaultProxy stallBlobUploads(int count) {
        uploadStallsLeft.set(count);
        return this;
    }

    /** Each blob upload's final {@code PUT ?digest=} reaches the registry at once; its answer comes after {@code delay}. */
    FaultProxy delayBlobCommits(Duration delay) {
        this.commitDelay = delay;
        return this;
    }

    /** Requests with this method whose path contains {@code pathPart} wait until {@link #release()}. */
    public FaultProxy hold(String method, String pathPart) {
        this.heldPathPart = pathPart;
        this.heldMethod = method;
        return this;
    }

    /**
     * Requests with this method whose path ends with {@code pathEnd} are answered with {@code status} and a
     * distribution-style error body with {@code code}, and never reach the registry.
     */
    public FaultProxy answer(String method, String pathEnd, int status, String code) {
        answers.add(new Answer(
                method,
                pathEnd,
                status,
                "application/json; charset=utf-8",
                ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"answered by the test proxy\"}]}")
                        .getBytes(StandardCharsets.UTF_8)));
        return this;
    }

    /** Requests with this method whose path ends with {@code pathEnd} get this body, never reaching the registry. */
    FaultProxy serve(String method, String pathEnd, int status, String contentType, byte[] body) {
        answers.add(new Answer(method, pathEnd, status, contentType, body));
        return this;
    }

    /** Answers to blob upload POSTs send the upload to {@code authority} (another origin) instead. */
    FaultProxy sendUploadsTo(String authority) {
        this.uploadLocationAuthority = authority;
        return this;
    }

    /** Answers to requests with this method whose path contains {@code pathPart} lose {@code header}. */
    FaultProxy stripHeader(String method, String pathPart, String header) {
        this.strippedHeader = new String[] {method, pathPart, header};
        return this;
    }

    /** Connections clients opened to the proxy so far. */
    int connections() {
        return connections.size();
    }

    /**
     * Blob mount requests ({@code POST .../blobs/uploads/?mount=...&from=...}) reach the registry as plain
     * upload requests: the registry opens a session and answers 202, as one that declines the mount does.
     */
    public FaultProxy declineMounts() {
        this.declineMounts = true;
        return this;
    }

    /** Blob mount requests are answered with {@code status} and an error, as by a registry without mounts. */
    public FaultProxy refuseMounts(int status) {
        this.refuseMounts = status;
        return this;
    }

    /** Blob mount requests it was sent. */
    public int mountRequests() {
        return mounts.get();
    }

    /** Bytes of blob content sent through the proxy to upload sessions ({@code PATCH} and {@code PUT} bodies). */
    public long uploadedBytes() {
        return uploaded.get();
    }

    public void release() {
        held.countDown();
    }

    /** How many requests with this method had a path containing {@code pathPart}. */
    public long requests(String method, String pathPart) {
        return seen.stream()
                .filter(request -> request.startsWith(method + " ") && request.contains(pathPart))
                .count();
    }

    public String authority() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    int injected(Fault fault) {
        AtomicInteger count = injected.get(fault);
        return count == null ? 0 : count.get();
    }

    int injectedTotal() {
        return injected.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    int requests() {
        return seen.size();
    }

    private Fault draw() {
        synchronized (random) {
            if (random.nextDouble() >= rate) {
                return null;
            }
            return Fault.values()[random.nextInt(Fault.values().length)];
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        String method = exchange.getRequestMethod();
        String path = exchange.getRequestURI().getRawPath();
        seen.add(method + " " + path);
        connections.add(exchange.getRemoteAddress().getPort());
        String query = exchange.getRequestURI().getRawQuery();
        if (method.equals("POST") && query != null && query.contains("mount=")) {
            mounts.incrementAndGet();
            int refusal = refuseMounts;
            if (refusal != 0) {
                exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
                byte[] body = "{\"errors\":[{\"code\":\"UNSUPPORTED\",\"message\":\"no mounts here\"}]}"
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(refusal, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
                return;
            }
            if (declineMounts) {
                query = null;
            }
        }
        for (Answer answer : answers) {
            if (method.equals(answer.method()) && path.endsWith(answer.pathEnd())) {
                exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
                byte[] body = answer.body();
                exchange.getResponseHeaders().set("Content-Type", answer.contentType());
                exchange.sendResponseHeaders(answer.status(), body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
                return;
            }
        }
        URI redirect = redirectBlobsTo;
        if (redirect != null && method.equals("GET") && path.matches("/v2/.+/blobs/sha256:[0-9a-f]{64}")) {
            String digest = path.substring(path.lastIndexOf('/') + 1);
            exchange.getResponseHeaders()
                    .set("Location", redirect + "/blobs/" + digest + "?X-Amz-Signature=fake-signature");
            exchange.sendResponseHeaders(307, -1);
            exchange.close();
            return;
        }
        if (method.equals("GET") && path.contains("/blobs/sha256:") && stallsLeft.getAndDecrement() > 0) {
            stall(exchange, path, query);
            return;
        }
        if (isBlobCommit(method, path, query)
                && Long.parseLong(Objects.requireNonNullElse(
                                exchange.getRequestHeaders().getFirst("Content-Length"), "0"))
                        > 8 << 20
                && uploadStallsLeft.getAndDecrement() > 0) {
            uploadsStalled.incrementAndGet();
            try (exchange) {
                exchange.getRequestBody().readNBytes(1 << 20);
                released.await(); // read no more, answer nothing, until the proxy closes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return;
        }
        String hold = heldPathPart;
        if (hold != null && method.equals(heldMethod) && path.contains(hold)) {
            try {
                held.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
                return;
            }
        }
        Duration delay = commitDelay;
        if (delay != null && isBlobCommit(method, path, query)) {
            try {
                HttpResponse<InputStream> response = forward(exchange, method, path, query);
                Thread.sleep(delay.toMillis());
                relay(exchange, method, response, false, null, null);
            } catch (IOException | RuntimeException e) {
                exchange.close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                exchange.close();
            }
            return;
        }
        Fault fault = draw();
        if (fault != null) {
            injected.computeIfAbsent(fault, f -> new AtomicInteger()).incrementAndGet();
        }
        try {
            if (fault == Fault.STATUS_500 || fault == Fault.STATUS_429) {
                exchange.getRequestBody().transferTo(OutputStream.nullOutputStream());
                boolean throttle = fault == Fault.STATUS_429;
                byte[] body = (throttle
                                ? "{\"errors\":[{\"code\":\"TOOMANYREQUESTS\",\"message\":\"slow down\"}]}"
                                : "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"injected failure\"}]}")
                        .getBytes(StandardCharsets.UTF_8);
                if (throttle) {
                    exchange.getResponseHeaders().set("Retry-After", "1");
                }
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(throttle ? 429 : 500, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
                return;
            }
            if (fault == Fault.DROP_BEFORE_FORWARDING) {
                exchange.close(); // no response headers sent: the server closes the connection
                return;
            }
            HttpResponse<InputStream> response = forward(exchange, method, path, query);
            if (fault == Fault.DROP_AFTER_FORWARDING) {
                try (InputStream body = response.body()) {
                    body.transferTo(OutputStream.nullOutputStream());
                }
                exchange.close();
                return;
            }
            String[] strip = strippedHeader;
            boolean stripped = strip != null && method.equals(strip[0]) && path.contains(strip[1]);
            boolean upload = method.equals("POST") && path.endsWith("/blobs/uploads/");
            relay(
                    exchange,
                    method,
                    response,
                    fault == Fault.TRUNCATED_BODY,
                    stripped ? strip[2] : null,
                    upload ? uploadLocationAuthority : null);
        } catch (IOException | RuntimeException e) {
            exchange.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            exchange.close();
        }
    }

    /** The {@code PUT ?digest=} that sends a blob's content to its upload session and commits it. */
    private static boolean isBlobCommit(String method, String path, String query) {
        return method.equals("PUT") && path.contains("/blobs/uploads/") && query != null && query.contains("digest=");
    }

    private void stall(HttpExchange exchange, String path, String query) throws IOException {
        try {
            HttpResponse<InputStream> response = forward(exchange, "GET", path, query);
            long length = response.headers().firstValueAsLong("Content-Length").orElse(0);
            try (InputStream body = response.body()) {
                exchange.getResponseHeaders().set("Content-Type", "application/octet-stream");
                exchange.sendResponseHeaders(response.statusCode(), length);
                exchange.getResponseBody().write(body.readNBytes((int) (length / 2)));
                exchange.getResponseBody().flush();
            }
            released.await(); // hold the connection open, silent, until the proxy closes
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            exchange.close();
        }
    }

    private HttpResponse<InputStream> forward(HttpExchange exchange, String method, String path, String query)
            throws IOException, InterruptedException {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(upstream + path + (query == null ? "" : "?" + query)));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        long contentLength = length == null ? -1 : Long.parseLong(length);
        HttpRequest.BodyPublisher body;
        if (contentLength == 0
                || (contentLength < 0
                        && !"chunked"
                                .equalsIgnoreCase(String.valueOf(
                                        exchange.getRequestHeaders().getFirst("Transfer-Encoding"))))) {
            body = HttpRequest.BodyPublishers.noBody();
        } else {
            boolean upload = (method.equals("PUT") || method.equals("PATCH")) && path.contains("/blobs/uploads/");
            HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(
                    () -> upload ? counting(exchange.getRequestBody()) : exchange.getRequestBody());
            body = contentLength > 0 ? HttpRequest.BodyPublishers.fromPublisher(stream, contentLength) : stream;
        }
        request.method(method, body);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private InputStream counting(InputStream body) {
        return new java.io.FilterInputStream(body) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    uploaded.incrementAndGet();
                }
                return b;
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                int n = super.read(buffer, offset, length);
                if (n > 0) {
                    uploaded.addAndGet(n);
                }
                return n;
            }
        };
    }

    private void relay(
            HttpExchange exchange,
            String method,
            HttpResponse<InputStream> response,
            boolean truncate,
            String dropHeader,
            String locationAuthority)
            throws IOException {
        response.headers().map().forEach((name, values) -> {
            if (HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))
                    || name.startsWith(":")
                    || name.equalsIgnoreCase(dropHeader)) {
                return;
            }
            String to = locationAuthority == null ? authority() : locationAuthority;
            List<String> rewritten = values.stream()
                    .map(value -> name.equalsIgnoreCase("Location")
                            ? value.startsWith("/") && locationAuthority != null
                                    ? "http://" + to + value
                                    : value.replace(
                                            upstream.getScheme() + "://" + upstream.getAuthority(), scheme + "://" + to)
                            : value)
                    .toList();
            exchange.getResponseHeaders().put(name, rewritten);
        });
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        int status = response.statusCode();
        try (InputStream body = response.body()) {
            if (method.equals("HEAD") || status == 204 || status == 304) {
                if (length >= 0) {
                    exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
                }
                exchange.sendResponseHeaders(status, -1);
                body.transferTo(OutputStream.nullOutputStream());
                exchange.close();
                return;
            }
            if (length == 0) {
                exchange.sendResponseHeaders(status, -1);
                exchange.close();
                return;
            }
            if (truncate && length > 1) {
                exchange.sendResponseHeaders(status, length);
                OutputStream out = exchange.getResponseBody();
                out.write(body.readNBytes((int) Math.min(length / 2, 1 << 20)));
                out.flush();
                exchange.close(); // fewer bytes than promised: the server drops the connection
                return;
            }
            exchange.sendResponseHeaders(status, length < 0 ? 0 : length);
            try (OutputStream out = exchange.getResponseBody()) {
                body.transferTo(out);
            }
        }
    }

    @Override
    public void close() {
        released.countDown();
        held.countDown();
        server.stop(0);
        executor.shutdownNow();
        client.shutdownNow();
    }
}
