package org.ecrreplicator.worker.engine.registry;

import static org.ecrreplicator.worker.engine.registry.RegistryExchange.deleteScope;
import static org.ecrreplicator.worker.engine.registry.RegistryExchange.expect;
import static org.ecrreplicator.worker.engine.registry.RegistryExchange.failure;
import static org.ecrreplicator.worker.engine.registry.RegistryExchange.pullScope;
import static org.ecrreplicator.worker.engine.registry.RegistryExchange.pushScope;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
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
import org.ecrreplicator.worker.engine.registry.HttpConnections.Answer;

/**
 * The distribution API of one registry, each call authenticated and retried: manifests by tag or digest
 * with their exact bytes, blob existence, streaming blob downloads (following redirects to storage without
 * the registry's credentials) and streaming uploads.
 */
public final class RegistryClient {
    private static final int MAX_REDIRECTS = 5;

    private final Retrier retrier;
    private final RegistryExchange exchange;
    private final ReferrersLookup referrers;
    private final UploadSessions sessions;

    public RegistryClient(
            String authority,
            boolean insecure,
            Credentials credentials,
            HttpConnections http,
            RetryPolicy retryPolicy) {
        this(authority, insecure, credentials, http, retryPolicy, TrustedOrigins.fromEnvironment(), Integer.MAX_VALUE);
    }

    /**
     * @param trusted hosts besides the registry's own that may receive its credentials (token realms,
     *     upload locations)
     * @param maxRequests requests other than blob streams in flight at once to this registry
     */
    public RegistryClient(
            String authority,
            boolean insecure,
            Credentials credentials,
            HttpConnections http,
            RetryPolicy retryPolicy,
            TrustedOrigins trusted,
            int maxRequests) {
        this(authority, insecure, credentials, http, retryPolicy, trusted, maxRequests, new UploadSessions());
    }

    /** @param sessions where the upload sessions this client opens are kept until committed */
    public RegistryClient(
            String authority,
            boolean insecure,
            Credentials credentials,
            HttpConnections http,
            RetryPolicy retryPolicy,
            TrustedOrigins trusted,
            int maxRequests,
            UploadSessions sessions) {
        this.sessions = sessions;
        if (insecure && TrustedOrigins.insecureEcr(authority)) {
            throw new IllegalArgumentException(authority
                    + " is an ECR registry, which is HTTPS only: drop --insecure (it would send ECR credentials"
                    + " in the clear)");
        }
        this.retrier = new Retrier(retryPolicy, authority);
        this.exchange = new RegistryExchange(authority, insecure, credentials, http, retrier, trusted, maxRequests);
        this.referrers = new ReferrersLookup(exchange, this::getManifest);
    }

    public String authority() {
        return exchange.authority();
    }

    /** The retries every call here makes; a caller that retries a whole transfer uses the same. */
    public Retrier retrier() {
        return retrier;
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
        String what = "GET manifest " + repository + ":" + reference + " from " + authority();
        return retrier.call(what, attempt -> {
            Answer response = exchange.send(
                    forPush ? pushScope(repository) : pullScope(repository),
                    () -> exchange.request(exchange.manifestUri(repository, reference))
                            .header("Accept", MediaTypes.ACCEPT_HEADER),
                    RegistryExchange.body(),
                    what);
            if (response.status() == 404) {
                return Optional.empty();
            }
            expect(response, 200, what);
            byte[] bytes = response.body();
            if (bytes.length > RegistryExchange.MAX_BODY_BYTES) {
                // Read no further than the limit: a larger manifest is no image a registry accepts.
                throw new ManifestException(what + ": the manifest is larger than the 4 MiB limit on manifests,"
                        + " refused (no registry accepts one that large; the source is broken or hostile)");
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
        String what = "HEAD manifest " + repository + ":" + reference + " at " + authority();
        return retrier.call(what, attempt -> {
            Answer response = exchange.send(
                    forPush ? pushScope(repository) : pullScope(repository),
                    () -> exchange.request(exchange.manifestUri(repository, reference))
                            .header("Accept", MediaTypes.ACCEPT_HEADER)
                            .head(),
                    RegistryExchange.smallBody(),
                    what);
            if (response.status() == 404) {
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
                    "destination " + authority() + " stored manifest " + manifest.digest() + " under digest "
                            + pushed.digest() + ": it rewrote the manifest, so this copy would not be exact");
        }
        return pushed;
    }

    private Pushed pushManifest(String repository, String reference, Manifest manifest) {
        referrers.pushing(repository);
        String what = "PUT manifest " + repository + ":" + reference + " (" + manifest.digest() + ") to " + authority();
        return retrier.call(what, attempt -> {
            Answer response = exchange.send(
                    pushScope(repository),
                    () -> exchange.request(exchange.manifestUri(repository, reference))
                            .put(manifest.bytes(), manifest.mediaType()),
                    RegistryExchange.smallBody(),
                    what);
            if (response.status() == 400 || response.status() == 409) {
                ErrorBody error = ErrorBody.parse(response.body());
                if (error.saysTagIsImmutable()) {
                    throw new TagConflictException(what + " failed: the tag is immutable and names another image ("
                            + error.code() + ": " + error.message() + ")");
                }
            }
            expect(response, 201, what);
            Optional<String> header = response.headers().firstValue("Docker-Content-Digest");
            Digest digest = header.isPresent()
                    ? reportedDigest(header.get(), what)
                    : readBack(repository, reference, manifest, what);
            return new Pushed(
                    digest, response.headers().firstValue("OCI-Subject").orElse(null));
        });
    }

    private static Digest reportedDigest(String header, String what) {
        try {
            return Digest.parse(header.trim());
        } catch (IllegalArgumentException e) {
            throw new RegistryException(
                    what + ": the registry answered with a malformed Docker-Content-Digest header", 201, null);
        }
    }

    /**
     * The digest of a pushed manifest whose registry did not report one: a silent answer is no proof the
     * bytes were stored as sent, so the manifest is read back and hashed. Costs a round trip only with
     * registries that omit the header (distribution and ECR send it).
     */
    private Digest readBack(String repository, String reference, Manifest manifest, String what) {
        Digest sent = Digests.of(manifest.digest().algorithm(), manifest.bytes());
        Manifest stored = getManifest(repository, reference, true)
                .orElseThrow(() -> new RegistryException(
                        what + ": the registry answered 201 without a Docker-Content-Digest header, and reading the"
                                + " manifest back found nothing: it did not store it",
                        201,
                        "MANIFEST_UNKNOWN"));
        if (!stored.digest().equals(sent)) {
            throw new RegistryException(
                    what + ": the registry reported no digest, and the manifest read back hashes to " + stored.digest()
                            + ", not to " + sent + " as sent",
                    201,
                    "DIGEST_INVALID");
        }
        return stored.digest();
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
        String what = "DELETE manifest " + repository + ":" + reference + " at " + authority();
        return retrier.call(what, attempt -> {
            Answer response = exchange.send(
                    deleteScope(repository),
                    () -> exchange.request(exchange.manifestUri(repository, reference))
                            .delete(),
                    RegistryExchange.smallBody(),
                    what);
            int status = response.status();
            if (status == 202 || status == 404 || status == 400 || status == 405) {
                ErrorBody error = ErrorBody.parse(response.body());
                return new DeleteAnswer(status, error.isEmpty() ? null : error.summary());
            }
            throw failure(status, response.headers(), response.body(), what);
        });
    }

    /** Every tag of the repository (following {@code Link} pagination); empty when the repository is unknown. */
    public List<String> listTags(String repository) {
        String what = "GET tags of " + repository + " from " + authority();
        long started = referrers.listingStarts();
        List<String> tags = tagsOf(exchange.pages(repository, "/tags/list", null, what), what);
        referrers.listed(repository, started, tags);
        return tags;
    }

    /**
     * Every tag of the repository, asked {@code pageSize} at a time ({@code ?n=}) and following {@code Link}
     * pagination to the end; empty when the repository is unknown.
     */
    public Optional<List<String>> listTags(String repository, int pageSize) {
        String what = "GET tags of " + repository + " from " + authority();
        long started = referrers.listingStarts();
        List<byte[]> pages = exchange.pagesOf(
                RegistryExchange.pullScope(repository), "/v2/" + repository + "/tags/list?n=" + pageSize, null, what);
        List<String> tags = tagsOf(pages, what);
        referrers.listed(repository, started, tags);
        return pages == null ? Optional.empty() : Optional.of(tags);
    }

    /**
     * Every repository of the registry ({@code /v2/_catalog}), asked {@code pageSize} at a time and following
     * {@code Link} pagination to the end.
     */
    public List<String> catalog(int pageSize) {
        String what = "GET /v2/_catalog from " + authority();
        List<byte[]> pages =
                exchange.pagesOf(RegistryExchange.catalogScope(), "/v2/_catalog?n=" + pageSize, null, what);
        if (pages == null) {
            throw new RegistryException(
                    what + " failed: HTTP 404, the registry has no catalog API: name the repositories instead",
                    404,
                    null);
        }
        List<String> repositories = new ArrayList<>();
        for (byte[] page : pages) {
            for (Object name : JsonTree.array(RegistryExchange.parseJson(page, what), "repositories")) {
                if (name instanceof String repository) {
                    repositories.add(repository);
                }
            }
        }
        return repositories;
    }

    private static List<String> tagsOf(List<byte[]> pages, String what) {
        List<String> tags = new ArrayList<>();
        for (byte[] page : pages == null ? List.<byte[]>of() : pages) {
            for (Object tag : JsonTree.array(RegistryExchange.parseJson(page, what), "tags")) {
                if (tag instanceof String name) {
                    tags.add(name);
                }
            }
        }
        return tags;
    }

    /**
     * The manifests that name {@code subject} as theirs (OCI 1.1): from the referrers API where the registry
     * has it, else from the index under the fallback tag {@code <alg>-<hex>}; where the API lists referrers,
     * the fallback tag's entries are added and its index returned, so that a copy can carry the tag along.
     */
    public ReferrerListing referrers(String repository, Digest subject) {
        return referrers.referrers(repository, subject);
    }

    // ---------------------------------------------------------------- blobs

    public boolean blobExists(String repository, Digest digest) {
        String what = "HEAD blob " + digest + " in " + repository + " at " + authority();
        return retrier.call(what, attempt -> {
            Answer response = exchange.send(
                    pushScope(repository),
                    () -> exchange.request(exchange.blobUri(repository, digest)).head(),
                    RegistryExchange.smallBody(),
                    what);
            if (response.status() == 404) {
                return false;
            }
            expect(response, 200, what);
            return true;
        });
    }

    /**
     * A blob's body being read from the source, by one thread: read whole, or closed by that thread (then the
     * connection is not reused). Its reads wait for at most the idle timeout.
     */
    public record Download(InputStream body) {}

    /**
     * Asks for the blob's bytes (one attempt: the caller retries the whole transfer) and returns as soon as
     * the body begins. Redirects to another location (ECR sends S3 URLs) are followed without the registry's
     * Authorization header.
     *
     * @param idleTimeout how long any read, of an answer or of the body, may wait: a stalled source fails the
     *     read with a {@link java.net.SocketTimeoutException}
     */
    public Download download(String repository, Descriptor blob, Duration idleTimeout) throws IOException {
        String what = "GET blob " + blob.digest() + " from " + repository + " at " + authority();
        URI uri = exchange.blobUri(repository, blob.digest());
        BlobConnection connection = exchange.getBlob(pullScope(repository), uri, idleTimeout, what);
        int status = connection.status();
        for (int hops = 0; isRedirect(status); hops++) {
            if (hops >= MAX_REDIRECTS) {
                connection.finish();
                throw new RegistryException(what + " failed: more than " + MAX_REDIRECTS + " redirects", 310, null);
            }
            String target = connection.header("Location");
            connection.finish();
            if (target == null) {
                throw new IOException(what + ": redirect without Location");
            }
            uri = uri.resolve(target);
            connection = exchange.getWithoutCredentials(uri, idleTimeout);
            status = connection.status();
        }
        if (status == 404) {
            ErrorBody error = ErrorBody.parse(connection.finish());
            throw new RegistryException(
                    what + " failed: the source lists the blob but does not have it (HTTP 404 " + error.summary() + ")",
                    404,
                    error.code());
        }
        if (status != 200) {
            throw failure(connection, status, what);
        }
        return new Download(connection.responseBody());
    }

    /** A blob's bytes being written to an upload session: its body, then its answer. */
    public final class Upload {
        private final String repository;
        private final URI session;
        private final BlobConnection connection;
        private final OutputStream body;
        private final String what;

        private Upload(String repository, URI session, BlobConnection connection, OutputStream body, String what) {
            this.repository = repository;
            this.session = session;
            this.connection = connection;
            this.body = body;
            this.what = what;
        }

        /** Exactly the blob's size in bytes is to be written here, then closed. */
        public OutputStream body() {
            return body;
        }

        /**
         * Waits for the registry to commit the blob. A 401 here means credentials expired mid-transfer: they
         * are refreshed and the caller's retry starts over.
         *
         * @throws java.net.SocketTimeoutException when no answer came within the answer timeout
         */
        public void commit() throws IOException {
            int status = connection.status();
            if (status == 401) {
                throw exchange.unauthorizedUpload(pushScope(repository), connection, what);
            }
            if (status != 201) {
                throw failure(connection, status, what);
            }
            connection.finish();
            sessions.closed(session);
        }
    }

    /**
     * Opens the request that sends a blob's content, {@code size} bytes, to the upload session at {@code
     * location} and commits it under {@code digest} (one attempt; the caller retries).
     *
     * @param answerTimeout how long the registry may take to answer once it has every byte
     * @param breakers told how to break the connection (from any thread, until its answer is read), as soon as
     *     it exists
     */
    public Upload upload(
            String repository,
            URI location,
            Digest digest,
            long size,
            Duration answerTimeout,
            Consumer<Runnable> breakers)
            throws IOException {
        String what = "PUT blob " + digest + " to " + repository + " at " + authority();
        String separator = location.getRawQuery() == null ? "?" : "&";
        URI uri = URI.create(location + separator + "digest=" + digest);
        BlobConnection connection = exchange.putBlob(pushScope(repository), uri, answerTimeout, breakers);
        OutputStream body = connection.requestBody(size, "application/octet-stream");
        return new Upload(repository, location, connection, body, what);
    }

    /** Starts an upload session; returns where to send the content. */
    public URI startUpload(String repository) {
        String what = "POST blob upload to " + repository + " at " + authority();
        URI session = retrier.call(what, attempt -> {
            Answer response = exchange.send(
                    pushScope(repository),
                    () -> exchange.request(exchange.uri("/v2/" + repository + "/blobs/uploads/"))
                            .post(),
                    RegistryExchange.smallBody(),
                    what);
            expect(response, 202, what);
            String location = response.headers()
                    .firstValue("Location")
                    .orElseThrow(() -> new RegistryException(what + " failed: no Location header", 202, null));
            // The layer and the Authorization header go there next.
            return exchange.checkedLocation(response.uri().resolve(location), what);
        });
        track(repository, session);
        return session;
    }

    private void track(String repository, URI session) {
        sessions.opened(session, () -> cancelUpload(repository, session));
    }

    /** {@code DELETE} on an upload session: the registry drops what was sent to it. One attempt. */
    private void cancelUpload(String repository, URI session) {
        String what = "DELETE upload session in " + repository + " at " + authority();
        try {
            Answer response = exchange.sendOutsideBound(
                    pushScope(repository),
                    () -> exchange.request(session)
                            .timeout(Duration.ofSeconds(5))
                            .delete(),
                    RegistryExchange.smallBody(),
                    what);
            // 404: the registry had already dropped it.
            if (response.status() != 204 && response.status() != 202 && response.status() != 404) {
                throw new RegistryException(what + " failed: HTTP " + response.status(), response.status(), null);
            }
        } catch (IOException e) {
            throw new RegistryException(what + " failed: " + e.getMessage(), 0, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RegistryException(what + " interrupted", 0, null);
        }
    }

    /**
     * How a mount request went: {@code mounted} when the registry answered 201 (the blob is in the repository
     * now), else the upload session it opened instead (202), to send the content to; no session (null) when
     * it refused the request itself (a registry without mounts, or no pull on {@code from}).
     */
    public record Mount(boolean mounted, URI session) {}

    /**
     * Asks the registry to mount {@code digest} from repository {@code from} into {@code repository}
     * ({@code POST /v2/<repository>/blobs/uploads/?mount=<digest>&from=<from>}). A registry that declines
     * (the blob is not in {@code from}, or it does not mount) opens an upload session instead.
     */
    public Mount mountBlob(String repository, Digest digest, String from) {
        String what = "POST blob mount " + digest + " from " + from + " to " + repository + " at " + authority();
        Mount mount = retrier.call(what, attempt -> {
            Answer response = exchange.send(
                    RegistryExchange.mountScope(repository, from),
                    () -> exchange.request(exchange.uri(
                                    "/v2/" + repository + "/blobs/uploads/?mount=" + digest + "&from=" + from))
                            .post(),
                    RegistryExchange.smallBody(),
                    what);
            int status = response.status();
            if (status == 201) {
                return new Mount(true, null);
            }
            if (status >= 400 && status < 500 && status != 401 && status != 429) {
                // Refused rather than declined: the caller opens a plain upload session.
                return new Mount(false, null);
            }
            expect(response, 202, what);
            String location = response.headers()
                    .firstValue("Location")
                    .orElseThrow(() -> new RegistryException(what + " failed: no Location header", 202, null));
            // The content and the Authorization header go there next, as for any session.
            return new Mount(false, exchange.checkedLocation(response.uri().resolve(location), what));
        });
        if (mount.session() != null) {
            track(repository, mount.session());
        }
        return mount;
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }
}
