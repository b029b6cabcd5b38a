package org.ecrreplicator.worker.engine;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.worker.engine.ecr.EcrApi;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.manifest.Digests;
import org.ecrreplicator.worker.engine.manifest.JsonTree;
import org.ecrreplicator.worker.engine.manifest.Manifest;
import org.ecrreplicator.worker.engine.manifest.ManifestException;
import org.ecrreplicator.worker.engine.manifest.MediaTypes;
import org.ecrreplicator.worker.engine.manifest.ReferrerListing;
import org.ecrreplicator.worker.engine.registry.HttpClients;
import org.ecrreplicator.worker.engine.registry.RegistryClient;
import org.ecrreplicator.worker.engine.registry.RegistryException;
import org.ecrreplicator.worker.engine.registry.RetryPolicy;
import org.ecrreplicator.worker.engine.transfer.BlobPipe;
import org.ecrreplicator.worker.engine.transfer.ProgressListener;

/**
 * Copies an image between registries exactly: every manifest is pushed as the source's bytes with the
 * source's media type, so the digest of the index and of every child is the same at the destination. Blobs
 * stream from source to destination (never whole in memory, never on disk), are verified while they
 * stream, and copy concurrently. Order keeps the destination consistent at every moment: blobs before the
 * manifests that use them, children before their index, the tag last.
 *
 * <p>Thread-safe; one instance serves many copies and owns one HTTP client (connections are reused).
 */
public final class ImageCopier implements AutoCloseable {
    /**
     * @param concurrency blobs transferred at once
     * @param idleTimeout how long a blob transfer may deliver nothing before it is abandoned and retried
     * @param commitTimeout how long the destination may take to answer a blob upload once it has every byte
     *     (it syncs or moves the blob meanwhile) before the upload is abandoned and retried
     * @param copyReferrers whether manifests that refer to the image (OCI 1.1 {@code subject}: signatures,
     *     SBOMs, attestations) travel with it
     */
    public record Options(
            int concurrency,
            RetryPolicy retryPolicy,
            ProgressListener progress,
            Duration idleTimeout,
            Duration commitTimeout,
            boolean copyReferrers) {
        public Options {
            if (concurrency < 1 || concurrency > 64) {
                throw new IllegalArgumentException("concurrency must be 1 to 64, not " + concurrency);
            }
        }

        /**
         * 4 blobs at once; a blob download that delivers nothing for 60 s is abandoned and retried, and so is
         * an upload the destination has not answered 10 minutes after its last byte (a registry on S3 copies
         * a large layer into place before it answers); referrers are copied.
         */
        public static Options defaults() {
            return new Options(
                    4,
                    RetryPolicy.defaults(),
                    ProgressListener.none(),
                    Duration.ofSeconds(60),
                    Duration.ofMinutes(10),
                    true);
        }

        public Options withConcurrency(int value) {
            return new Options(value, retryPolicy, progress, idleTimeout, commitTimeout, copyReferrers);
        }

        public Options withRetryPolicy(RetryPolicy value) {
            return new Options(concurrency, value, progress, idleTimeout, commitTimeout, copyReferrers);
        }

        public Options withProgress(ProgressListener value) {
            return new Options(concurrency, retryPolicy, value, idleTimeout, commitTimeout, copyReferrers);
        }

        public Options withIdleTimeout(Duration value) {
            return new Options(concurrency, retryPolicy, progress, value, commitTimeout, copyReferrers);
        }

        public Options withCommitTimeout(Duration value) {
            return new Options(concurrency, retryPolicy, progress, idleTimeout, value, copyReferrers);
        }

        public Options withCopyReferrers(boolean value) {
            return new Options(concurrency, retryPolicy, progress, idleTimeout, commitTimeout, value);
        }
    }

    private final Options options;
    private final HttpClient http;
    private final HttpClient destinationHttp;
    private final boolean ownsClient;
    private final ExecutorService tasks = Executors.newVirtualThreadPerTaskExecutor();
    /** Blob transfers under the watchdog, each with the thread that waits for its upload's answer. */
    private final Map<BlobPipe, Thread> active = new java.util.concurrent.ConcurrentHashMap<>();
    /** Transfers the watchdog interrupted because the destination did not answer the finished upload. */
    private final java.util.Set<BlobPipe> unanswered = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private volatile java.util.concurrent.ScheduledExecutorService watchdog;

    /**
     * Two HTTP clients, one per side of a copy: each client has a single selector thread doing all its
     * socket I/O, so one client per side lets downloads and uploads proceed on two cores.
     */
    public ImageCopier(Options options) {
        this(options, HttpClients.forRegistries(), HttpClients.forRegistries(), true);
    }

    ImageCopier(Options options, HttpClient http, HttpClient destinationHttp, boolean ownsClient) {
        this.options = options;
        this.http = http;
        this.destinationHttp = destinationHttp;
        this.ownsClient = ownsClient;
    }

    public RegistryClient client(String authority, Endpoint endpoint) {
        return new RegistryClient(authority, endpoint.insecure(), endpoint.credentials(), http, options.retryPolicy());
    }

    private RegistryClient destinationClient(String authority, Endpoint endpoint) {
        return new RegistryClient(
                authority, endpoint.insecure(), endpoint.credentials(), destinationHttp, options.retryPolicy());
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
        long started = System.nanoTime();
        RegistryClient src = client(source.authority(), from);
        RegistryClient dst = destinationClient(destination.authority(), to);
        String srcRepo = source.repository();
        String dstRepo = destination.repository();
        String dstTag =
                destination.tag() != null ? destination.tag() : destination.digest() == null ? source.tag() : null;
        // What the destination tag names now, asked while the source is read: an up-to-date image costs
        // one round trip to each registry, not one after the other.
        Future<Optional<Digest>> currentTag =
                dstTag == null ? null : tasks.submit(() -> dst.headManifest(dstRepo, dstTag, true));

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
        ReferrerCopy referrers = options.copyReferrers() ? new ReferrerCopy(src, srcRepo, dst, dstRepo) : null;
        try {
            if (referrers != null) {
                // Source-side questions only; they run while the destination is asked and the blobs stream.
                referrers.discover(root.digest());
            }

            // The tag's answer was asked for while the source was read, so it is usually in. Unless the copy
            // is up to date, what the destination has of the tree is asked for while the tree is read, not
            // after: two round trips less on the destination side of a copy, which may be in another partition.
            Optional<Digest> current = currentTag == null ? Optional.empty() : join(currentTag);
            boolean upToDate = current.isPresent() && current.get().equals(root.digest());
            Map<Digest, Future<Boolean>> atDestination = new LinkedHashMap<>();
            java.util.function.Consumer<Digest> askDestination = digest -> {
                if (referrers != null) {
                    referrers.discover(digest);
                }
                if (!upToDate) {
                    atDestination.computeIfAbsent(
                            digest,
                            key -> tasks.submit(() -> dst.headManifest(dstRepo, key.toString(), true)
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
                ReferrerOutcome copied = referrers == null ? ReferrerOutcome.NONE : referrers.run(allBlobs, lanes);
                return result(root, target, tree, new BlobStats(0, 0), allBlobs.size(), 0, copied, started);
            }
            if (current.isPresent() && "IMMUTABLE".equals(mutability)) {
                // A repository created just now had no tag; asked before it existed, the answer is the same.
                throw new TagConflictException("destination tag " + destination.authority() + "/" + dstRepo + ":"
                        + dstTag + " is immutable and already names " + current.get() + ", not the source's "
                        + root.digest() + ": delete it there or push under a new tag");
            }
            if (join(atDestination.get(root.digest()))) {
                // The registry validated everything under it when it was pushed: only the tag is missing.
                int pushed = 0;
                if (dstTag != null) {
                    dst.putManifest(dstRepo, dstTag, root);
                    pushed = 1;
                }
                ReferrerOutcome copied = referrers == null ? ReferrerOutcome.NONE : referrers.run(allBlobs, lanes);
                return result(root, target, tree, new BlobStats(0, 0), allBlobs.size(), pushed, copied, started);
            }

            List<Manifest> missing = missingAtDestination(tree, root, atDestination);
            Map<Digest, Descriptor> needed = new LinkedHashMap<>();
            missing.forEach(manifest -> manifest.blobs().forEach(blob -> needed.putIfAbsent(blob.digest(), blob)));
            if (referrers != null) {
                // Their blobs may stream alongside the image's: nothing is visible until a manifest is pushed.
                referrers.prepare(allBlobs, lanes);
            }
            BlobStats stats = copyBlobs(src, srcRepo, dst, dstRepo, needed.values(), lanes);

            pushChildren(dst, dstRepo, missing, root);
            Digest pushed = dst.putManifest(
                    dstRepo, dstTag != null ? dstTag : root.digest().toString(), root);
            requireSameDigest(root, pushed, dst);
            ReferrerOutcome copied = referrers == null ? ReferrerOutcome.NONE : referrers.finish();
            return result(root, target, tree, stats, allBlobs.size(), missing.size(), copied, started);
        } finally {
            if (referrers != null) {
                referrers.cancel();
            }
        }
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
                    .filter(java.util.Objects::nonNull)
                    .toList();
            pushes.put(manifest.digest(), tasks.submit(() -> {
                below.forEach(ImageCopier::join);
                requireSameDigest(
                        manifest, dst.putManifest(repository, manifest.digest().toString(), manifest), dst);
                return null;
            }));
        }
        pushes.values().forEach(ImageCopier::join);
    }

    // ---------------------------------------------------------------- referrers

    /** What copying an image's referrers did. */
    private record ReferrerOutcome(
            int copied,
            List<SkippedReferrer> skipped,
            int manifestsPushed,
            int blobsCopied,
            int blobsSkipped,
            long bytesCopied) {
        static final ReferrerOutcome NONE = new ReferrerOutcome(0, List.of(), 0, 0, 0, 0);
    }

    /**
     * The referrers' side of a copy, done before the image is pushed: what the source has, what of it the
     * destination lacks, and the lacking blobs already copied.
     *
     * @param referrerBlobs blobs of every referrer found, those the image has too left out
     * @param destinationIndexes the destination's fallback index of each subject the source has one for
     */
    private record Prepared(
            ReferrerDiscovery.Result found,
            Set<Digest> present,
            List<ReferrerDiscovery.Found> missing,
            BlobStats blobs,
            int referrerBlobs,
            Map<Digest, Future<Optional<Manifest>>> destinationIndexes) {}

    /**
     * How one referrer's push went.
     *
     * @param pushed how the destination took it, or null when it was skipped
     */
    private record ReferrerPush(
            ReferrerDiscovery.Found referrer, RegistryClient.Pushed pushed, SkippedReferrer skipped, int manifests) {}

    /**
     * Copies the manifests that refer to one image, each after the manifest it refers to, and keeps the
     * destination's fallback tags ({@code <alg>-<hex>}) listing them where the destination does not index
     * referrers itself or where the source has such a tag too.
     */
    private final class ReferrerCopy {
        private final RegistryClient src;
        private final String srcRepo;
        private final RegistryClient dst;
        private final String dstRepo;
        private final ReferrerDiscovery discovery;
        /** The image's manifests in the order they were found; only the copying thread adds to it. */
        private final List<Digest> image = new ArrayList<>();

        private Future<Prepared> prepared;

        ReferrerCopy(RegistryClient src, String srcRepo, RegistryClient dst, String dstRepo) {
            this.src = src;
            this.srcRepo = srcRepo;
            this.dst = dst;
            this.dstRepo = dstRepo;
            this.discovery = new ReferrerDiscovery(tasks, src, srcRepo);
        }

        /** One of the image's manifests is known: ask the source about its referrers now. */
        void discover(Digest digest) {
            if (!image.contains(digest)) {
                image.add(digest);
                discovery.imageManifest(digest);
            }
        }

        /** Starts the destination's side in the background once discovery is done (the image's tree is read). */
        void prepare(Map<Digest, Descriptor> imageBlobs, Lanes lanes) {
            List<Digest> manifests = List.copyOf(image);
            prepared = tasks.submit(() -> prepareNow(manifests, imageBlobs, lanes));
        }

        /** Everything at once, for an image the destination already has. */
        ReferrerOutcome run(Map<Digest, Descriptor> imageBlobs, Lanes lanes) {
            prepared = java.util.concurrent.CompletableFuture.completedFuture(
                    prepareNow(List.copyOf(image), imageBlobs, lanes));
            return finish();
        }

        void cancel() {
            if (prepared != null) {
                prepared.cancel(true);
            }
            discovery.cancel();
        }

        private Prepared prepareNow(List<Digest> manifests, Map<Digest, Descriptor> imageBlobs, Lanes lanes) {
            ReferrerDiscovery.Result found = discovery.await(manifests);
            if (found.isEmpty()) {
                // Nothing refers to the image: the destination is not asked anything more.
                return null;
            }
            Map<Digest, Future<Boolean>> heads = new LinkedHashMap<>();
            for (ReferrerDiscovery.Found referrer : found.referrers()) {
                heads.put(referrer.digest(), tasks.submit(() -> dst.headManifest(
                                dstRepo, referrer.digest().toString(), true)
                        .isPresent()));
            }
            Map<Digest, Future<Optional<Manifest>>> indexes = new HashMap<>();
            found.listings().forEach((subject, listing) -> {
                if (listing.fallbackIndex() != null) {
                    indexes.put(subject, tasks.submit(() -> destinationIndex(subject)));
                }
            });
            Set<Digest> present = new HashSet<>();
            List<ReferrerDiscovery.Found> missing = new ArrayList<>();
            Map<Digest, Descriptor> all = new LinkedHashMap<>();
            Map<Digest, Descriptor> needed = new LinkedHashMap<>();
            for (ReferrerDiscovery.Found referrer : found.referrers()) {
                boolean there = join(heads.get(referrer.digest()));
                if (there) {
                    present.add(referrer.digest());
                } else {
                    missing.add(referrer);
                }
                for (Manifest manifest : referrer.tree()) {
                    for (Descriptor blob : manifest.blobs()) {
                        if (!imageBlobs.containsKey(blob.digest())) {
                            all.putIfAbsent(blob.digest(), blob);
                            if (!there) {
                                needed.putIfAbsent(blob.digest(), blob);
                            }
                        }
                    }
                }
            }
            BlobStats blobs = needed.isEmpty()
                    ? new BlobStats(0, 0)
                    : copyBlobs(src, srcRepo, dst, dstRepo, needed.values(), lanes);
            return new Prepared(found, present, missing, blobs, all.size(), indexes);
        }

        /** Pushes what the destination lacks (the image is in) and updates its fallback tags. */
        ReferrerOutcome finish() {
            Prepared ready = join(prepared);
            if (ready == null) {
                return ReferrerOutcome.NONE;
            }
            // A referrer's subject may be a manifest under another referrer: it waits for that one's push.
            Map<Digest, Digest> owners = new HashMap<>();
            for (ReferrerDiscovery.Found referrer : ready.found().referrers()) {
                referrer.tree().forEach(manifest -> owners.putIfAbsent(manifest.digest(), referrer.digest()));
            }
            Map<Digest, Future<ReferrerPush>> pushes = new LinkedHashMap<>();
            for (ReferrerDiscovery.Found referrer : ready.missing()) {
                Digest owner = owners.get(referrer.subject());
                Future<ReferrerPush> after = owner == null ? null : pushes.get(owner);
                pushes.put(referrer.digest(), tasks.submit(() -> push(referrer, after)));
            }
            List<ReferrerPush> done = joinAll(pushes.values());

            Set<Digest> atDestination = new HashSet<>(ready.present());
            Map<Digest, RegistryClient.Pushed> pushed = new HashMap<>();
            List<SkippedReferrer> skipped = new ArrayList<>();
            int manifests = 0;
            for (ReferrerPush push : done) {
                manifests += push.manifests();
                if (push.pushed() != null) {
                    atDestination.add(push.referrer().digest());
                    pushed.put(push.referrer().digest(), push.pushed());
                } else {
                    skipped.add(push.skipped());
                }
            }
            List<Future<Integer>> indexes = new ArrayList<>();
            ready.found().listings().forEach((subject, listing) -> {
                // A destination that indexes referrers says so in OCI-Subject; one that does not needs the tag.
                boolean unindexed = listing.entries().stream()
                        .anyMatch(entry -> pushed.containsKey(entry.digest())
                                && pushed.get(entry.digest()).ociSubject() == null);
                if (listing.fallbackIndex() == null && !unindexed) {
                    return;
                }
                List<ReferrerListing.Entry> wanted = (unindexed ? listing.entries() : listing.fallbackEntries())
                        .stream()
                                .filter(entry -> atDestination.contains(entry.digest()))
                                .toList();
                Future<Optional<Manifest>> prefetched =
                        ready.destinationIndexes().get(subject);
                indexes.add(tasks.submit(() -> updateFallbackIndex(
                        subject, listing, wanted, prefetched == null ? destinationIndex(subject) : join(prefetched))));
            });
            for (Integer count : joinAll(indexes)) {
                manifests += count;
            }
            return new ReferrerOutcome(
                    pushed.size(),
                    skipped,
                    manifests,
                    ready.blobs().copied(),
                    ready.referrerBlobs() - ready.blobs().copied(),
                    ready.blobs().bytes());
        }

        /** The manifests under the referrer by digest, then the referrer, once {@code after} is in. */
        private ReferrerPush push(ReferrerDiscovery.Found referrer, Future<ReferrerPush> after) {
            if (after != null && join(after).pushed() == null) {
                return skip(referrer, "its subject was not copied", 0);
            }
            int manifests = 0;
            for (Manifest manifest : referrer.tree()) {
                if (manifest != referrer.manifest()) {
                    requireSameDigest(
                            manifest, dst.putManifest(dstRepo, manifest.digest().toString(), manifest), dst);
                    manifests++;
                }
            }
            try {
                RegistryClient.Pushed pushed =
                        dst.pushManifest(dstRepo, referrer.digest().toString(), referrer.manifest());
                requireSameDigest(referrer.manifest(), pushed.digest(), dst);
                return new ReferrerPush(referrer, pushed, null, manifests + 1);
            } catch (RegistryException e) {
                if (e.status() != 405) {
                    throw e;
                }
                return skip(
                        referrer,
                        "the destination refused it with HTTP 405"
                                + (e.code() == null ? "" : " " + e.code())
                                + ": ECR does not take a referrer whose subject is an image index"
                                + " (aws/containers-roadmap#2783)",
                        manifests);
            }
        }

        private ReferrerPush skip(ReferrerDiscovery.Found referrer, String reason, int manifests) {
            Manifest manifest = referrer.manifest();
            String artifactType = manifest.artifactType() != null
                    ? manifest.artifactType()
                    : referrer.entry().artifactType();
            Digest subject = manifest.subject() != null ? manifest.subject().digest() : referrer.subject();
            return new ReferrerPush(
                    referrer, null, new SkippedReferrer(referrer.digest(), artifactType, subject, reason), manifests);
        }

        /** The index under the subject's fallback tag at the destination, if any. */
        private Optional<Manifest> destinationIndex(Digest subject) {
            String tag = ReferrerListing.fallbackTag(subject);
            Optional<Manifest> index = dst.getManifest(dstRepo, tag, true);
            if (index.isPresent() && !index.get().isIndex()) {
                throw new ReplicatorException("destination tag " + dst.authority() + "/" + dstRepo + ":" + tag
                        + " holds a " + index.get().mediaType() + ", not the index of referrers of " + subject
                        + " the referrers tag schema puts there: move that tag elsewhere, then copy again");
            }
            return index;
        }

        /**
         * Makes the destination's fallback index for {@code subject} list {@code wanted}, keeping every entry it
         * has, in its order, and adding the missing ones after them. Where it has none and would list exactly
         * what the source's fallback index lists, that index is pushed as it is (same digest).
         *
         * @return manifests pushed: 0 or 1
         */
        private int updateFallbackIndex(
                Digest subject,
                ReferrerListing listing,
                List<ReferrerListing.Entry> wanted,
                Optional<Manifest> existing) {
            String tag = ReferrerListing.fallbackTag(subject);
            Manifest source = listing.fallbackIndex();
            Map<String, Object> document;
            if (existing.isEmpty()) {
                if (source != null
                        && wanted.stream()
                                .map(ReferrerListing.Entry::digest)
                                .toList()
                                .equals(listing.fallbackEntries().stream()
                                        .map(ReferrerListing.Entry::digest)
                                        .toList())) {
                    requireSameDigest(source, dst.putManifest(dstRepo, tag, source), dst);
                    return 1;
                }
                if (wanted.isEmpty()) {
                    return 0;
                }
                document = source == null ? newIndex() : object(source);
                document.put(
                        "manifests",
                        wanted.stream().<Object>map(ReferrerListing.Entry::json).toList());
            } else {
                document = object(existing.get());
                List<Object> entries = new ArrayList<>(JsonTree.array(document, "manifests"));
                Set<String> listed = new HashSet<>();
                entries.forEach(entry -> listed.add(String.valueOf(JsonTree.string(entry, "digest"))));
                int before = entries.size();
                for (ReferrerListing.Entry entry : wanted) {
                    if (listed.add(entry.digest().toString())) {
                        entries.add(entry.json());
                    }
                }
                if (entries.size() == before) {
                    return 0;
                }
                document.put("manifests", entries);
            }
            byte[] bytes = JsonTree.write(document).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            String mediaType = existing.map(Manifest::mediaType)
                    .orElse(source == null ? MediaTypes.OCI_INDEX : source.mediaType());
            Manifest index = Manifest.parse(bytes, mediaType, Digests.of(subject.algorithm(), bytes));
            requireSameDigest(index, dst.putManifest(dstRepo, tag, index), dst);
            return 1;
        }

        private static Map<String, Object> newIndex() {
            Map<String, Object> index = new LinkedHashMap<>();
            index.put("schemaVersion", 2L);
            index.put("mediaType", MediaTypes.OCI_INDEX);
            return index;
        }

        @SuppressWarnings("unchecked")
        private static Map<String, Object> object(Manifest manifest) {
            try {
                return new LinkedHashMap<>((Map<String, Object>) JsonTree.parse(manifest.bytes()));
            } catch (java.io.IOException e) {
                throw new ManifestException("referrers index " + manifest.digest() + " is not valid JSON");
            }
        }
    }

    /** Every result, in order; the first failure is thrown once all have ended. */
    private static <T> List<T> joinAll(java.util.Collection<Future<T>> futures) {
        List<T> results = new ArrayList<>();
        RuntimeException first = null;
        for (Future<T> future : futures) {
            try {
                results.add(join(future));
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return results;
    }

    private record BlobStats(int copied, long bytes) {}

    /**
     * The transfer slots of one copy, shared by the image's blobs and its referrers' so that together they
     * stream at most {@code concurrency} at once. Fair, so blobs start in the order they are handed in.
     *
     * @param streaming blobs streaming
     * @param ahead blobs waiting for a slot with their upload session open
     */
    private record Lanes(Semaphore streaming, Semaphore ahead) {
        Lanes(int concurrency) {
            this(new Semaphore(concurrency, true), new Semaphore(concurrency, true));
        }
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
     * Deletes a tag or digest at a registry. ECR: {@code BatchDeleteImage}, which untags a tag and deletes a
     * digest. Other registries: {@code DELETE /v2/<name>/manifests/<reference>}. A registry that cannot untag
     * (it answers the tag's delete with 400 or 405, as the CNCF distribution registry before version 3
     * does) gets the digest deleted instead, and then the same manifest bytes pushed again under each other
     * tag that named the digest and that {@code restoreSibling} accepts, so each keeps its exact digest.
     * Any other refusal (403 among them) fails, and the digest is left alone.
     *
     * @param restoreSibling which sibling tags to put back (fallback tags {@code sha256-<hex>} are never
     *     siblings)
     * @throws ReplicatorException the registry refused; one that refuses every delete names the fix
     */
    public DeleteResult delete(ImageReference reference, Endpoint at, Predicate<String> restoreSibling) {
        if (reference.tag() == null && reference.digest() == null) {
            throw new ReplicatorException("delete needs a tag or a digest: " + reference + " names neither");
        }
        if (at.ecr() != null) {
            return deleteAtEcr(reference, at.ecr());
        }
        RegistryClient client = client(reference.authority(), at);
        String repository = reference.repository();
        if (reference.digest() != null) {
            RegistryClient.DeleteAnswer answer =
                    client.deleteReference(repository, reference.digest().toString());
            if (answer.status() == 404) {
                return DeleteResult.nothing(reference.digest());
            }
            if (answer.refused()) {
                throw new ReplicatorException("registry " + client.authority() + " refuses to delete " + reference
                        + " (" + answer.describe() + "): enable deletes in its storage configuration"
                        + " (storage.delete.enabled: true for the CNCF distribution registry)");
            }
            return new DeleteResult(true, reference.digest(), reference.digest(), List.of());
        }
        String tag = reference.tag();
        Optional<Digest> named = client.headManifest(repository, tag);
        if (named.isEmpty()) {
            return DeleteResult.nothing(null);
        }
        Digest digest = named.get();
        RegistryClient.DeleteAnswer byTag = client.deleteReference(repository, tag);
        if (byTag.status() == 202) {
            return new DeleteResult(true, digest, null, List.of());
        }
        if (byTag.status() == 404) {
            return DeleteResult.nothing(digest);
        }
        // 400 or 405: this registry cannot untag. Delete the digest and put the other tags back, having
        // decided which before anything is deleted.
        Future<List<String>> siblings =
                tasks.submit(() -> siblingsToRestore(client, repository, tag, digest, restoreSibling));
        Optional<Manifest> manifest = client.getManifest(repository, digest.toString());
        List<String> restore = join(siblings);
        if (manifest.isEmpty()) {
            return DeleteResult.nothing(digest);
        }
        RegistryClient.DeleteAnswer byDigest = client.deleteReference(repository, digest.toString());
        if (byDigest.refused()) {
            throw new ReplicatorException("registry " + client.authority() + " refuses to delete " + reference
                    + ": the tag's delete got " + byTag.describe() + " and the digest's (" + digest + ") "
                    + byDigest.describe() + ": enable deletes in its storage configuration"
                    + " (storage.delete.enabled: true for the CNCF distribution registry)");
        }
        if (byDigest.status() == 404) {
            return DeleteResult.nothing(digest);
        }
        Map<String, Future<Digest>> puts = new LinkedHashMap<>();
        for (String sibling : restore) {
            puts.put(sibling, tasks.submit(() -> client.putManifest(repository, sibling, manifest.get())));
        }
        List<String> restored = new ArrayList<>();
        List<String> lost = new ArrayList<>();
        String failure = null;
        for (Map.Entry<String, Future<Digest>> put : puts.entrySet()) {
            try {
                requireSameDigest(manifest.get(), join(put.getValue()), client);
                restored.add(put.getKey());
            } catch (RuntimeException e) {
                lost.add(put.getKey());
                failure = failure == null ? e.getMessage() : failure;
            }
        }
        if (!lost.isEmpty()) {
            throw new ReplicatorException("deleted " + reference.withDigest(digest) + " (the registry cannot untag, so"
                    + " the digest went) but could not put back the sibling tags " + lost + ": push " + digest
                    + " under them again (" + failure + ")");
        }
        return new DeleteResult(true, digest, digest, restored);
    }

    private static DeleteResult deleteAtEcr(ImageReference reference, EcrApi ecr) {
        EcrApi.DeleteOutcome outcome = ecr.delete(
                reference.repository(),
                reference.digest() == null ? reference.tag() : null,
                reference.digest() == null ? null : reference.digest().toString());
        if (outcome.deleted()) {
            Digest digest = outcome.digest() == null ? null : Digest.parse(outcome.digest());
            // A tag is only untagged: the image stays while other tags name it.
            return new DeleteResult(true, digest, reference.digest() == null ? null : digest, List.of());
        }
        if ("ImageNotFound".equals(outcome.failureCode()) || "RepositoryNotFound".equals(outcome.failureCode())) {
            return DeleteResult.nothing(reference.digest());
        }
        throw new ReplicatorException(
                "ECR refused to delete " + reference + ": " + outcome.failureCode() + ": " + outcome.failureReason());
    }

    /**
     * Tags other than {@code tag} that name {@code digest} now and that {@code restore} accepts, asked a few
     * at a time.
     */
    private List<String> siblingsToRestore(
            RegistryClient client, String repository, String tag, Digest digest, Predicate<String> restore) {
        Semaphore asking = new Semaphore(SIBLING_QUESTIONS);
        Map<String, Future<Boolean>> answers = new LinkedHashMap<>();
        for (String other : client.listTags(repository)) {
            if (other.equals(tag) || ReferrerListing.looksLikeFallbackTag(other)) {
                continue;
            }
            answers.put(other, tasks.submit(() -> {
                try (Slot slot = Slot.take(asking)) {
                    return client.headManifest(repository, other)
                                    .filter(digest::equals)
                                    .isPresent()
                            && restore.test(other);
                }
            }));
        }
        List<String> chosen = new ArrayList<>();
        answers.forEach((other, answer) -> {
            if (join(answer)) {
                chosen.add(other);
            }
        });
        return chosen;
    }

    /** HEAD requests in flight at once while looking for the tags that share a digest. */
    private static final int SIBLING_QUESTIONS = 8;

    // ---------------------------------------------------------------- steps

    /**
     * The root and every manifest under it, children before parents (the order they are pushed in).
     * {@code discovered} hears of each child's digest before the child is fetched.
     */
    private List<Manifest> collect(
            RegistryClient src, String repository, Manifest root, java.util.function.Consumer<Digest> discovered) {
        List<Manifest> ordered = new ArrayList<>();
        collect(src, repository, root, discovered, ordered, 0);
        return ordered;
    }

    private void collect(
            RegistryClient src,
            String repository,
            Manifest manifest,
            java.util.function.Consumer<Digest> discovered,
            List<Manifest> out,
            int depth) {
        if (depth > 4) {
            throw new ManifestException("manifest " + manifest.digest() + " nests indexes more than 4 deep");
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
            Manifest fetched = join(child);
            if (!out.contains(fetched)) {
                collect(src, repository, fetched, discovered, out, depth + 1);
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
            if (manifest == root || !join(atDestination.get(manifest.digest()))) {
                missing.add(manifest);
            }
        }
        return missing;
    }

    private BlobStats copyBlobs(
            RegistryClient src,
            String srcRepo,
            RegistryClient dst,
            String dstRepo,
            java.util.Collection<Descriptor> blobs,
            Lanes lanes) {
        ProgressListener progress = options.progress();
        progress.planned(
                blobs.size(), blobs.stream().mapToLong(Descriptor::size).sum());
        Semaphore permits = lanes.streaming();
        Semaphore ahead = lanes.ahead();
        AtomicInteger copied = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        List<Future<?>> transfers = new ArrayList<>();
        for (Descriptor blob : transferOrder(blobs)) {
            transfers.add(tasks.submit(() -> {
                boolean didCopy = copyBlob(src, srcRepo, dst, dstRepo, blob, progress, permits, ahead);
                if (didCopy) {
                    copied.incrementAndGet();
                    bytes.addAndGet(blob.size());
                }
                progress.blobDone(blob, didCopy);
                return null;
            }));
        }
        RuntimeException first = null;
        for (Future<?> transfer : transfers) {
            try {
                join(transfer);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                    transfers.forEach(other -> other.cancel(true));
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return new BlobStats(copied.get(), bytes.get());
    }

    /** Blobs this size or smaller take no time worth scheduling: configs, attestations, small layers. */
    private static final long SMALL_BLOB = 1 << 20;

    /**
     * Small blobs first, in the manifests' order: they finish at once, so their sessions and commits are
     * done before the large blobs' commits keep the registry busy syncing. Then the largest first, so that a
     * copy does not end with one large blob streaming alone while the other slots idle.
     */
    static List<Descriptor> transferOrder(java.util.Collection<Descriptor> blobs) {
        List<Descriptor> order = new ArrayList<>(blobs);
        // Stable: small blobs keep the manifests' order.
        order.sort(
                java.util.Comparator.comparingLong(blob -> blob.size() > SMALL_BLOB ? -blob.size() : Long.MIN_VALUE));
        return order;
    }

    /**
     * Transfers one blob while holding one of the {@code slots}. The slot is given back as soon as the last
     * byte has been handed to the upload, not when the registry answers: a registry commits a blob by
     * syncing it to disk, and holding the slot through that would leave the CPUs idle while every transfer
     * in flight waits for the disk at the same moment. So the next blob streams while the last one is synced.
     *
     * <p>The existence check and the upload session come before the slot, holding one of the {@code ahead}
     * permits until the transfer starts: at most as many sessions wait as blobs stream. A registry opening a
     * session writes and syncs a small file, which waits behind the syncs of the blobs just finished; and to
     * another partition it is a long round trip. Opened ahead, neither delays the next transfer.
     *
     * @return true when bytes were transferred, false when the destination had the blob
     */
    private boolean copyBlob(
            RegistryClient src,
            String srcRepo,
            RegistryClient dst,
            String dstRepo,
            Descriptor blob,
            ProgressListener progress,
            Semaphore slots,
            Semaphore ahead)
            throws InterruptedException {
        String what = "copy blob " + blob.digest() + " (" + blob.size() + " bytes) from " + src.authority() + "/"
                + srcRepo + " to " + dst.authority() + "/" + dstRepo;
        try (Slot waiting = Slot.take(ahead)) {
            if (dst.blobExists(dstRepo, blob.digest())) {
                return false;
            }
            if (blob.size() == 0) {
                // Nothing to stream: the digest alone says whether the descriptor is right.
                Digest empty = Digests.of(blob.digest().algorithm(), new byte[0]);
                if (!empty.equals(blob.digest())) {
                    throw new ReplicatorException("blob " + blob.digest() + " has size 0 in its descriptor, but empty"
                            + " content hashes to " + empty + ": the source manifest is inconsistent");
                }
            }
            URI opened = dst.startUpload(dstRepo);
            return dst.retrier().call(what, attempt -> {
                try (Slot slot = Slot.take(slots)) {
                    waiting.close();
                    // After a failed attempt the upload may have been committed with its answer lost: check
                    // first. A failed attempt may also have spoilt its session: the retry opens another.
                    if (attempt > 1 && dst.blobExists(dstRepo, blob.digest())) {
                        return true;
                    }
                    URI location = attempt == 1 ? opened : dst.startUpload(dstRepo);
                    if (blob.size() == 0) {
                        dst.completeUpload(dstRepo, location, blob.digest(), HttpRequest.BodyPublishers.noBody());
                        return true;
                    }
                    BlobPipe pipe = new BlobPipe(blob, progress::transferred, slot::close);
                    watch(pipe);
                    try {
                        src.openBlob(srcRepo, blob, pipe);
                        dst.completeUpload(dstRepo, location, blob.digest(), pipe);
                    } catch (IOException e) {
                        if (pipe.failure() != null) {
                            throw pipe.failure();
                        }
                        throw e;
                    } catch (InterruptedException e) {
                        if (unanswered.remove(pipe)) {
                            // The watchdog's doing, not a cancellation of the copy: this attempt failed, retry it
                            // (the retry first asks whether the destination has the blob after all).
                            Thread.interrupted();
                            throw new java.net.http.HttpTimeoutException("PUT blob " + blob.digest() + " to " + dstRepo
                                    + " at " + dst.authority() + ": no answer "
                                    + inWords(options.commitTimeout())
                                    + " after the last byte");
                        }
                        throw e;
                    } finally {
                        pipe.close();
                        synchronized (pipe) {
                            active.remove(pipe);
                            if (unanswered.remove(pipe)) {
                                // Interrupted just as the answer came: the attempt stands, the flag must not.
                                Thread.interrupted();
                            }
                        }
                    }
                    if (pipe.failure() != null) {
                        throw pipe.failure();
                    }
                    return true;
                }
            });
        }
    }

    /** One permit of a semaphore, given back once however often it is closed. */
    private static final class Slot implements AutoCloseable {
        private final Semaphore semaphore;
        private final java.util.concurrent.atomic.AtomicBoolean held =
                new java.util.concurrent.atomic.AtomicBoolean(true);

        private Slot(Semaphore semaphore) {
            this.semaphore = semaphore;
        }

        static Slot take(Semaphore semaphore) throws InterruptedException {
            semaphore.acquire();
            return new Slot(semaphore);
        }

        @Override
        public void close() {
            if (held.compareAndSet(true, false)) {
                semaphore.release();
            }
        }
    }

    /**
     * The JDK client has no read timeout for a streamed body: a source that stops sending mid-blob would hang
     * the copy. A watchdog cancels a download that delivered nothing for the idle timeout, which fails its
     * upload, and the transfer is retried. Nor has it a timeout for the answer to an upload alone (its request
     * timeout would also cover sending the body): the watchdog interrupts a transfer whose destination has not
     * answered the commit timeout after the last byte, and that attempt is retried.
     */
    private void watch(BlobPipe pipe) {
        active.put(pipe, Thread.currentThread());
        if (watchdog == null) {
            synchronized (this) {
                if (watchdog == null) {
                    long period = Math.max(
                            50,
                            Math.min(
                                            options.idleTimeout().toMillis(),
                                            options.commitTimeout().toMillis())
                                    / 4);
                    var scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
                        Thread thread = new Thread(runnable, "transfer-watchdog");
                        thread.setDaemon(true);
                        return thread;
                    });
                    scheduler.scheduleAtFixedRate(
                            this::abandonStalled, period, period, java.util.concurrent.TimeUnit.MILLISECONDS);
                    watchdog = scheduler;
                }
            }
        }
    }

    private void abandonStalled() {
        long idle = options.idleTimeout().toNanos();
        long commit = options.commitTimeout().toNanos();
        long now = System.nanoTime();
        active.forEach((pipe, thread) -> {
            long sentAt = pipe.sentAtNanos();
            if (sentAt == 0) {
                if (now - pipe.lastActivityNanos() > idle) {
                    active.remove(pipe);
                    pipe.abandon("no data for " + inWords(options.idleTimeout()));
                }
            } else if (now - sentAt > commit) {
                // The client has no timeout for this wait alone: interrupting the waiting thread cancels
                // the exchange (HttpClient.send), and copyBlob turns that into a retryable timeout. The lock
                // keeps the interrupt from reaching a thread that has already left the transfer.
                synchronized (pipe) {
                    if (active.remove(pipe) != null) {
                        unanswered.add(pipe);
                        thread.interrupt();
                    }
                }
            }
        });
    }

    /** "10 min", "60 s", "1.5 s", "500 ms": a timeout as an operator would write it. */
    static String inWords(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + " min";
        }
        return java.math.BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + " s";
    }

    private static void requireSameDigest(Manifest manifest, Digest pushed, RegistryClient dst) {
        if (!pushed.equals(manifest.digest())) {
            throw new ReplicatorException("destination " + dst.authority() + " stored manifest " + manifest.digest()
                    + " under digest " + pushed + ": it rewrote the manifest, so this copy would not be exact");
        }
    }

    /**
     * @param imageBlobs distinct blobs of the image's manifests
     * @param pushed manifests of the image pushed (the tag included)
     */
    private static CopyResult result(
            Manifest root,
            ImageReference target,
            List<Manifest> tree,
            BlobStats image,
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
                imageBlobs - image.copied() + referrers.blobsSkipped(),
                image.bytes() + referrers.bytesCopied(),
                (System.nanoTime() - started) / 1e9,
                referrers.copied(),
                referrers.skipped(),
                pushed + referrers.manifestsPushed());
    }

    private static <T> T join(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplicatorException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new ReplicatorException(String.valueOf(cause.getMessage()), cause);
        } catch (java.util.concurrent.CancellationException e) {
            throw new ReplicatorException("cancelled after another transfer failed", e);
        }
    }

    @Override
    public void close() {
        tasks.shutdownNow();
        if (watchdog != null) {
            watchdog.shutdownNow();
        }
        if (ownsClient) {
            http.shutdownNow();
            destinationHttp.shutdownNow();
        }
    }
}
