package org.ecrreplicator.worker.engine.referrer;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.manifest.Manifest;
import org.ecrreplicator.worker.engine.manifest.ManifestException;
import org.ecrreplicator.worker.engine.manifest.ReferrerListing;
import org.ecrreplicator.worker.engine.registry.RegistryClient;
import org.ecrreplicator.worker.engine.registry.RegistryException;

/**
 * Finds, at the source, every manifest that refers to an image through OCI 1.1 {@code subject}: referrers
 * of the image's manifests, of the manifests under each referrer, and so on. Subjects are asked about as
 * soon as their digests are known, each on its own task, so discovery runs while the image's blobs stream.
 * Source-side requests only.
 *
 * <p>Bounded: referrers of referrers at most {@value #MAX_DEPTH} levels deep, and at most {@value
 * #MAX_MANIFESTS} referrer manifests per copy; beyond either the copy fails with a {@link
 * ReferrerLimitException}.
 */
final class ReferrerDiscovery {
    static final int MAX_DEPTH = 4;
    static final int MAX_MANIFESTS = 1000;

    /**
     * A referrer found at the source.
     *
     * @param subject the manifest whose listing named it
     * @param depth 1 when {@code subject} is one of the image's manifests, 2 for a referrer of a referrer, ...
     * @param tree the manifest and the manifests under it, children before parents (itself last)
     */
    record Found(ReferrerListing.Entry entry, Digest subject, int depth, Manifest manifest, List<Manifest> tree) {
        Digest digest() {
            return manifest.digest();
        }
    }

    /**
     * What discovery found.
     *
     * @param referrers in push order: level by level, each level in the order of its subjects and listings
     * @param listings every subject with referrers or a fallback tag, in the same order
     */
    record Result(List<Found> referrers, Map<Digest, ReferrerListing> listings) {
        boolean isEmpty() {
            return listings.isEmpty();
        }
    }

    private final ExecutorService tasks;
    private final RegistryClient source;
    private final String repository;
    private final Set<Digest> asked = ConcurrentHashMap.newKeySet();
    private final Set<Digest> claimed = ConcurrentHashMap.newKeySet();
    private final Map<Digest, ReferrerListing> listings = new ConcurrentHashMap<>();
    private final Map<Digest, Found> found = new ConcurrentHashMap<>();
    private final AtomicInteger manifests = new AtomicInteger();
    private final Queue<Future<?>> pending = new ConcurrentLinkedQueue<>();

    ReferrerDiscovery(ExecutorService tasks, RegistryClient source, String repository) {
        this.tasks = tasks;
        this.source = source;
        this.repository = repository;
    }

    /** Starts asking the source for the referrers of one of the image's manifests. */
    void imageManifest(Digest digest) {
        ask(digest, 1);
    }

    private void ask(Digest subject, int depth) {
        if (asked.add(subject)) {
            pending.add(tasks.submit(() -> {
                list(subject, depth);
                return null;
            }));
        }
    }

    private void list(Digest subject, int depth) {
        ReferrerListing listing = source.referrers(repository, subject);
        if (listing.isEmpty()) {
            return;
        }
        if (depth > MAX_DEPTH && !listing.entries().isEmpty()) {
            throw new ReferrerLimitException("referrers at " + source.authority() + "/" + repository
                    + " nest more than " + MAX_DEPTH + " deep ("
                    + listing.entries().get(0).digest() + " refers to "
                    + subject + ", itself " + MAX_DEPTH + " referrers away from the image): copy without referrers"
                    + " (--no-referrers, " + BuildVariables.COPY_REFERRERS
                    + "=false) or remove the chain at the source");
        }
        listings.put(subject, listing);
        for (ReferrerListing.Entry entry : listing.entries()) {
            if (claimed.add(entry.digest())) {
                pending.add(tasks.submit(() -> {
                    fetch(entry, subject, depth);
                    return null;
                }));
            }
        }
    }

    private void fetch(ReferrerListing.Entry entry, Digest subject, int depth) {
        Manifest manifest = get(entry.digest(), "lists " + entry.digest() + " as a referrer of " + subject);
        List<Manifest> tree = new ArrayList<>();
        collect(manifest, tree, 0);
        found.put(entry.digest(), new Found(entry, subject, depth, manifest, List.copyOf(tree)));
        for (Manifest under : tree) {
            ask(under.digest(), depth + 1);
        }
    }

    /** The manifest and those under it, children first; every one counts against the bound. */
    private void collect(Manifest manifest, List<Manifest> out, int nesting) {
        count(manifest);
        if (nesting > 4) {
            throw new ManifestException("referrer " + manifest.digest() + " nests indexes more than 4 deep");
        }
        for (Descriptor child : manifest.children()) {
            if (out.stream().noneMatch(done -> done.digest().equals(child.digest()))) {
                collect(get(child.digest(), "lists " + child.digest() + " in " + manifest.digest()), out, nesting + 1);
            }
        }
        out.add(manifest);
    }

    private Manifest get(Digest digest, String listedAs) {
        return source.getManifest(repository, digest.toString())
                .orElseThrow(() -> new RegistryException(
                        "source " + source.authority() + "/" + repository + " " + listedAs + " but does not have it",
                        404,
                        "MANIFEST_UNKNOWN"));
    }

    private void count(Manifest manifest) {
        if (manifests.incrementAndGet() > MAX_MANIFESTS) {
            throw new ReferrerLimitException("the image at " + source.authority() + "/" + repository + " has more than "
                    + MAX_MANIFESTS + " referrer manifests (" + manifest.digest() + " is one too many): copy without"
                    + " referrers (--no-referrers, " + BuildVariables.COPY_REFERRERS
                    + "=false) or prune them at the source");
        }
    }

    /**
     * Waits for everything discovery started, including what it started while waiting.
     *
     * @param image the image's manifests in the order they were asked about
     */
    Result await(List<Digest> image) {
        RuntimeException failure = null;
        for (Future<?> next; (next = pending.poll()) != null; ) {
            try {
                next.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                cancelAll();
                throw new ReplicatorException("interrupted while discovering referrers", e);
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException runtime
                            ? runtime
                            : new ReplicatorException(
                                    String.valueOf(e.getCause().getMessage()), e.getCause());
                    cancelAll();
                }
            } catch (java.util.concurrent.CancellationException e) {
                // cancelled after the first failure
            }
        }
        if (failure != null) {
            throw failure;
        }
        return order(image);
    }

    /** Stops whatever discovery still has running (the copy failed or ended). */
    void cancel() {
        cancelAll();
    }

    private void cancelAll() {
        pending.forEach(task -> task.cancel(true));
    }

    /** Breadth first from the image's manifests: a referrer always comes after the manifest it refers to. */
    private Result order(List<Digest> image) {
        List<Found> referrers = new ArrayList<>();
        Map<Digest, ReferrerListing> ordered = new java.util.LinkedHashMap<>();
        Set<Digest> placed = new java.util.HashSet<>();
        Deque<Digest> subjects = new ArrayDeque<>(image);
        while (!subjects.isEmpty()) {
            Digest subject = subjects.poll();
            ReferrerListing listing = listings.get(subject);
            if (listing == null || ordered.containsKey(subject)) {
                continue;
            }
            ordered.put(subject, listing);
            for (ReferrerListing.Entry entry : listing.entries()) {
                Found referrer = found.get(entry.digest());
                if (referrer != null && placed.add(referrer.digest())) {
                    // Pushed after the subject it is placed under here, whichever listing found it first.
                    referrers.add(new Found(
                            referrer.entry(), subject, referrer.depth(), referrer.manifest(), referrer.tree()));
                    referrer.tree().forEach(manifest -> subjects.add(manifest.digest()));
                }
            }
        }
        return new Result(List.copyOf(referrers), java.util.Collections.unmodifiableMap(ordered));
    }
}
