package org.ecrreplicator.worker.status;

import java.util.List;
import org.ecrreplicator.state.TagStateStore;

/**
 * Which per-tag items {@code replicator status} shows: all, one repository's, or one tag's; optionally only those
 * out of sync ({@link TagStatusRow#SETTLED}).
 *
 * @param repository null: every repository
 * @param tag null: every tag of {@code repository}; never set without it
 */
public record StatusQuery(String repository, String tag, boolean outOfSyncOnly) {
    /** Items a scan page reads: a page is one request, small enough to stay well under 1 MB of items. */
    public static final int PAGE_SIZE = 500;

    public StatusQuery {
        if (tag != null && repository == null) {
            throw new IllegalArgumentException("a tag needs its repository");
        }
    }

    /** {@code REPOSITORY} or {@code REPOSITORY:TAG}; null for everything. */
    public static StatusQuery parse(String target, boolean outOfSyncOnly) {
        if (target == null || target.isBlank()) {
            return new StatusQuery(null, null, outOfSyncOnly);
        }
        int colon = target.lastIndexOf(':');
        if (colon == 0 || colon == target.length() - 1 || target.contains("@") || target.contains("/:")) {
            throw new IllegalArgumentException(
                    "'" + target + "' is not REPOSITORY or REPOSITORY:TAG (e.g. team/app or team/app:1.0)");
        }
        return colon < 0
                ? new StatusQuery(target, null, outOfSyncOnly)
                : new StatusQuery(target.substring(0, colon), target.substring(colon + 1), outOfSyncOnly);
    }

    /**
     * The rows, sorted by repository and tag. One tag is a consistent read of its item; anything wider is a scan
     * of the whole table (DynamoDB filters after reading, so narrowing in the scan would cost the same reads).
     */
    public List<TagStatusRow> run(TagStateStore store) {
        List<TagStatusRow> rows = tag != null
                ? store.load(repository + ":" + tag).map(TagStatusRow::of).stream()
                        .toList()
                : store.scanTags(PAGE_SIZE).stream()
                        .map(TagStatusRow::of)
                        .filter(row -> repository == null || row.repository().equals(repository))
                        .toList();
        return rows.stream()
                .filter(row -> !outOfSyncOnly || !row.inSync())
                .sorted(TagStatusRow.ORDER)
                .toList();
    }
}
