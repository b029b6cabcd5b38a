package org.ecrreplicator.worker.engine.sync;

import java.util.List;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.referrer.SkippedReferrer;

/**
 * What a sync did about one tag that differed.
 *
 * @param difference the tag and how it differed
 * @param digest the digest copied (the source tag resolved when it was copied), or the one deleted
 * @param bytesCopied bytes of blobs transferred for this tag, its referrers' included
 * @param bytesMounted bytes of blobs the destination mounted from another of its repositories for this tag
 *     instead of receiving them (not in {@code bytesCopied}), its referrers' included
 * @param referrersSkipped referrers the destination would not take, each with the reason
 * @param error one line when the action failed (or why it was deferred), else null
 */
public record TagAction(
        TagDifference difference,
        Outcome outcome,
        Digest digest,
        long bytesCopied,
        long bytesMounted,
        int referrersCopied,
        List<SkippedReferrer> referrersSkipped,
        String error) {
    public enum Outcome {
        COPIED,
        DELETED,
        FAILED,
        /** {@code --dry-run}: what a sync would copy. */
        WOULD_COPY,
        /** {@code --dry-run}: what a sync would delete. */
        WOULD_DELETE,
        /** Left alone: its {@link Syncer.Guard} would not admit it (another execution holds the tag). */
        DEFERRED
    }

    public TagAction {
        referrersSkipped = List.copyOf(referrersSkipped);
    }

    static TagAction planned(TagDifference difference, Outcome outcome) {
        Digest digest = difference.kind() == TagDifference.Kind.EXTRA
                ? difference.destinationDigest()
                : difference.sourceDigest();
        return new TagAction(difference, outcome, digest, 0, 0, 0, List.of(), null);
    }

    static TagAction deferred(TagDifference difference, String reason) {
        return new TagAction(difference, Outcome.DEFERRED, null, 0, 0, 0, List.of(), reason);
    }

    static TagAction failed(TagDifference difference, String error) {
        return new TagAction(difference, Outcome.FAILED, null, 0, 0, 0, List.of(), error);
    }
}
