package org.ecrreplicator.worker.status;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.state.ReconcileRun;

/**
 * How {@code replicator status} prints its rows: an aligned table, or one JSON array; and the last reconcile run,
 * as one line or one JSON object.
 */
public final class StatusReport {
    static final String NEVER = "never";
    private static final List<String> HEADINGS = List.of(
            "repository", "tag", "status", "last event", "replicated digest", "last build", "error", "last reconcile");
    private static final List<String> LIVE_HEADINGS = List.of("source now", "destination now", "live");
    /** Enough of a digest to tell two apart at a glance; --json has them whole. */
    private static final int SHORT_DIGEST = "sha256:".length() + 12;

    private StatusReport() {}

    /**
     * @param reconcile the latest run, for the {@code last reconcile} cells
     * @param live with the {@code --live} columns
     */
    public static String table(List<TagStatusRow> rows, LastReconcile reconcile, boolean live) {
        List<List<String>> cells = new ArrayList<>();
        List<String> headings = new ArrayList<>(HEADINGS);
        if (live) {
            headings.addAll(LIVE_HEADINGS);
        }
        cells.add(headings);
        for (TagStatusRow row : rows) {
            List<String> line = new ArrayList<>(List.of(
                    row.repository(),
                    row.name(),
                    row.status().name(),
                    text(row.lastEventTime()),
                    shortDigest(row.replicatedDigest()),
                    orDash(row.buildId()),
                    row.error() == null ? "-" : row.error(),
                    reconcile.cell(row.repository())));
            if (live) {
                LiveState state = row.live();
                line.add(state == null ? "-" : shortDigest(digest(state.source())));
                line.add(state == null ? "-" : shortDigest(digest(state.destination())));
                line.add(state == null ? "-" : state.verdict().text());
            }
            cells.add(line);
        }
        int[] widths = new int[headings.size()];
        for (List<String> line : cells) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, cells.get(0), widths);
        List<String> rules = new ArrayList<>();
        for (int width : widths) {
            rules.add("-".repeat(width));
        }
        line(out, rules, widths);
        for (List<String> line : cells.subList(1, cells.size())) {
            line(out, line, widths);
        }
        return out.toString();
    }

    public static String json(List<TagStatusRow> rows) {
        ArrayNode array = Json.MAPPER.createArrayNode();
        for (TagStatusRow row : rows) {
            ObjectNode node = array.addObject();
            node.put("repository", row.repository());
            node.put("tag", row.tag());
            node.put("digest", row.digest());
            node.put("status", row.status().name());
            node.put("inSync", row.inSync());
            if (row.lastEventId() == null) {
                node.putNull("lastEvent");
            } else {
                node.putObject("lastEvent").put("id", row.lastEventId()).put("time", text(row.lastEventTime()));
            }
            node.put("replicatedDigest", row.replicatedDigest());
            node.put(
                    "replicatedAt",
                    row.replicatedAt() == null ? null : row.replicatedAt().toString());
            node.put("buildId", row.buildId());
            node.put("error", row.error());
            node.put("cause", row.cause());
            node.put(
                    "lastReconcile",
                    row.lastReconcile() == null ? null : row.lastReconcile().toString());
            node.put("updatedAt", row.updatedAt().toString());
            if (row.live() != null) {
                node.putObject("live")
                        .put("sourceDigest", digest(row.live().source()))
                        .put("destinationDigest", digest(row.live().destination()))
                        .put("verdict", row.live().verdict().name())
                        .put("error", row.live().error());
            }
        }
        return array.toString();
    }

    /**
     * {@code --last-reconcile --json}: {@code {"lastReconcile": {runId, status, prefix, startedAt, endedAt,
     * shards, failedShards, counts {...}, driftLeft}}}, or {@code {"lastReconcile": null}}.
     */
    public static String json(LastReconcile reconcile) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ReconcileRun run = reconcile.run();
        if (run == null) {
            root.putNull("lastReconcile");
            return root.toString();
        }
        ObjectNode node = root.putObject("lastReconcile");
        node.put("runId", run.runId());
        node.put("status", run.status().name());
        node.put("prefix", run.prefix());
        node.put("startedAt", run.startedAt().toString());
        node.put("endedAt", run.endedAt() == null ? null : run.endedAt().toString());
        node.put("shards", run.shards());
        node.put("failedShards", run.failedShards());
        ObjectNode counts = node.putObject("counts");
        run.counts().asMap().forEach(counts::put);
        node.put("driftLeft", run.counts().driftLeft());
        return root.toString();
    }

    private static void line(StringBuilder out, List<String> cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            if (i > 0) {
                line.append("  ");
            }
            line.append(cells.get(i)).append(" ".repeat(widths[i] - cells.get(i).length()));
        }
        out.append(line.toString().stripTrailing()).append('\n');
    }

    private static String digest(Digest digest) {
        return digest == null ? null : digest.toString();
    }

    private static String shortDigest(String digest) {
        if (digest == null) {
            return "-";
        }
        return digest.length() > SHORT_DIGEST ? digest.substring(0, SHORT_DIGEST) : digest;
    }

    private static String text(Instant time) {
        return time == null ? "-" : time.toString();
    }

    private static String orDash(String text) {
        return text == null ? "-" : text;
    }
}
