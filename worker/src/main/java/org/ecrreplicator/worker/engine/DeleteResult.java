package org.ecrreplicator.worker.engine;

import java.util.List;
import org.ecrreplicator.domain.Digest;

/**
 * What a delete did.
 *
 * @param deleted false when there was nothing to delete (no such tag, digest or repository)
 * @param digest the deleted (or untagged) image's digest when known
 * @param removedDigest the digest whose manifest was deleted: a delete by digest, or a tag delete on a
 *     registry that cannot untag (even when sibling tags were put back); null for an untag or nothing deleted
 * @param restoredTags tags that named the same digest and were put back after the digest was deleted
 */
public record DeleteResult(boolean deleted, Digest digest, Digest removedDigest, List<String> restoredTags) {
    public DeleteResult {
        restoredTags = List.copyOf(restoredTags);
    }

    static DeleteResult nothing(Digest digest) {
        return new DeleteResult(false, digest, null, List.of());
    }
}
