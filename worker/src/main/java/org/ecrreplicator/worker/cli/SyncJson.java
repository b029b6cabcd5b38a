package org.ecrreplicator.worker.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.worker.engine.referrer.SkippedReferrer;
import org.ecrreplicator.worker.engine.sync.RegistryDiff;
import org.ecrreplicator.worker.engine.sync.RepositoryError;
import org.ecrreplicator.worker.engine.sync.SyncReport;
import org.ecrreplicator.worker.engine.sync.TagAction;
import org.ecrreplicator.worker.engine.sync.TagDifference;

/** The {@code --json} shapes of {@code diff} and {@code sync} (README, docs/decisions/0064). */
final class SyncJson {
    private SyncJson() {}

    /** {@code {"inSync", "missing", "stale", "extra", "errors"}}; {@code repository} is the path below the prefixes. */
    static ObjectNode diff(RegistryDiff diff) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("inSync", diff.inSyncTags());
        ArrayNode missing = node.putArray("missing");
        diff.missing().forEach(tag -> {
            ObjectNode entry = tagEntry(missing, tag);
            entry.put("sourceDigest", text(tag.sourceDigest()));
        });
        ArrayNode stale = node.putArray("stale");
        diff.stale().forEach(tag -> {
            ObjectNode entry = tagEntry(stale, tag);
            entry.put("sourceDigest", text(tag.sourceDigest()));
            entry.put("destinationDigest", text(tag.destinationDigest()));
        });
        ArrayNode extra = node.putArray("extra");
        diff.extra().forEach(tag -> {
            ObjectNode entry = tagEntry(extra, tag);
            entry.put("destinationDigest", text(tag.destinationDigest()));
        });
        ArrayNode errors = node.putArray("errors");
        for (RepositoryError error : diff.errors()) {
            errors.addObject().put("repository", error.repository()).put("reason", error.reason());
        }
        return node;
    }

    /**
     * {@code {"before": diff, "actions": [...], "counts": {...}, "converged", "after": diff of the repositories
     * changed, or null}}.
     */
    static String sync(SyncReport report) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.set("before", diff(report.before()));
        ArrayNode actions = node.putArray("actions");
        for (TagAction action : report.actions()) {
            ObjectNode entry = tagEntry(actions, action.difference());
            entry.put("difference", action.difference().kind().name().toLowerCase(java.util.Locale.ROOT));
            entry.put("outcome", action.outcome().name().toLowerCase(java.util.Locale.ROOT));
            entry.put("digest", text(action.digest()));
            entry.put("bytesCopied", action.bytesCopied());
            entry.put("bytesMounted", action.bytesMounted());
            entry.put("referrersCopied", action.referrersCopied());
            ArrayNode skipped = entry.putArray("referrersSkipped");
            for (SkippedReferrer referrer : action.referrersSkipped()) {
                skipped.addObject().put("digest", referrer.digest().toString()).put("reason", referrer.reason());
            }
            entry.put("error", action.error());
        }
        ObjectNode counts = node.putObject("counts");
        counts.put("copied", report.count(TagAction.Outcome.COPIED));
        counts.put("inSync", report.before().inSyncTags());
        counts.put("deleted", report.count(TagAction.Outcome.DELETED));
        counts.put("failed", report.count(TagAction.Outcome.FAILED));
        counts.put("wouldCopy", report.count(TagAction.Outcome.WOULD_COPY));
        counts.put("wouldDelete", report.count(TagAction.Outcome.WOULD_DELETE));
        counts.put("unreadableRepositories", report.before().errors().size());
        counts.put("bytesCopied", report.bytesCopied());
        counts.put("bytesMounted", report.bytesMounted());
        node.put("converged", report.converged());
        if (report.after() == null) {
            node.putNull("after");
        } else {
            node.set("after", diff(report.after()));
        }
        return Json.write(node);
    }

    private static ObjectNode tagEntry(ArrayNode array, TagDifference tag) {
        return array.addObject().put("repository", tag.repository()).put("tag", tag.tag());
    }

    private static String text(Digest digest) {
        return digest == null ? null : digest.toString();
    }
}
