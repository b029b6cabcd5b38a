package org.ecrreplicator.worker.engine;

import java.util.List;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.worker.engine.referrer.SkippedReferrer;

/**
 * What a copy did.
 *
 * @param digest the copied image's digest (the source tag resolved at copy time), identical at both ends
 * @param destination where it is now, by tag when it was copied to a tag
 * @param manifests manifests in the image: the top one, and every child of an index (referrers not counted)
 * @param blobsCopied blobs transferred, the referrers' included
 * @param blobsSkipped blobs the destination had already, the referrers' included
 * @param bytesCopied bytes of the blobs transferred
 * @param blobsMounted blobs the destination mounted from another of its repositories instead of an upload,
 *     the referrers' included
 * @param bytesMounted bytes of the blobs mounted (not sent)
 * @param referrersCopied referrers (signatures, SBOMs, attestations naming the image as their subject, and
 *     theirs in turn) pushed to the destination by this copy
 * @param referrersSkipped referrers the destination would not take, each with the reason
 * @param manifestsPushed every manifest {@code PUT} at the destination: the image's, the tag, referrers and
 *     referrers indexes under fallback tags
 */
public record CopyResult(
        Digest digest,
        String mediaType,
        ImageReference destination,
        int manifests,
        int blobsCopied,
        int blobsSkipped,
        long bytesCopied,
        int blobsMounted,
        long bytesMounted,
        double seconds,
        int referrersCopied,
        List<SkippedReferrer> referrersSkipped,
        int manifestsPushed) {
    public CopyResult {
        referrersSkipped = List.copyOf(referrersSkipped);
    }

    /** Whether the copy wrote anything at the destination. */
    public boolean changed() {
        return blobsCopied > 0 || blobsMounted > 0 || manifestsPushed > 0;
    }
}
