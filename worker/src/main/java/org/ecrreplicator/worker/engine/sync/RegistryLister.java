package org.ecrreplicator.worker.engine.sync;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.manifest.ReferrerListing;

/** What a registry holds: its repositories, and each repository's tags with their digests. */
public interface RegistryLister {
    /** Every repository of the registry, each followed to the last page. */
    List<String> repositories();

    /**
     * The user tags of {@code repository} and the digest each names now; empty when the repository does not
     * exist. Referrer fallback tags ({@code sha256-<hex>}) are left out: they travel with their subject.
     */
    Optional<Map<String, Digest>> tags(String repository);

    /** Whether {@code tag} is a user's tag rather than a referrers fallback tag. */
    static boolean isUserTag(String tag) {
        return !ReferrerListing.looksLikeFallbackTag(tag);
    }
}
