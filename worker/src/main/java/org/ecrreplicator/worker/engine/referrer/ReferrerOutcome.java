package org.ecrreplicator.worker.engine.referrer;

import java.util.List;

/**
 * What copying an image's referrers did.
 *
 * @param copied referrers pushed
 * @param skipped referrers the destination would not take, each with the reason
 * @param manifestsPushed every manifest {@code PUT}: referrers, the manifests under them, fallback indexes
 * @param blobsCopied blobs of referrers transferred (not those the image has too)
 * @param blobsSkipped blobs of referrers the destination had already
 * @param blobsMounted blobs of referrers mounted from another repository of the destination registry
 */
public record ReferrerOutcome(
        int copied,
        List<SkippedReferrer> skipped,
        int manifestsPushed,
        int blobsCopied,
        int blobsSkipped,
        long bytesCopied,
        int blobsMounted,
        long bytesMounted) {
    public static final ReferrerOutcome NONE = new ReferrerOutcome(0, List.of(), 0, 0, 0, 0, 0, 0);
}
