package org.ecrreplicator.worker.engine.manifest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.InvalidReferenceException;

/**
 * What a registry lists as referrers of one manifest (OCI 1.1): the descriptors from its referrers API or
 * from the index under the fallback tag {@code <alg>-<hex>}, and that index itself when there is one.
 *
 * @param entries the listed descriptors in the registry's order, each once
 * @param fallbackIndex the index under the fallback tag, or null when the registry has none
 */
public record ReferrerListing(Digest subject, List<Entry> entries, Manifest fallbackIndex) {
    /** The longest tag a registry accepts. */
    private static final int MAX_TAG_LENGTH = 128;

    /**
     * One listed referrer.
     *
     * @param json the descriptor as listed, written into a merged fallback index as it is
     */
    public record Entry(Digest digest, String mediaType, long size, String artifactType, Map<String, Object> json) {}

    public ReferrerListing {
        entries = List.copyOf(entries);
    }

    public boolean isEmpty() {
        return entries.isEmpty() && fallbackIndex == null;
    }

    /** The entries of the fallback index alone, in its order; empty when there is none. */
    public List<Entry> fallbackEntries() {
        if (fallbackIndex == null) {
            return List.of();
        }
        String where = "referrers index " + fallbackIndex.digest();
        try {
            return entries(JsonTree.parse(fallbackIndex.bytes()), where);
        } catch (java.io.IOException e) {
            throw new ManifestException(where + " is not valid JSON: " + e.getMessage());
        }
    }

    public List<Digest> digests() {
        return entries.stream().map(Entry::digest).toList();
    }

    /** The referrers tag schema's tag for {@code subject}: {@code sha256:<hex>} becomes {@code sha256-<hex>}. */
    public static String fallbackTag(Digest subject) {
        String tag = subject.algorithm() + "-" + subject.encoded();
        return tag.length() > MAX_TAG_LENGTH ? tag.substring(0, MAX_TAG_LENGTH) : tag;
    }

    /** Whether {@code tag} has the shape of a fallback tag (it may still be an ordinary tag). */
    public static boolean looksLikeFallbackTag(String tag) {
        return tag.matches("sha(256|384|512)-[0-9a-f]{32,}");
    }

    /**
     * The {@code manifests} of an image index, each once (the first of duplicates kept).
     *
     * @param where names the document for error messages
     */
    public static List<Entry> entries(Object index, String where) {
        List<Entry> entries = new ArrayList<>();
        java.util.Set<Digest> seen = new java.util.HashSet<>();
        for (Object node : JsonTree.array(index, "manifests")) {
            if (!(node instanceof Map<?, ?>)) {
                throw new ManifestException(where + " lists a referrer that is not a JSON object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> json = (Map<String, Object>) node;
            String text = JsonTree.string(json, "digest");
            Digest digest;
            try {
                digest = text == null ? null : Digest.parse(text);
            } catch (InvalidReferenceException e) {
                throw new ManifestException(where + " lists a referrer with an invalid digest: " + e.getMessage());
            }
            if (digest == null || !(JsonTree.member(json, "size") instanceof Long size) || size < 0) {
                throw new ManifestException(where + " lists a referrer without a digest and size");
            }
            if (seen.add(digest)) {
                entries.add(new Entry(
                        digest, JsonTree.string(json, "mediaType"), size, JsonTree.string(json, "artifactType"), json));
            }
        }
        return entries;
    }
}
