package org.ecrreplicator.worker.engine.referrer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.manifest.Manifest;
import org.ecrreplicator.worker.engine.manifest.ReferrerListing;
import org.ecrreplicator.worker.engine.registry.RegistryClient;
import org.ecrreplicator.worker.engine.registry.RegistryException;
import org.ecrreplicator.worker.engine.transfer.BlobTransfers;
import org.ecrreplicator.worker.engine.transfer.Futures;
import org.ecrreplicator.worker.engine.transfer.Lanes;

/**
 * Copies the manifests that refer to one image, each after the manifest it refers to, and keeps the
 * destination's fallback tags ({@code <alg>-<hex>}) listing them where the destination does not index
 * referrers itself or where the source has such a tag too.
 */
public final class ReferrerCopy {
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
            BlobTransfers.Transferred blobs,
            int referrerBlobs,
            Map<Digest, Future<Optional<Manifest>>> destinationIndexes) {}

    /**
     * How one referrer's push went.
     *
     * @param pushed how the destination took it, or null when it was skipped
     */
    private record ReferrerPush(
            ReferrerDiscovery.Found referrer, RegistryClient.Pushed pushed, SkippedReferrer skipped, int manifests) {}

    private final ExecutorService tasks;
    private final BlobTransfers transfers;
    private final RegistryClient src;
    private final String srcRepo;
    private final RegistryClient dst;
    private final String dstRepo;
    private final ReferrerDiscovery discovery;
    private final FallbackIndexes fallbackIndexes;
    /** The image's manifests in the order they were found; only the copying thread adds to it. */
    private final List<Digest> image = new ArrayList<>();

    private Future<Prepared> prepared;

    public ReferrerCopy(
            ExecutorService tasks,
            BlobTransfers transfers,
            RegistryClient src,
            String srcRepo,
            RegistryClient dst,
            String dstRepo) {
        this.tasks = tasks;
        this.transfers = transfers;
        this.src = src;
        this.srcRepo = srcRepo;
        this.dst = dst;
        this.dstRepo = dstRepo;
        this.discovery = new ReferrerDiscovery(tasks, src, srcRepo);
        this.fallbackIndexes = new FallbackIndexes(dst, dstRepo);
    }

    /** One of the image's manifests is known: ask the source about its referrers now. */
    public void discover(Digest digest) {
        if (!image.contains(digest)) {
            image.add(digest);
            discovery.imageManifest(digest);
        }
    }

    /** Starts the destination's side in the background once discovery is done (the image's tree is read). */
    public void prepare(Map<Digest, Descriptor> imageBlobs, Lanes lanes) {
        List<Digest> manifests = List.copyOf(image);
        prepared = tasks.submit(() -> prepareNow(manifests, imageBlobs, lanes));
    }

    /** Everything at once, for an image the destination already has. */
    public ReferrerOutcome run(Map<Digest, Descriptor> imageBlobs, Lanes lanes) {
        prepared = CompletableFuture.completedFuture(prepareNow(List.copyOf(image), imageBlobs, lanes));
        return finish();
    }

    public void cancel() {
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
                indexes.put(subject, tasks.submit(() -> fallbackIndexes.read(subject)));
            }
        });
        Set<Digest> present = new HashSet<>();
        List<ReferrerDiscovery.Found> missing = new ArrayList<>();
        Map<Digest, Descriptor> all = new LinkedHashMap<>();
        Map<Digest, Descriptor> needed = new LinkedHashMap<>();
        for (ReferrerDiscovery.Found referrer : found.referrers()) {
            boolean there = Futures.join(heads.get(referrer.digest()));
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
        BlobTransfers.Transferred blobs = needed.isEmpty()
                ? BlobTransfers.Transferred.NOTHING
                : transfers.copy(src, srcRepo, dst, dstRepo, needed.values(), lanes);
        return new Prepared(found, present, missing, blobs, all.size(), indexes);
    }

    /** Pushes what the destination lacks (the image is in) and updates its fallback tags. */
    public ReferrerOutcome finish() {
        Prepared ready = Futures.join(prepared);
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
        List<ReferrerPush> done = Futures.joinAll(pushes.values());

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
            Future<Optional<Manifest>> prefetched = ready.destinationIndexes().get(subject);
            indexes.add(tasks.submit(() -> fallbackIndexes.update(
                    subject,
                    listing,
                    wanted,
                    prefetched == null ? fallbackIndexes.read(subject) : Futures.join(prefetched))));
        });
        for (Integer count : Futures.joinAll(indexes)) {
            manifests += count;
        }
        return new ReferrerOutcome(
                pushed.size(),
                skipped,
                manifests,
                ready.blobs().copied(),
                ready.referrerBlobs() - ready.blobs().copied() - ready.blobs().mounted(),
                ready.blobs().bytes(),
                ready.blobs().mounted(),
                ready.blobs().mountedBytes());
    }

    /** The manifests under the referrer by digest, then the referrer, once {@code after} is in. */
    private ReferrerPush push(ReferrerDiscovery.Found referrer, Future<ReferrerPush> after) {
        if (after != null && Futures.join(after).pushed() == null) {
            return skip(referrer, "its subject was not copied", 0);
        }
        int manifests = 0;
        for (Manifest manifest : referrer.tree()) {
            if (manifest != referrer.manifest()) {
                dst.putManifestExactly(dstRepo, manifest.digest().toString(), manifest);
                manifests++;
            }
        }
        try {
            RegistryClient.Pushed pushed =
                    dst.putManifestExactly(dstRepo, referrer.digest().toString(), referrer.manifest());
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
}
