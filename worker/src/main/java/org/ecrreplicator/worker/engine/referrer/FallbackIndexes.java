package org.ecrreplicator.worker.engine.referrer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.engine.manifest.Digests;
import org.ecrreplicator.worker.engine.manifest.JsonTree;
import org.ecrreplicator.worker.engine.manifest.Manifest;
import org.ecrreplicator.worker.engine.manifest.ManifestException;
import org.ecrreplicator.worker.engine.manifest.MediaTypes;
import org.ecrreplicator.worker.engine.manifest.ReferrerListing;
import org.ecrreplicator.worker.engine.registry.RegistryClient;

/**
 * The destination repository's referrers indexes under fallback tags ({@code <alg>-<hex>}): read, and made
 * to list what they must without losing an entry.
 */
final class FallbackIndexes {
    private final RegistryClient dst;
    private final String dstRepo;

    FallbackIndexes(RegistryClient dst, String dstRepo) {
        this.dst = dst;
        this.dstRepo = dstRepo;
    }

    /** The index under the subject's fallback tag at the destination, if any. */
    Optional<Manifest> read(Digest subject) {
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
    int update(
            Digest subject, ReferrerListing listing, List<ReferrerListing.Entry> wanted, Optional<Manifest> existing) {
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
                dst.putManifestExactly(dstRepo, tag, source);
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
        byte[] bytes = JsonTree.write(document).getBytes(StandardCharsets.UTF_8);
        String mediaType =
                existing.map(Manifest::mediaType).orElse(source == null ? MediaTypes.OCI_INDEX : source.mediaType());
        Manifest index = Manifest.parse(bytes, mediaType, Digests.of(subject.algorithm(), bytes));
        dst.putManifestExactly(dstRepo, tag, index);
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
        } catch (IOException e) {
            throw new ManifestException("referrers index " + manifest.digest() + " is not valid JSON");
        }
    }
}
