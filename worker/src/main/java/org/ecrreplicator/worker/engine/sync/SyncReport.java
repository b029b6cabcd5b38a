package org.ecrreplicator.worker.engine.sync;

import java.util.List;

/**
 * What a sync found and did.
 *
 * @param before the comparison the sync started from
 * @param actions one per tag copied, deleted, failed (or, dry, that would be), sorted by repository and tag
 * @param after the comparison, once done, of the repositories the sync changed; null when it changed none
 * @param converged whether the destination now matches the source wherever it was compared: nothing was
 *     unreadable, nothing failed, the repositories changed compare equal again, and no extra tag was left
 */
public record SyncReport(RegistryDiff before, List<TagAction> actions, RegistryDiff after, boolean converged) {
    public SyncReport {
        actions = actions.stream()
                .sorted((a, b) -> TagDifference.ORDER.compare(a.difference(), b.difference()))
                .toList();
    }

    public long count(TagAction.Outcome outcome) {
        return actions.stream().filter(action -> action.outcome() == outcome).count();
    }

    public long bytesCopied() {
        return actions.stream().mapToLong(TagAction::bytesCopied).sum();
    }

    public long bytesMounted() {
        return actions.stream().mapToLong(TagAction::bytesMounted).sum();
    }

    /** Whether something could not be read, copied or deleted (rather than merely differing). */
    public boolean hasErrors() {
        return !before.errors().isEmpty()
                || count(TagAction.Outcome.FAILED) > 0
                || (after != null && !after.errors().isEmpty());
    }
}
