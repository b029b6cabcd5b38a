package org.ecrreplicator.worker.engine.registry;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.engine.TagConflictException;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.manifest.DigestMismatchException;
import org.ecrreplicator.worker.engine.manifest.Digests;
import org.ecrreplicator.worker.engine.manifest.JsonTree;
import org.ecrreplicator.worker.engine.manifest.Manifest;
import org.ecrreplicator.worker.engine.manifest.ManifestException;
import org.ecrreplicator.worker.engine.manifest.MediaTypes;
import org.ecrreplicator.worker.engine.manifest.ReferrerListing;

/**
 * The distribution API of one registry, each call authenticated and retried: manifests by tag or digest
 * with their exact bytes, blob existence, streaming blob downloads (following redirects to storage without
 * the registry's credentials) and streaming uploads.
 */
public final class RegistryClient {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_REDIRECTS = 5;
    private static final int MAX_AUTH_ROUNDS = 3;
    private static final int MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
    /** Pages of a tag list or referrers answer followed before giving up on a registry that loops its links. */
    private static final int MAX_PAGES = 1000;

    private final String authority;
    private final URI base;
    private final HttpClient http;
    private final Retrier retrier;
    private final Authenticator authenticator;

    public RegistryClient(
            String authority, boolean insecure, Credentials credentials, HttpClient http, RetryPolicy retryPolicy) {
        this.authority = authority;
        this.base = URI.create((insecure ? "http://" : "https://") + authority);
        this.http = http;
        this.retrier = new Retrier(retryPolicy);
        this.authenticator = new Authenticator(authority, credentials, http, retrier, Clock.systemUTC());
    }

    public String authority() {
        return authority;
    }

    public Retrier retrier() {
        return retrier;
    }

    int tokenRequests() {
        return authenticator.tokenRequests();
    }

    static String pullScope(String repository) {
        return "repository:" + repository + ":pull";
    }

    static String pushScope(String repository) {
        return "repository:" + repository + ":pull,push";
    }

    static String deleteScope(String repository) {
        return "repository:" + repository + ":delete";
    }

    // ---------------------------------------------------------------- manifests

    /**
     * The manifest at {@code reference} (tag or digest), or empty when the registry has no such manifest or
     * repository. Fetched by digest, its bytes must hash to that digest.
     */
    public Optional<Manifest> getManifest(String repository, String reference) {
        return getManifest(repository, reference, false);
    }

    /** @param forPush ask with the push scope, so a destination needs one token for the whole copy */
    public Optional<Manifest> getManifest(String repository, String reference, boolean forPush) {
        String what = "GET manifest " + repository + ":" + reference + " from " + authority;
        return retrier.call(what, attempt -> {
            HttpResponse<byte[]> response = send(
                    forPush ? pushScope(repository) : pullScope(repository),
                    () -> request(manifestUri(repository, reference))
                            .header("Accept", MediaTypes.ACCEPT_HEADER)
                            .GET(),
                    HttpResponse.BodyHandlers.ofByteArray(),
                    true,
                    what);
            if (response.statusCode() == 404) {
                return Optional.empty();
            }
            expect(response, 200, what);
            byte[] bytes = response.body();
            if (bytes.length > MAX_MANIFEST_BYTES) {
                throw new ManifestException(what + ": manifest is larger than 4 MiB");
            }
            String algorithm = reference.contains(":") ? Digest.parse(reference).algorithm() : "sha256";
            Digest actual = Digests.of(algorithm, bytes);
            if (reference.contains(":") && !actual.toString().equals(reference)) {
                throw new DigestMismatchException(what + ": content hashes to " + actual + ", expected " + reference);
            }
            Optional<String> header = response.headers().firstValue("Docker-Content-Digest");
            if (header.isPresent()
                    && header.get().startsWith(algorithm + ":")
                    && !header.get().equals(actual.toString())) {
                throw new DigestMismatchException(
                        what + ": content hashes to " + actual + " but the registry says " + header.get());
            }
            String contentType = response.headers().firstValue("Content-Type").orElse(null);
            return Optional.of(Manifest.parse(bytes, contentType, actual));
        });
    }

    /** The digest {@code reference} names at this registry, or empty when it has none. */
    public Optional<Digest> headManifest(String repository, String reference) {
        return headManifest(repository, reference, false);
    }

    /** @param forPush ask with the push scope, so a destination needs one token for the whole copy */
    public Optional<Digest> headManifest(String repository, String reference, boolean forPush) {
        String what = "HEAD manifest " + repository + ":" + reference + " at " + authority;
        return retrier.call(what, attempt -> {
            HttpResponse<Void> response = send(
                    forPush ? pushScope(repository) : pullScope(repository),
                    () -> request(manifestUri(repository, reference))
                            .header("Accept", MediaTypes.ACCEPT_HEADER)
                            .method("HEAD", HttpRequest.BodyPublishers.noBody()),
                    HttpResponse.BodyHandlers.discarding(),
                    true,
                    what);
            if (response.statusCode() == 404) {
                return Optional.empty();
            }
            expect(response, 200, what);
            Optional<String> digest = response.headers().firstValue("Docker-Content-Digest");
            if (digest.isEmpty()) {
                // Some registries omit the header on HEAD: ask for the body and hash it.
                return getManifest(repository, reference).map(Manifest::digest);
            }
            return Optional.of(Digest.parse(digest.get()));
        });
    }

    /** Pushes the manifest's original bytes under its original media type; returns the registry's digest. */
    public Digest putManifest(String repository, String reference, Manifest manifest) {
        return pushManifest(repository, reference, manifest).digest();
    }

    /**
     * How a registry took a manifest.
     *
     * @param digest the digest the registry reports (the manifest's own when it reports none)
     * @param ociSubject the {@code OCI-Subject} header: a registry that indexes referrers itself names the
     *     subject it indexed the manifest under; null when it did not say so
     */
    public record Pushed(Digest digest, String ociSubject) {}

    /**
     * Like {@link #putManifest}, and the registry must keep the bytes as they are: a registry that stores the
     * manifest under another digest rewrote it, and a copy through it would not be exact.
     */
    public Pushed putManifestExactly(String repository, String reference, Manifest manifest) {
        Pushed pushed = pushManifest(repository, reference, manifest);
        if (!pushed.digest().equals(manifest.digest())) {
            throw new ReplicatorException(
                    "destination " + authority + " stored manifest " + manifest.digest() + " under digest "
                            + pushed.digest() + ": it rewrote the manifest, so this copy would not be exact");
        }
        return pushed;
    }

    private Pushed pushManifest(String repository, String reference, Manifest manifest) {
        String what = "PUT manifest " + repository + ":" + reference + " (" + manifest.digest() + ") to " + authority;
        return retrier.call(what, attempt -> {
            HttpResponse<byte[]> response = send(
                    pushScope(repository),
                    () -> request(manifestUri(repository, reference))
                            .header("Content-Type", manifest.mediaType())
                            .PUT(HttpRequest.BodyPublishers.ofByteArray(manifest.bytes())),
                    HttpResponse.BodyHandlers.ofByteArray(),
                    true,
                    what);
            if (response.statusCode() == 400 || response.statusCode() == 409) {
                ErrorBody error = ErrorBody.parse(response.body());
                if (isImmutableTagError(error)) {
                    throw new TagConflictException(what + " failed: the tag is immutable and names another image ("
                            + error.code() + ": " + error.message() + ")");
                }
            }
            expect(response, 201, what);
            Digest digest = response.headers()
                    .firstValue("Docker-Content-Digest")
                    .map(Digest::parse)
                    .orElse(manifest.digest());
            return new Pushed(
                    digest, response.headers().firstValue("OCI-Subject").orElse(null));
        });
    }

    /** The answer to a manifest {@code DELETE} the caller decides on: 202, 404, 400 or 405. */
    public record DeleteAnswer(int status, String error) {
        public boolean refused() {
            return status == 400 || status == 405;
        }

        /** {@code HTTP 405 UNSUPPORTED: The operation is unsupported.} */
        public String describe() {
            return "HTTP " + status + (error == null ? "" : " " + error);
        }
    }

    /**
     * {@code DELETE /v2/<repository>/manifests/<reference>}, retried on transient failures.
     *
     * @return the answer when it is 202 (deleted), 404 (nothing there), 400 or 405 (the registry will not
     *     delete this way)
     * @throws RegistryException any other answer (403 among them), with the registry's error
     */
    public DeleteAnswer deleteReference(String repository, String reference) {
        String what = "DELETE manifest " + repository + ":" + reference + " at " + authority;
        return retrier.call(what, attempt -> {
            HttpResponse<byte[]> response = send(
                    deleteScope(repository),
                    () -> request(manifestUri(repository, reference)).DELETE(),
                    HttpResponse.BodyHandlers.ofByteArray(),
                    true,
                    what);
            int status = response.statusCode();
            if (status == 202 || status == 404 || status == 400 || status == 405) {
                ErrorBody error = ErrorBody.parse(response.body());
                return new DeleteAnswer(status, error.isEmpty() ? null : error.summary());
            }
            throw failure(status, response.headers(), response.body(), what);
        });
    }

    /** Every tag of the repository (following {@code Link} pagination); empty when the repository is unknown. */
    public List<String> listTags(String repository) {
        String what = "GET tags of " + repository + " from " + authority;
        List<String> tags = new ArrayList<>();
        List<byte[]> pages = pages(repository, "/tags/list", null, what);
        for (byte[] page : pages == null ? List.<byte[]>of() : pages) {
            for (Object tag : JsonTree.array(parseJson(page, what), "tags")) {
                if (tag instanceof String name) {
                    tags.add(name);
                }
            }
        }
        return tags;
    }

    // ---------------------------------------------------------------- referrers

    /**
     * Whether this registry has the referrers API: unknown until the first answer, then remembered, so a
     * registry is probed once however many subjects are asked about at the same time. A future completed
     * with null means the probe failed and the next caller probes again.
     */
    private final AtomicReference<CompletableFuture<Boolean>> referrersApi = new AtomicReference<>();

    /**
     * The manifests that name {@code subject} as theirs: from the referrers API ({@code GET
     * /v2/<name>/referrers/<digest>}), or, where the registry lacks it (it answers 404, which a registry with
     * the API never does), from the index under the fallback tag {@code <alg>-<hex>}. Where the API lists
     * referrers, the fallback tag is read as well: entries only it lists are added, and its index is
     * returned, so that a copy can carry the tag along.
     */
    public ReferrerListing referrers(String repository, Digest subject) {
        while (true) {
            CompletableFuture<Boolean> known = referrersApi.get();
            if (known == null) {
                CompletableFuture<Boolean> probe = new CompletableFuture<>();
                if (!referrersApi.compareAndSet(null, probe)) {
                    continue;
                }
                Optional<List<ReferrerListing.Entry>> listed;
                try {
                    listed = referrersFromApi(repository, subject);
                } catch (RuntimeException e) {
                    referrersApi.set(null);
                    probe.complete(null);
                    throw e;
                }
                probe.complete(listed.isPresent());
                return listing(repository, subject, listed);
            }
            Boolean hasApi = known.join();
            if (hasApi != null) {
                return listing(repository, subject, hasApi ? referrersFromApi(repository, subject) : Optional.empty());
            }
        }
    }

    private ReferrerListing listing(String repository, Digest subject, Optional<List<ReferrerListing.Entry>> fromApi) {
        if (fromApi.isPresent() && fromApi.get().isEmpty()) {
            return new ReferrerListing(subject, List.of(), null);
        }
        String tag = ReferrerListing.fallbackTag(subject);
        Optional<Manifest> index = getManifest(repository, tag).filter(Manifest::isIndex);
        List<ReferrerListing.Entry> entries = new ArrayList<>(fromApi.orElse(List.of()));
        if (index.isPresent()) {
            List<Digest> listed =
                    entries.stream().map(ReferrerListing.Entry::digest).toList();
            String where = "the referrers index " + repository + ":" + tag + " at " + authority;
            for (ReferrerListing.Entry entry :
                    ReferrerListing.entries(parseJson(index.get().bytes(), where), where)) {
                if (!listed.contains(entry.digest())) {
                    entries.add(entry);
                }
            }
        }
        return new ReferrerListing(subject, entries, index.orElse(null));
    }

    /** Every page of the referrers API's answer, or empty when the registry has no such API (404). */
    private Optional<List<ReferrerListing.Entry>> referrersFromApi(String repository, Digest subject) {
        String what = "GET referrers of " + repository + "@" + subject + " from " + authority;
        List<byte[]> pages = pages(repository, "/referrers/" + subject, MediaTypes.OCI_INDEX, what);
        if (pages == null) {
            return Optional.empty();
        }
        List<ReferrerListing.Entry> entries = new ArrayList<>();
        Set<Digest> seen = new HashSet<>();
        for (byte[] page : pages) {
            for (ReferrerListing.Entry entry :
                    ReferrerListing.entries(parseJson(page, what), "the referrers API of " + authority)) {
                if (seen.add(entry.digest())) {
                    entries.add(entry);
                }
            }
        }
        return Optional.of(entries);
    }

    /**
     * The bodies of {@code GET /v2/<repository><path>} and of every page its {@code Link} headers lead to.
     *
     * @return the pages, or null when the first answer is 404
     */
    private List<byte[]> pages(String repository, String path, String accept, String what) {
        List<byte[]> pages = new ArrayList<>();
        URI next = base.resolve("/v2/" + repository + path);
        while (next != null) {
            if (pages.size() >= MAX_PAGES) {
                throw new RegistryException(what + " failed: more than " + MAX_PAGES + " pages of results", 200, null);
            }
            URI uri = next;
            boolean first = pages.isEmpty();
            // The answer is checked inside the retried call, so a 429 or 5xx is retried like any other request.
            HttpResponse<byte[]> response = retrier.call(what, attempt -> {
                HttpResponse<byte[]> answer = send(
                        pullScope(repository),
                        () -> {
                            HttpRequest.Builder builder = request(uri).GET();
                            return accept == null ? builder : builder.header("Accept", accept);
                        },
                        HttpResponse.BodyHandlers.ofByteArray(),
                        true,
                        what);
                if (!(answer.statusCode() == 404 && first)) {
                    expect(answer, 200, what);
                }
                return answer;
            });
            if (response.statusCode() == 404) {
                return null;
            }
            if (response.body().length > MAX_MANIFEST_BYTES) {
                throw new ManifestException(what + ": a page of the answer is larger than 4 MiB");
            }
            pages.add(response.body());
            next = nextPage(response);
        }
        return pages;
    }

    /** The {@code rel="next"} target of the {@code Link} headers, resolved against the request, or null. */
    static URI nextPage(HttpResponse<?> response) {
        for (String header : response.headers().allValues("Link")) {
            for (String link : header.split(",(?=\\s*<)")) {
                int open = link.indexOf('<');
                int close = link.indexOf('>', open + 1);
                if (open < 0 || close < 0) {
                    continue;
                }
                String parameters = link.substring(close + 1).toLowerCase(java.util.Locale.ROOT);
                if (parameters.matches("(?s).*;\\s*rel\\s*=\\s*\"?next\"?\\s*(;.*)?")) {
                    return response.request()
                            .uri()
                            .resolve(link.substring(open + 1, close).trim());
                }
            }
        }
        return null;
    }

    private static Object parseJson(byte[] body, String what) {
        try {
            return JsonTree.parse(body);
        } catch (IOException e) {
            throw new ManifestException(what + ": the answer is not valid JSON (" + e.getMessage() + ")");
        }
    }

    // ---------------------------------------------------------------- blobs

    public boolean blobExists(String repository, Digest digest) {
        String what = "HEAD blob " + digest + " in " + repository + " at " + authority;
        return retrier.call(what, attempt -> {
            HttpResponse<Void> response = send(
                    pushScope(repository),
                    () -> request(blobUri(repository, digest)).method("HEAD", HttpRequest.BodyPublishers.noBody()),
                    HttpResponse.BodyHandlers.discarding(),
                    true,
                    what);
            if (response.statusCode() == 404) {
                return false;
            }
            expect(response, 200, what);
            return true;
        });
    }

    /**
     * Starts streaming the blob into {@code body} (one attempt: the caller retries the whole transfer) and
     * returns as soon as the body begins. Redirects to another location (ECR sends S3 URLs) are followed
     * without the registry's Authorization header.
     */
    public void openBlob(String repository, Descriptor blob, HttpResponse.BodySubscriber<Void> body)
            throws IOException, InterruptedException {
        String what = "GET blob " + blob.digest() + " from " + repository + " at " + authority;
        // Only a 200's body goes into the subscriber; redirects and errors are read whole (they are small).
        HttpResponse.BodyHandler<byte[]> handler = info -> info.statusCode() == 200
                ? HttpResponse.BodySubscribers.mapping(body, none -> null)
                : HttpResponse.BodySubscribers.ofByteArray();
        HttpResponse<byte[]> response = send(
                pullScope(repository),
                () -> request(blobUri(repository, blob.digest())).GET(),
                handler,
                true,
                what);
        for (int hops = 0; isRedirect(response.statusCode()); hops++) {
            if (hops >= MAX_REDIRECTS) {
                throw new RegistryException(what + " failed: more than " + MAX_REDIRECTS + " redirects", 310, null);
            }
            URI location = response.uri()
                    .resolve(response.headers()
                            .firstValue("Location")
                            .orElseThrow(() -> new IOException("redirect without Location")));
            response = http.send(
                    HttpRequest.newBuilder(location)
                            .timeout(REQUEST_TIMEOUT)
                            .GET()
                            .build(),
                    handler);
        }
        if (response.statusCode() == 404) {
            ErrorBody error = ErrorBody.parse(response.body());
            throw new RegistryException(
                    what + " failed: the source lists the blob but does not have it (HTTP 404 " + error.summary() + ")",
                    404,
                    error.code());
        }
        expect(response, 200, what);
    }

    /** Starts an upload session; returns where to send the content. */
    public URI startUpload(String repository) {
        String what = "POST blob upload to " + repository + " at " + authority;
        return retrier.call(what, attempt -> {
            HttpResponse<byte[]> response = send(
                    pushScope(repository),
                    () -> request(base.resolve("/v2/" + repository + "/blobs/uploads/"))
                            .POST(HttpRequest.BodyPublishers.noBody()),
                    HttpResponse.BodyHandlers.ofByteArray(),
                    true,
                    what);
            expect(response, 202, what);
            String location = response.headers()
                    .firstValue("Location")
                    .orElseThrow(() -> new RegistryException(what + " failed: no Location header", 202, null));
            return response.uri().resolve(location);
        });
    }

    /**
     * Sends the whole content to an upload session and commits it under {@code digest} (one attempt; a
     * 401 here means credentials expired mid-transfer, and the caller's retry starts over).
     */
    public void completeUpload(String repository, URI location, Digest digest, HttpRequest.BodyPublisher content)
            throws IOException, InterruptedException {
        String what = "PUT blob " + digest + " to " + repository + " at " + authority;
        String separator = location.getRawQuery() == null ? "?" : "&";
        URI uri = URI.create(location + separator + "digest=" + digest);
        HttpResponse<byte[]> response = send(
                pushScope(repository),
                // No request timeout: a large layer takes as long as it takes; stalls are caught while streaming.
                () -> HttpRequest.newBuilder(uri)
                        .header("Content-Type", "application/octet-stream")
                        .PUT(content),
                HttpResponse.BodyHandlers.ofByteArray(),
                false,
                what);
        expect(response, 201, what);
    }

    // ---------------------------------------------------------------- plumbing

    private HttpRequest.Builder request(URI uri) {
        return HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT);
    }

    private URI manifestUri(String repository, String reference) {
        return base.resolve("/v2/" + repository + "/manifests/" + reference);
    }

    private URI blobUri(String repository, Digest digest) {
        return base.resolve("/v2/" + repository + "/blobs/" + digest);
    }

    /**
     * One exchange with authentication: on 401 the authenticator prepares other credentials and the
     * request is sent again, at most {@link #MAX_AUTH_ROUNDS} times.
     *
     * @param replayable false when the body is a one-time stream: then a 401 ends this attempt as retryable
     */
    private <T> HttpResponse<T> send(
            String scope,
            Supplier<HttpRequest.Builder> builder,
            HttpResponse.BodyHandler<T> handler,
            boolean replayable,
            String what)
            throws IOException, InterruptedException {
        for (int round = 1; ; round++) {
            HttpRequest.Builder request = builder.get();
            String header = authenticator.header(scope);
            if (header != null) {
                request.header("Authorization", header);
            }
            HttpResponse<T> response = http.send(request.build(), handler);
            if (response.statusCode() != 401) {
                return response;
            }
            if (round >= MAX_AUTH_ROUNDS) {
                throw new RegistryException(
                        what + " failed: HTTP 401, the registry refused fresh credentials", 401, "UNAUTHORIZED");
            }
            authenticator.unauthorized(scope, response.headers().allValues("WWW-Authenticate"), header, what);
            if (!replayable) {
                throw new RetryableException(
                        "HTTP 401 mid-transfer; credentials refreshed", 401, null, Optional.empty());
            }
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    private static void expect(HttpResponse<?> response, int status, String what) {
        if (response.statusCode() == status) {
            return;
        }
        byte[] body = response.body() instanceof byte[] bytes ? bytes : new byte[0];
        throw failure(response.statusCode(), response.headers(), body, what);
    }

    private static RuntimeException failure(int status, HttpHeaders headers, byte[] body, String what) {
        ErrorBody error = ErrorBody.parse(body);
        String message = what + " failed: HTTP " + status + (error.isEmpty() ? "" : " " + error.summary());
        if (RetryPolicy.isRetryableStatus(status)) {
            return new RetryableException(
                    message,
                    status,
                    error.code(),
                    RetryPolicy.parseRetryAfter(
                            headers.firstValue("Retry-After").orElse(null), java.time.Instant.now()));
        }
        return new RegistryException(message, status, error.code());
    }

    private static boolean isImmutableTagError(ErrorBody error) {
        String text = (error.code() + " " + error.message()).toLowerCase(java.util.Locale.ROOT);
        return text.contains("immutable") || text.contains("tag_invalid") && text.contains("already exists");
    }

    /** The distribution error body: {@code {"errors":[{"code","message","detail"}]}}. */
    record ErrorBody(String code, String message) {
        static ErrorBody parse(byte[] body) {
            if (body == null || body.length == 0) {
                return new ErrorBody(null, null);
            }
            try {
                List<Object> errors = JsonTree.array(JsonTree.parse(body), "errors");
                if (!errors.isEmpty() && errors.get(0) instanceof java.util.Map<?, ?> first) {
                    return new ErrorBody(JsonTree.string(first, "code"), JsonTree.string(first, "message"));
                }
            } catch (IOException e) {
                // not JSON: fall through to the raw text
            }
            String text = new String(Arrays.copyOf(body, Math.min(body.length, 200)), StandardCharsets.UTF_8)
                    .replaceAll("\\s+", " ")
                    .trim();
            return new ErrorBody(null, text.isEmpty() ? null : text);
        }

        boolean isEmpty() {
            return code == null && message == null;
        }

        String summary() {
            if (isEmpty()) {
                return "";
            }
            return code == null ? message : message == null ? code : code + ": " + message;
        }
    }

    static List<String> acceptedMediaTypes() {
        return MediaTypes.ACCEPTED;
    }
}
