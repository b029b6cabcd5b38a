package org.ecrreplicator.worker.engine;

import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageReference;

/**
 * What a copy did.
 *
 * @param digest the copied image's digest (the source tag resolved at copy time), identical at both ends
 * @param destination where it is now, by tag when it was copied to a tag
 * @param manifests manifests in the image: the top one, and every child of an index
 * @param blobsCopied blobs transferred
 * @param blobsSkipped blobs the destination had already
 * @param bytesCopied bytes of the blobs transferred
 */
public record CopyResult(
        Digest digest,
        String mediaType,
        ImageReference destination,
        int manifests,
        int blobsCopied,
        int blobsSkipped,
        long bytesCopied,
        double seconds) {}
