package org.ecrreplicator.worker.engine.registry;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.manifest.Manifest;
import org.ecrreplicator.worker.engine.manifest.MediaTypes;
import org.ecrreplicator.worker.engine.manifest.ReferrerListing;

/**
 * One registry's referrers of a manifest (OCI 1.1): its referrers API where it has one, else the index under
 * the fallback tag. Whether it has the API is learned once per registry.
 */
final class ReferrersLookup {
    private final RegistryExchange exchange;
    /** The manifest at a repository and reference, or empty: how the fallback index is read. */
    private final BiFunction<String, String, Optional<Manifest>> manifests;

    /**
     * Whether this registry has the referrers API: unknown until the first answer, then remembered, so a
     * registry is probed once however many subjects are asked about at the same time. A future completed
     * with null means the probe failed and the next caller probes again.
     */
    private final AtomicReference<CompletableFuture<Boolean>> referrersApi = new AtomicReference<>();

    /**
     * Per repository, the fallback tags its last complete tag listing held (docs/decisions/0074-sync-trusts-its-own-listing.md): a subject
     * whose fallback tag was not among them has no fallback index as of that listing, so it is not asked for,
     * a request saved per manifest when a sync copies a registry it has just listed. A listing that started
     * before this client pushed a manifest to the repository is not kept, and a push forgets the listing, so
     * the client never misses what it pushed itself.
     */
    private final Map<String, Set<String>> listedFallbackTags = new HashMap<>();

    private final Map<String, Long> lastPush = new HashMap<>();
    private long clock;

    ReferrersLookup(RegistryExchange exchange, BiFunction<String, String, Optional<Manifest>> manifests) {
        this.exchange = exchange;
        this.manifests = manifests;
    }

    /**
     * The manifests that name {@code subject} as theirs: from the referrers API ({@code GET
     * /v2/<name>/referrers/<digest>}), or, where the registry lacks it (it answers 404, which a registry with
     * the API never does), from the index under the fallback tag {@code <alg>-<hex>}. Where the API lists
     * referrers, the fallback tag is read as well: entries only it lists are added, and its index is
     * returned, so that a copy can carry the tag along.
     */
    ReferrerListing referrers(String repository, Digest subject) {
        while (true) {
            CompletableFuture<Boolean> known = referrersApi.get();
            if (known == null) {
                CompletableFuture<Boolean> probe = new CompletableFuture<>();
                if (!referrersApi.compareAndSet(null, probe)) {
                    continue;
                }
                Optional<List<ReferrerListing.Entry>> listed;
                try {
                    listed = fromApi(repository, subject);
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
                return listing(repository, subject, hasApi ? fromApi(repository, subject) : Optional.empty());
            }
        }
    }

    /** What a listing starts with: the moment {@link #listed} compares with this client's pushes. */
    synchronized long listingStarts() {
        return ++clock;
    }

    /** Every tag of {@code repository}, as a listing that started at {@code started} found them. */
    synchronized void listed(String repository, long started, List<String> tags) {
        if (lastPush.getOrDefault(repository, 0L) > started) {
            return;
        }
        Set<String> fallbackTags = new HashSet<>();
        tags.stream().filter(ReferrerListing::looksLikeFallbackTag).forEach(fallbackTags::add);
        listedFallbackTags.put(repository, fallbackTags);
    }

    /** This client is pushing a manifest to {@code repository}: what a listing said of it no longer holds. */
    synchronized void pushing(String repository) {
        lastPush.put(repository, ++clock);
        listedFallbackTags.remove(repository);
    }

    private synchronized boolean listedWithout(String repository, String tag) {
        Set<String> listed = listedFallbackTags.get(repository);
        return listed != null && !listed.contains(tag);
    }

    private ReferrerListing listing(String repository, Digest subject, Optional<List<ReferrerListing.Entry>> fromApi) {
        if (fromApi.isPresent() && fromApi.get().isEmpty()) {
            return new ReferrerListing(subject, List.of(), null);
        }
        String tag = ReferrerListing.fallbackTag(subject);
        Optional<Manifest> index = listedWithout(repository, tag)
                ? Optional.empty()
                : manifests.apply(repository, tag).filter(Manifest::isIndex);
        List<ReferrerListing.Entry> entries = new ArrayList<>(fromApi.orElse(List.of()));
        if (index.isPresent()) {
            List<Digest> listed =
                    entries.stream().map(ReferrerListing.Entry::digest).toList();
            String where = "the referrers index " + repository + ":" + tag + " at " + exchange.authority();
            for (ReferrerListing.Entry entry : ReferrerListing.entries(
                    RegistryExchange.parseJson(index.get().bytes(), where), where)) {
                if (!listed.contains(entry.digest())) {
                    entries.add(entry);
                }
            }
        }
        return new ReferrerListing(subject, entries, index.orElse(null));
    }

    /** Every page of the referrers API's answer, or empty when the registry has no such API (404). */
    private Optional<List<ReferrerListing.Entry>> fromApi(String repository, Digest subject) {
        String what = "GET referrers of " + repository + "@" + subject + " from " + exchange.authority();
        List<byte[]> pages = exchange.pages(repository, "/referrers/" + subject, MediaTypes.OCI_INDEX, what);
        if (pages == null) {
            return Optional.empty();
        }
        List<ReferrerListing.Entry> entries = new ArrayList<>();
        Set<Digest> seen = new HashSet<>();
        for (byte[] page : pages) {
            for (ReferrerListing.Entry entry : ReferrerListing.entries(
                    RegistryExchange.parseJson(page, what), "the referrers API of " + exchange.authority())) {
                if (seen.add(entry.digest())) {
                    entries.add(entry);
                }
            }
        }
        return Optional.of(entries);
    }
}
