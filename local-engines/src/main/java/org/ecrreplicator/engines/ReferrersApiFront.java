package org.ecrreplicator.engines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A test-only HTTP front for a {@link RegistryProcess} that adds what the CNCF distribution registry 2.8
 * lacks and registries such as ECR have: the OCI 1.1 referrers API ({@code GET /v2/<name>/referrers/<digest>},
 * answered from the registry's own filesystem storage, so it lists exactly the manifests the registry holds
 * whose {@code subject} is that digest) and the {@code OCI-Subject} header on the answer to a manifest
 * {@code PUT} that has a subject. Everything else passes through unchanged: method, headers (credentials
 * included), bodies streamed both ways, status; upload {@code Location}s are rewritten to the front.
 *
 * <p>In ECR mode it also answers a manifest {@code PUT} whose {@code subject} is an image index with 405 and
 * an ECR-style error body, as ECR does (aws/containers-roadmap#2783); the message is this stand-in's, not
 * ECR's verbatim text.
 */
public final class ReferrersApiFront implements AutoCloseable {
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    private static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    private static final Pattern REFERRERS = Pattern.compile("/v2/(.+)/referrers/([a-z0-9]+:[a-f0-9]+)");
    private static final Pattern MANIFEST = Pattern.compile("/v2/(.+)/manifests/([^/]+)");
    private static final Pattern UPLOADS = Pattern.compile("/v2/(.+)/blobs/uploads/?");
    private static final Set<String> HOP_BY_HOP = Set.of(
            "connection", "content-length", "transfer-encoding", "host", "expect", "upgrade", "keep-alive", "date");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistryProcess registry;
    private final boolean ecr;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "referrers-api-front");
        thread.setDaemon(true);
        return thread;
    });
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final AtomicInteger referrersRequests = new AtomicInteger();
    private final AtomicInteger refusedReferrers = new AtomicInteger();
    private final AtomicInteger declinedMounts = new AtomicInteger();
    private volatile int pageSize = 100;
    private volatile boolean declineMounts;

    private ReferrersApiFront(RegistryProcess registry, boolean ecr) {
        this.registry = registry;
        this.ecr = ecr;
        try {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on loopback", e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    /** A front with the referrers API and {@code OCI-Subject}, on a port chosen now. */
    public static ReferrersApiFront start(RegistryProcess registry) {
        return new ReferrersApiFront(registry, false);
    }

    /** Like {@link #start}, and refusing referrers of an image index with 405 as ECR does. */
    public static ReferrersApiFront startLikeEcr(RegistryProcess registry) {
        return new ReferrersApiFront(registry, true);
    }

    /** At most this many referrers per answer; the rest follow through {@code Link: <...>; rel="next"}. */
    public ReferrersApiFront pageSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("page size must be at least 1, not " + size);
        }
        this.pageSize = size;
        return this;
    }

    public String authority() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    public URI baseUri() {
        return URI.create("http://" + authority());
    }

    public RegistryProcess registry() {
        return registry;
    }

    /**
     * Answers a mount request ({@code POST /v2/<name>/blobs/uploads/?mount=&from=}) as ECR does when its
     * registry setting {@code BLOB_MOUNTING} is disabled, or the repositories' encryption differs: 202 and an
     * upload session, as if no mount had been asked for.
     */
    public ReferrersApiFront declineMounts(boolean value) {
        this.declineMounts = value;
        return this;
    }

    /** Mount requests answered with an upload session instead. */
    public int declinedMounts() {
        return declinedMounts.get();
    }

    /** Referrers API requests answered (each page counts). */
    public int referrersRequests() {
        return referrersRequests.get();
    }

    /** Manifest pushes refused with 405 in ECR mode. */
    public int refusedReferrers() {
        return refusedReferrers.get();
    }

    // ---------------------------------------------------------------- requests

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getRawPath();
            Matcher referrers = REFERRERS.matcher(path);
            Matcher manifest = MANIFEST.matcher(path);
            if (method.equals("GET") && referrers.matches()) {
                referrers(exchange, referrers.group(1), referrers.group(2));
            } else if (method.equals("PUT") && manifest.matches()) {
                putManifest(exchange, path);
            } else if (method.equals("POST")
                    && declineMounts
                    && UPLOADS.matcher(path).matches()
                    && query(exchange.getRequestURI().getRawQuery()).containsKey("mount")) {
                declinedMounts.incrementAndGet();
                relay(exchange, forward(exchange, method, path, streamedBody(exchange), false), null);
            } else {
                relay(exchange, forward(exchange, method, path, streamedBody(exchange)), null);
            }
        } catch (IOException | RuntimeException e) {
            // The client sees the connection close: what a broken registry does, too.
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void referrers(HttpExchange exchange, String repository, String digest)
            throws IOException, InterruptedException {
        // The registry decides who may read: the same credentials must open its API root.
        HttpResponse<InputStream> allowed = forward(exchange, "GET", "/v2/", HttpRequest.BodyPublishers.noBody());
        if (allowed.statusCode() != 200) {
            relay(exchange, allowed, null);
            return;
        }
        allowed.body().close();
        referrersRequests.incrementAndGet();
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        int size = query.containsKey("n") ? Math.max(1, Integer.parseInt(query.get("n"))) : pageSize;
        List<ObjectNode> all = referrersOf(repository, digest);
        String last = query.get("last");
        int from = 0;
        if (last != null) {
            while (from < all.size() && !all.get(from).path("digest").asText().equals(last)) {
                from++;
            }
            from++;
        }
        List<ObjectNode> page = all.subList(Math.min(from, all.size()), Math.min(from + size, all.size()));
        ObjectNode index = JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", OCI_INDEX);
        ArrayNode manifests = index.putArray("manifests");
        page.forEach(manifests::add);
        if (from + size < all.size()) {
            String next = "/v2/" + repository + "/referrers/" + digest + "?n=" + size + "&last="
                    + page.get(page.size() - 1).path("digest").asText();
            exchange.getResponseHeaders().set("Link", "<" + next + ">; rel=\"next\"");
        }
        byte[] body = JSON.writeValueAsBytes(index);
        exchange.getResponseHeaders().set("Content-Type", OCI_INDEX);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
    }

    private void putManifest(HttpExchange exchange, String path) throws IOException, InterruptedException {
        byte[] bytes = exchange.getRequestBody().readAllBytes();
        String subject = null;
        String subjectType = null;
        try {
            JsonNode node = JSON.readTree(bytes);
            if (node != null && node.path("subject").isObject()) {
                subject = node.path("subject").path("digest").asText(null);
                subjectType = node.path("subject").path("mediaType").asText("");
            }
        } catch (IOException e) {
            // Not JSON: the registry says what is wrong with it.
        }
        if (ecr && subject != null && (OCI_INDEX.equals(subjectType) || DOCKER_LIST.equals(subjectType))) {
            refusedReferrers.incrementAndGet();
            byte[] body = ("{\"errors\":[{\"code\":\"UNSUPPORTED\",\"message\":\"The subject of the manifest is an"
                            + " image index, which this registry does not accept as a subject\"}]}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
            exchange.sendResponseHeaders(405, body.length);
            exchange.getResponseBody().write(body);
            return;
        }
        HttpResponse<InputStream> response =
                forward(exchange, "PUT", path, HttpRequest.BodyPublishers.ofByteArray(bytes));
        relay(exchange, response, response.statusCode() == 201 ? subject : null);
    }

    /**
     * Descriptors of the repository's manifests whose {@code subject} is {@code digest}, read from the
     * registry's storage (a revision link per manifest, the bytes in the blob store), sorted by digest.
     */
    private List<ObjectNode> referrersOf(String repository, String digest) throws IOException {
        Path root = registry.storage().resolve("docker/registry/v2");
        Path revisions = root.resolve("repositories").resolve(repository).resolve("_manifests/revisions/sha256");
        List<ObjectNode> found = new ArrayList<>();
        if (!Files.isDirectory(revisions)) {
            return found;
        }
        List<Path> links;
        try (Stream<Path> entries = Files.list(revisions)) {
            links = entries.map(directory -> directory.resolve("link"))
                    .filter(Files::isRegularFile)
                    .toList();
        }
        for (Path link : links) {
            String manifestDigest = Files.readString(link).trim();
            String hex = manifestDigest.substring(manifestDigest.indexOf(':') + 1);
            Path data = root.resolve("blobs/sha256")
                    .resolve(hex.substring(0, 2))
                    .resolve(hex)
                    .resolve("data");
            if (!Files.isRegularFile(data)) {
                continue;
            }
            byte[] bytes = Files.readAllBytes(data);
            JsonNode manifest;
            try {
                manifest = JSON.readTree(bytes);
            } catch (IOException e) {
                continue;
            }
            if (manifest == null
                    || !digest.equals(manifest.path("subject").path("digest").asText(null))) {
                continue;
            }
            ObjectNode descriptor = JSON.createObjectNode();
            String mediaType = manifest.path("mediaType")
                    .asText(manifest.has("manifests") ? OCI_INDEX : "application/vnd.oci.image.manifest.v1+json");
            descriptor.put("mediaType", mediaType);
            descriptor.put("digest", manifestDigest);
            descriptor.put("size", bytes.length);
            String artifactType = manifest.path("artifactType").asText(null);
            if (artifactType == null && manifest.has("config")) {
                artifactType = manifest.path("config").path("mediaType").asText(null);
            }
            if (artifactType != null) {
                descriptor.put("artifactType", artifactType);
            }
            if (manifest.path("annotations").isObject()) {
                descriptor.set("annotations", manifest.get("annotations"));
            }
            found.add(descriptor);
        }
        found.sort(Comparator.comparing(node -> node.path("digest").asText()));
        return found;
    }

    // ---------------------------------------------------------------- passing through

    private static HttpRequest.BodyPublisher streamedBody(HttpExchange exchange) {
        String length = exchange.getRequestHeaders().getFirst("Content-Length");
        long contentLength = length == null ? -1 : Long.parseLong(length);
        boolean chunked =
                "chunked".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Transfer-Encoding"));
        if (contentLength == 0 || (contentLength < 0 && !chunked)) {
            return HttpRequest.BodyPublishers.noBody();
        }
        HttpRequest.BodyPublisher stream = HttpRequest.BodyPublishers.ofInputStream(exchange::getRequestBody);
        return contentLength > 0 ? HttpRequest.BodyPublishers.fromPublisher(stream, contentLength) : stream;
    }

    private HttpResponse<InputStream> forward(
            HttpExchange exchange, String method, String path, HttpRequest.BodyPublisher body)
            throws IOException, InterruptedException {
        return forward(exchange, method, path, body, true);
    }

    /** {@code withQuery}: the request's query goes along when the path is the request's own. */
    private HttpResponse<InputStream> forward(
            HttpExchange exchange, String method, String path, HttpRequest.BodyPublisher body, boolean withQuery)
            throws IOException, InterruptedException {
        String query = exchange.getRequestURI().getRawQuery();
        boolean samePath = withQuery && path.equals(exchange.getRequestURI().getRawPath());
        URI target = registry.baseUri().resolve(path + (samePath && query != null ? "?" + query : ""));
        HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(Duration.ofMinutes(5));
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> request.header(name, value));
            }
        });
        request.method(method, body);
        return client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    private void relay(HttpExchange exchange, HttpResponse<InputStream> response, String ociSubject)
            throws IOException {
        response.headers().map().forEach((name, values) -> {
            if (HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) || name.startsWith(":")) {
                return;
            }
            exchange.getResponseHeaders()
                    .put(
                            name,
                            values.stream()
                                    .map(value -> name.equalsIgnoreCase("Location")
                                            ? value.replace(registry.authority(), authority())
                                            : value)
                                    .toList());
        });
        if (ociSubject != null) {
            exchange.getResponseHeaders().set("OCI-Subject", ociSubject);
        }
        long length = response.headers().firstValueAsLong("Content-Length").orElse(-1);
        int status = response.statusCode();
        try (InputStream body = response.body()) {
            if (exchange.getRequestMethod().equals("HEAD") || status == 204 || status == 304) {
                if (length >= 0) {
                    exchange.getResponseHeaders().set("Content-Length", Long.toString(length));
                }
                exchange.sendResponseHeaders(status, -1);
                body.transferTo(OutputStream.nullOutputStream());
                return;
            }
            exchange.sendResponseHeaders(status, length == 0 ? -1 : length < 0 ? 0 : length);
            if (length != 0) {
                body.transferTo(exchange.getResponseBody());
            }
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (raw == null) {
            return parameters;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            parameters.put(
                    URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return parameters;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        client.shutdownNow();
    }
}
