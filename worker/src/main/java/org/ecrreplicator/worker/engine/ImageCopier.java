package org.ecrreplicator.worker.engine;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.manifest.Manifest;
import org.ecrreplicator.worker.engine.manifest.ManifestException;
import org.ecrreplicator.worker.engine.referrer.ReferrerCopy;
import org.ecrreplicator.worker.engine.referrer.ReferrerLimitException;
import org.ecrreplicator.worker.engine.referrer.ReferrerOutcome;
import org.ecrreplicator.worker.engine.registry.HttpConnections;
import org.ecrreplicator.worker.engine.registry.RegistryClient;
import org.ecrreplicator.worker.engine.registry.RegistryException;
import org.ecrreplicator.worker.engine.registry.RetryPolicy;
import org.ecrreplicator.worker.engine.registry.TrustedOrigins;
import org.ecrreplicator.worker.engine.transfer.BlobLocations;
import org.ecrreplicator.worker.engine.transfer.BlobTransfers;
import org.ecrreplicator.worker.engine.transfer.BlobTransfers.Transferred;
import org.ecrreplicator.worker.engine.transfer.Futures;
import org.ecrreplicator.worker.engine.transfer.Lanes;
import org.ecrreplicator.worker.engine.transfer.ProgressListener;

/**
 * Copies an image between registries exactly: every manifest is pushed as the source's bytes with the
 * source's media type, so the digest of the index and of every child is the same at the destination. Blobs
 * stream from source to destination (never whole in memory, never on disk), are verified while they
 * stream, and copy concurrently. Order keeps the destination consistent at every moment: blobs before the
 * manifests that use them, children before their index, the tag last.
 *
 * <p>Thread-safe; one instance serves many copies and owns its HTTP clients (connections are reused).
 */
public final class ImageCopier implements AutoCloseable {
    /**
     * @param concurrency blobs transferred at once
     * @param idleTimeout how long a blob transfer may deliver nothing before it is abandoned and retried
     * @param commitTimeout how long the destination may take to answer a blob upload once it has every byte
     *     (it syncs or moves the blob meanwhile) before the upload is abandoned and retried
     * @param copyReferrers whether manifests that refer to the image (OCI 1.1 {@code subject}: signatures,
     *     SBOMs, attestations) travel with it
     * @param maxManifests manifests one image may have (its index and every child); a source listing more
     *     fails the copy with a {@link ManifestLimitException} before fetching them
     */
    public record Options(
            int concurrency,
            RetryPolicy retryPolicy,
            ProgressListener progress,
            Duration idleTimeout,
            Duration commitTimeout,
            boolean copyReferrers,
            int maxManifests) {
        /** Far above any real multi-platform image (a few dozen manifests); a bound on a hostile index. */
        public static final int DEFAULT_MAX_MANIFESTS = 1000;

        /** Blobs in flight per copy, at the most: beyond it a registry's connection limits, not ours, decide. */
        public static final int MAX_CONCURRENCY = 64;

        /**
         * Blobs in flight when a process copies one image at a time ({@code copy}, {@code replicate}), where
         * {@link #defaults()} serve copies that run side by side ({@code sync}, {@code reconcile}). A link
         * between partitions caps each connection, so an image copies in as many waves as it has blobs per
         * lane: at 16 a typical multi-platform image streams in one (docs/decisions/0017-blob-pipe.md).
         */
        public static final int ONE_IMAGE_CONCURRENCY = 16;

        public Options {
            if (concurrency < 1 || concurrency > MAX_CONCURRENCY) {
                throw new IllegalArgumentException(
                        "concurrency must be 1 to " + MAX_CONCURRENCY + ", not " + concurrency);
            }
            if (maxManifests < 1) {
                throw new IllegalArgumentException("the manifest limit must be at least 1, not " + maxManifests);
            }
        }

        /**
         * 4 blobs at once; a blob download that delivers nothing for 60 s is abandoned and retried, and so is
         * an upload the destination has not answered 10 minutes after its last byte (a registry on S3 copies
         * a large layer into place before it answers); referrers are copied; at most {@value #DEFAULT_MAX_MANIFESTS} manifests per image.
         */
        public static Options defaults() {
            return new Options(
                    4,
                    RetryPolicy.defaults(),
                    ProgressListener.none(),
                    Duration.ofSeconds(60),
                    Duration.ofMinutes(10),
                    true,
                    DEFAULT_MAX_MANIFESTS);
        }

        public Options withConcurrency(int value) {
            return new Options(value, retryPolicy, progress, idleTimeout, commitTimeout, copyReferrers, maxManifests);
        }

        public Options withRetryPolicy(RetryPolicy value) {
            return new Options(concurrency, value, progress, idleTimeout, commitTimeout, copyReferrers, maxManifests);
        }

        public Options withProgress(ProgressListener value) {
            return new Options(
                    concurrency, retryPolicy, value, idleTimeout, commitTimeout, copyReferrers, maxManifests);
        }

        public Options withIdleTimeout(Duration value) {
            return new Options(concurrency, retryPolicy, progress, value, commitTimeout, copyReferrers, maxManifests);
        }

        public Options withCommitTimeout(Duration value) {
            return new Options(concurrency, retryPolicy, progress, idleTimeout, value, copyReferrers, maxManifests);
        }

        public Options withCopyReferrers(boolean value) {
            return new Options(concurrency, retryPolicy, progress, idleTimeout, commitTimeout, value, maxManifests);
        }

        public Options withMaxManifests(int value) {
            return new Options(concurrency, retryPolicy, progress, idleTimeout, commitTimeout, copyReferrers, value);
        }
    }

    private final Options options;
    private final TrustedOrigins trusted = TrustedOrigins.fromEnvironment();
    private final HttpConnections http;
    private final ExecutorService tasks = Executors.newVirtualThreadPerTaskExecutor();
    private final BlobTransfers transfers;
    private final ImageDeleter deleter;
    private final BlobLocations locations;
    /** Upload sessions open across this copier's clients, for {@link #cancelOpenUploads}. */
    private final org.ecrreplicator.worker.engine.registry.UploadSessions sessions;

    public ImageCopier(Options options) {
        this(options, new BlobLocations());
    }

    /**
     * @param locations where blobs are known to be, shared by every copy of this copier (and beyond, when
     *     the caller keeps it): a blob another repository of the destination registry holds is mounted from
     *     there instead of uploaded (docs/decisions/0072-blob-mounts.md)
     */
    public ImageCopier(Options options, BlobLocations locations) {
        this.options = options;
        this.locations = locations;
        this.sessions = new org.ecrreplicator.worker.engine.registry.UploadSessions();
        this.http = HttpConnections.forRegistries();
        this.transfers =
                new BlobTransfers(tasks, options.progress(), options.idleTimeout(), options.commitTimeout(), locations);
        this.deleter = new ImageDeleter(tasks, this::client);
    }

    /**
     * A client for one registry, for either side of copies: one client per registry, shared by many copies,
     * shares its authentication (the challenge learnt, bearer tokens).
     */
    public RegistryClient client(String authority, Endpoint endpoint) {
        return new RegistryClient(
                authority,
                endpoint.insecure(),
                endpoint.credentials(),
                http,
                options.retryPolicy(),
                trusted,
                options.concurrency(),
                sessions);
    }

    /**
     * Cancels the upload sessions this copier's clients have open (an interrupted copy: Ctrl-C) and starts no
     * more.
     */
    public org.ecrreplicator.worker.engine.registry.UploadSessions.Cancelled cancelOpenUploads() {
        return sessions.cancelAll();
    }

    /**
     * Copies {@code source} (by digest when it has one, else its tag resolved now) to {@code destination},
     * with every manifest that refers to it (unless {@link Options#copyReferrers()} is off). A destination
     * without tag or digest takes the source's tag; a destination digest must equal the source's.
     *
     * @throws SourceNotFoundException the source tag, digest or repository does not exist
     * @throws TagConflictException the destination tag is immutable and names another image
     * @throws ReferrerLimitException the image's referrers nest too deep or are too many
     * @throws ReplicatorException any other failure, in one line naming image, registry and error code
     */
    public CopyResult copy(ImageReference source, Endpoint from, ImageReference destination, Endpoint to) {
        return copy(source, client(source.authority(), from), destination, client(destination.authority(), to), to);
    }

    /**
     * Like {@link #copy(ImageReference, Endpoint, ImageReference, Endpoint)}, through clients the caller
     * keeps across many copies (from {@link #client}), so that a sync of many
     * repositories authenticates once per registry and scope instead of once per copy.
     *
     * @param to how the destination is reached: its ECR control plane, when it has one, creates repositories
     */
    public CopyResult copy(
            ImageReference source, RegistryClient src, ImageReference destination, RegistryClient dst, Endpoint to) {
        return copy(source, src, destination, dst, to, null, false);
    }

    /**
     * Like {@link #copy(ImageReference, RegistryClient, ImageReference, RegistryClient, Endpoint)}, for a caller
     * that has just listed the destination (a sync): {@code listed} is what the destination tag named then
     * (empty: no such tag), and it is not asked again. A tag that moved since is overwritten as any push
     * would; an immutable one still refuses the push. With {@code repositoryWasNew} (the listing found no such
     * repository) the destination is not asked which of the image's manifests it has either: it had none,
     * and one pushed since (by a sibling copy) is pushed again, which changes nothing (decision 0074).
     */
    public CopyResult copyListed(
            ImageReference source,
            RegistryClient src,
            ImageReference destination,
            RegistryClient dst,
            Endpoint to,
            Optional<Digest> listed,
            boolean repositoryWasNew) {
        return copy(source, src, destination, dst, to, Objects.requireNonNull(listed, "listed"), repositoryWasNew);
    }

    private CopyResult copy(
            ImageReference source,
            RegistryClient src,
            ImageReference destination,
            RegistryClient dst,
            Endpoint to,
            Optional<Digest> listed,
            boolean repositoryWasNew) {
        long started = System.nanoTime();
        String srcRepo = source.repository();
        String dstRepo = destination.repository();
        String dstTag =
                destination.tag() != null ? destination.tag() : destination.digest() == null ? source.tag() : null;
        // What the destination tag names now, asked while the source is read: an up-to-date image costs
        // one round trip to each registry, not one after the other.
        Future<Optional<Digest>> currentTag = dstTag == null
                ? null
                : listed != null
                        ? CompletableFuture.completedFuture(listed)
                        : tasks.submit(() -> dst.headManifest(dstRepo, dstTag, true));

        Manifest root = src.getManifest(srcRepo, source.manifestReference())
                .orElseThrow(() -> new SourceNotFoundException(
                        "source image " + source + " does not exist (no such tag, digest or repository)",
                        "MANIFEST_UNKNOWN"));
        if (destination.digest() != null && !destination.digest().equals(root.digest())) {
            throw new ReplicatorException("destination " + destination + " names digest " + destination.digest()
                    + " but the source is " + root.digest() + ": drop the digest from the destination");
        }
        ImageReference target = ImageReference.ofDigest(destination.authority(), dstRepo, root.digest())
                .withTag(dstTag);
        ReferrerCopy referrers =
                options.copyReferrers() ? new ReferrerCopy(tasks, transfers, src, srcRepo, dst, dstRepo) : null;
        try {
            if (referrers != null) {
                // Source-side questions only; they run while the destination is asked and the blobs stream.
                referrers.discover(root.digest());
            }

            // The tag's answer was asked for while the source was read, so it is usually in. Unless the copy
            // is up to date, what the destination has of the tree is asked for while the tree is read, not
            // after: two round trips less on the destination side of a copy, which may be in another partition.
            Optional<Digest> current = currentTag == null ? Optional.empty() : Futures.join(currentTag);
            boolean upToDate = current.isPresent() && current.get().equals(root.digest());
            Map<Digest, Future<Boolean>> atDestination = new LinkedHashMap<>();
            Consumer<Digest> askDestination = digest -> {
                if (referrers != null) {
                    referrers.discover(digest);
                }
                if (!upToDate) {
                    atDestination.computeIfAbsent(
                            digest,
                            key -> repositoryWasNew
                                    ? CompletableFuture.completedFuture(false)
                                    : tasks.submit(() -> dst.headManifest(dstRepo, key.toString(), true)
                                            .isPresent()));
                }
            };
            askDestination.accept(root.digest());
            List<Manifest> tree = collect(src, srcRepo, root, askDestination);
            Map<Digest, Descriptor> allBlobs = new LinkedHashMap<>();
            tree.forEach(manifest -> manifest.blobs().forEach(blob -> allBlobs.putIfAbsent(blob.digest(), blob)));
            Lanes lanes = new Lanes(options.concurrency());

            String mutability = to.ecr() == null ? null : to.ecr().ensureRepository(dstRepo);
            if (upToDate) {
                present(dst, dstRepo, allBlobs);
                ReferrerOutcome copied = referrers == null ? ReferrerOutcome.NONE : referrers.run(allBlobs, lanes);
                return result(root, target, tree, Transferred.NOTHING, allBlobs.size(), 0, copied, started);
            }
            if (current.isPresent() && "IMMUTABLE".equals(mutability)) {
                // A repository created just now had no tag; asked before it existed, the answer is the same.
                throw new TagConflictException("destination tag " + destination.authority() + "/" + dstRepo + ":"
                        + dstTag + " is immutable and already names " + current.get() + ", not the source's "
                        + root.digest() + ": delete it there or push under a new tag");
            }
            if (Futures.join(atDestination.get(root.digest()))) {
                // The registry validated everything under it when it was pushed: only the tag is missing. The
                // tag must still end up naming the root's digest, as with any other push.
                present(dst, dstRepo, allBlobs);
                int pushed = 0;
                if (dstTag != null) {
                    dst.putManifestExactly(dstRepo, dstTag, root);
                    pushed = 1;
                }
                ReferrerOutcome copied = referrers == null ? ReferrerOutcome.NONE : referrers.run(allBlobs, lanes);
                return result(root, target, tree, Transferred.NOTHING, allBlobs.size(), pushed, copied, started);
            }

            List<Manifest> missing = missingAtDestination(tree, root, atDestination);
            Map<Digest, Descriptor> needed = new LinkedHashMap<>();
            missing.forEach(manifest -> manifest.blobs().forEach(blob -> needed.putIfAbsent(blob.digest(), blob)));
            // Where other builds put these blobs, in a few batched reads before any transfer asks.
            locations.consult(dst.authority(), needed.keySet());
            if (referrers != null) {
                // Their blobs may stream alongside the image's: nothing is visible until a manifest is pushed.
                referrers.prepare(allBlobs, lanes);
            }
            Transferred stats = transfers.copy(src, srcRepo, dst, dstRepo, needed.values(), lanes);

            pushChildren(dst, dstRepo, missing, root);
            dst.putManifestExactly(
                    dstRepo, dstTag != null ? dstTag : root.digest().toString(), root);
            ReferrerOutcome copied = referrers == null ? ReferrerOutcome.NONE : referrers.finish();
            locations.confirmed(dst.authority(), dstRepo, allBlobs.keySet());
            return result(root, target, tree, stats, allBlobs.size(), missing.size(), copied, started);
        } finally {
            if (referrers != null) {
                referrers.cancel();
            }
        }
    }

    /**
     * The destination holds the image, so it holds its blobs: this process may mount them from there. The
     * shared index is not written: it learns of blobs from the copies that move them, so a build or a
     * reconcile that finds everything up to date costs the table nothing.
     */
    private void present(RegistryClient dst, String repository, Map<Digest, Descriptor> blobs) {
        blobs.keySet().forEach(digest -> locations.record(dst.authority(), repository, digest));
    }

    /**
     * Pushes every missing manifest but the root by digest, each once the ones it lists are in: siblings go
     * together, so a multi-platform image costs the destination two rounds (children, then the index)
     * instead of one per manifest. {@code missing} lists children before their parents.
     */
    private void pushChildren(RegistryClient dst, String repository, List<Manifest> missing, Manifest root) {
        Map<Digest, Future<?>> pushes = new LinkedHashMap<>();
        for (Manifest manifest : missing) {
            if (manifest == root) {
                continue;
            }
            List<Future<?>> below = manifest.children().stream()
                    .<Future<?>>map(child -> pushes.get(child.digest()))
                    .filter(Objects::nonNull)
                    .toList();
            pushes.put(manifest.digest(), tasks.submit(() -> {
                below.forEach(Futures::join);
                dst.putManifestExactly(repository, manifest.digest().toString(), manifest);
                return null;
            }));
        }
        pushes.values().forEach(Futures::join);
    }

    /**
     * Deletes a tag or digest at a registry, putting back every sibling tag (another tag naming the same
     * digest) where the registry cannot untag. Same as {@link #delete(ImageReference, Endpoint, Predicate)}
     * with every sibling put back.
     */
    public DeleteResult delete(ImageReference reference, Endpoint at) {
        return delete(reference, at, tag -> true);
    }

    /**
     * Deletes a tag or digest at a registry. ECR: {@code BatchDeleteImage}. Other registries: the
     * distribution API; where a registry cannot untag, the digest goes and every sibling tag that {@code
     * restoreSibling} accepts is put back with the same digest.
     *
     * @param restoreSibling which sibling tags to put back (fallback tags {@code sha256-<hex>} are never
     *     siblings)
     * @throws ReplicatorException the registry refused; one that refuses every delete names the fix
     */
    public DeleteResult delete(ImageReference reference, Endpoint at, Predicate<String> restoreSibling) {
        return deleter.delete(reference, at, restoreSibling);
    }

    // ---------------------------------------------------------------- steps

    /**
     * The root and every manifest under it, children before parents (the order they are pushed in).
     * {@code discovered} hears of each child's digest before the child is fetched.
     */
    private List<Manifest> collect(RegistryClient src, String repository, Manifest root, Consumer<Digest> discovered) {
        List<Manifest> ordered = new ArrayList<>();
        collect(src, repository, root, discovered, ordered, new int[] {1}, 0);
        return ordered;
    }

    private void collect(
            RegistryClient src,
            String repository,
            Manifest manifest,
            Consumer<Digest> discovered,
            List<Manifest> out,
            int[] listed,
            int depth) {
        if (depth > 4) {
            throw new ManifestException("manifest " + manifest.digest() + " nests indexes more than 4 deep");
        }
        // Counted before anything is fetched: an index of a million children costs one GET.
        listed[0] += manifest.children().size();
        if (listed[0] > options.maxManifests()) {
            throw new ManifestLimitException("source image " + src.authority() + "/" + repository + "@"
                    + manifest.digest() + " has more than " + options.maxManifests() + " manifests (the limit on"
                    + " manifests per image): refused; raise the limit only for a source you trust");
        }
        List<Future<Manifest>> children = new ArrayList<>();
        for (Descriptor child : manifest.children()) {
            discovered.accept(child.digest());
            children.add(tasks.submit(
                    () -> src.getManifest(repository, child.digest().toString())
                            .orElseThrow(() -> new RegistryException(
                                    "source index " + manifest.digest() + " lists " + child.digest() + " ("
                                            + child.platform() + "), which " + src.authority() + "/" + repository
                                            + " does not have",
                                    404,
                                    "MANIFEST_UNKNOWN"))));
        }
        for (Future<Manifest> child : children) {
            Manifest fetched = Futures.join(child);
            if (!out.contains(fetched)) {
                collect(src, repository, fetched, discovered, out, listed, depth + 1);
            }
        }
        out.add(manifest);
    }

    /**
     * Manifests of the tree the destination lacks, in push order; a present child needs nothing below it.
     * The root is known to be missing.
     */
    private static List<Manifest> missingAtDestination(
            List<Manifest> tree, Manifest root, Map<Digest, Future<Boolean>> atDestination) {
        List<Manifest> missing = new ArrayList<>();
        for (Manifest manifest : tree) {
            if (manifest == root || !Futures.join(atDestination.get(manifest.digest()))) {
                missing.add(manifest);
            }
        }
        return missing;
    }

    /**
     * @param imageBlobs distinct blobs of the image's manifests
     * @param pushed manifests of the image pushed (the tag included)
     */
    private static CopyResult result(
            Manifest root,
            ImageReference target,
            List<Manifest> tree,
            Transferred image,
            int imageBlobs,
            int pushed,
            ReferrerOutcome referrers,
            long started) {
        return new CopyResult(
                root.digest(),
                root.mediaType(),
                target,
                tree.size(),
                image.copied() + referrers.blobsCopied(),
                imageBlobs - image.copied() - image.mounted() + referrers.blobsSkipped(),
                image.bytes() + referrers.bytesCopied(),
                image.mounted() + referrers.blobsMounted(),
                image.mountedBytes() + referrers.bytesMounted(),
                (System.nanoTime() - started) / 1e9,
                referrers.copied(),
                referrers.skipped(),
                pushed + referrers.manifestsPushed());
    }

    @Override
    public void close() {
        tasks.shutdownNow();
        transfers.close();
        http.shutdownNow();
    }
}
