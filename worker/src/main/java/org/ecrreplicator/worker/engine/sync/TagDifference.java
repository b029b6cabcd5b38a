package org.ecrreplicator.worker.engine.sync;

import java.util.Comparator;
import org.ecrreplicator.domain.Digest;

/**
 * One tag that differs between source and destination.
 *
 * @param repository the repository's path below the prefixes, the same on both sides
 * @param sourceDigest what the source tag names; null for an extra tag
 * @param destinationDigest what the destination tag names; null for a missing tag
 */
public record TagDifference(Kind kind, String repository, String tag, Digest sourceDigest, Digest destinationDigest) {
    public enum Kind {
        /** The source has the tag, the destination does not. */
        MISSING,
        /** Both have the tag, naming different digests. */
        STALE,
        /** The destination has the tag, the source does not. */
        EXTRA
    }

    static final Comparator<TagDifference> ORDER =
            Comparator.comparing(TagDifference::repository).thenComparing(TagDifference::tag);
}
