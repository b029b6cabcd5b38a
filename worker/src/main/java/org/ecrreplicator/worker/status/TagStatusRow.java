package org.ecrreplicator.worker.status;

import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.Set;
import org.ecrreplicator.domain.state.TagState;
import org.ecrreplicator.domain.state.TagStatus;

/**
 * One per-tag item as {@code replicator status} shows it.
 *
 * @param tag null for an item keyed by digest ({@code repo@digest}); then {@code digest} holds it
 * @param lastReconcile when the latest reconcile run that covered the tag's repository ended ({@link
 *     LastReconcile#reconciledAt}); null when no ended run covered it
 * @param live what the registries hold now ({@code --live}); null when they were not asked
 */
public record TagStatusRow(
        String repository,
        String tag,
        String digest,
        TagStatus status,
        boolean inSync,
        String lastEventId,
        Instant lastEventTime,
        String replicatedDigest,
        Instant replicatedAt,
        String buildId,
        String error,
        String cause,
        Instant lastReconcile,
        Instant updatedAt,
        LiveState live) {

    /**
     * The statuses in which the last build settled the tag on what the source held when it ran: copied (or
     * already there), removed, nothing to remove, or gone at the source while deletes do not replicate. Every
     * other status is a replication in flight ({@code LEASED}, {@code BUILDING}) or one that failed ({@code
     * FAILED}): out of sync.
     */
    public static final Set<TagStatus> SETTLED =
            EnumSet.of(TagStatus.REPLICATED, TagStatus.DELETED, TagStatus.NOTHING_TO_DELETE, TagStatus.SOURCE_GONE);

    public static final Comparator<TagStatusRow> ORDER =
            Comparator.comparing(TagStatusRow::repository).thenComparing(TagStatusRow::name);

    public static TagStatusRow of(TagState state) {
        String key = state.imageKey();
        int at = key.indexOf('@');
        int colon = key.lastIndexOf(':');
        String repository;
        String tag = null;
        String digest = null;
        if (at >= 0) {
            repository = key.substring(0, at);
            digest = key.substring(at + 1);
        } else {
            repository = colon < 0 ? key : key.substring(0, colon);
            tag = colon < 0 ? null : key.substring(colon + 1);
        }
        return new TagStatusRow(
                repository,
                tag,
                digest,
                state.status(),
                SETTLED.contains(state.status()),
                state.lastSeen() == null ? null : state.lastSeen().eventId(),
                state.lastSeen() == null ? null : state.lastSeen().time(),
                state.replicatedDigest() == null
                        ? null
                        : state.replicatedDigest().toString(),
                state.replicatedAt(),
                state.buildId(),
                state.error(),
                state.cause(),
                null,
                state.updatedAt(),
                null);
    }

    public TagStatusRow withLastReconcile(Instant value) {
        return new TagStatusRow(
                repository,
                tag,
                digest,
                status,
                inSync,
                lastEventId,
                lastEventTime,
                replicatedDigest,
                replicatedAt,
                buildId,
                error,
                cause,
                value,
                updatedAt,
                live);
    }

    public TagStatusRow withLive(LiveState value) {
        return new TagStatusRow(
                repository,
                tag,
                digest,
                status,
                inSync,
                lastEventId,
                lastEventTime,
                replicatedDigest,
                replicatedAt,
                buildId,
                error,
                cause,
                lastReconcile,
                updatedAt,
                value);
    }

    /** What names the image in its repository: the tag, else the digest of an item keyed by digest. */
    public String reference() {
        return tag != null ? tag : digest;
    }

    /** The tag, or {@code @digest} for an item keyed by digest. */
    public String name() {
        return tag != null ? tag : "@" + digest;
    }
}
