package org.ecrreplicator.worker.redrive;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.ecrreplicator.domain.Durations;
import org.ecrreplicator.domain.Json;

/**
 * What {@code replicator redrive} did, or would do: one row per failed, timed-out or aborted execution that
 * stopped within the window, and with {@code --dlq} one row per queue.
 */
public record RedriveReport(
        String stack, Duration since, boolean dryRun, List<ExecutionRow> executions, List<QueueRow> queues) {

    public RedriveReport {
        executions = List.copyOf(executions);
        queues = List.copyOf(queues);
    }

    /** What happened to an execution. */
    public enum Action {
        REDRIVEN("redriven"),
        WOULD_REDRIVE("would redrive"),
        SKIPPED("skipped"),
        FAILED("failed");

        private final String text;

        Action(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /**
     * @param tag the request's image key ({@code repo:tag} or {@code repo@digest}); null when the input is not a
     *     replication request
     */
    public record ExecutionRow(
            String name,
            String executionArn,
            String tag,
            String status,
            Instant startDate,
            Instant stopDate,
            Action action,
            String reason) {}

    /**
     * @param output the stack output that names the queue
     * @param depth visible messages, -1 when it could not be read
     * @param action {@code move started}, {@code would move}, {@code nothing to move}, {@code not moved} or {@code failed}
     */
    public record QueueRow(String output, String url, int depth, String action, String detail) {}

    public long count(Action action) {
        return executions.stream().filter(row -> row.action() == action).count();
    }

    /** Redrives and message moves that failed: the command exits 1 when there is any. */
    public long failures() {
        return count(Action.FAILED)
                + queues.stream().filter(row -> "failed".equals(row.action())).count();
    }

    public String summary() {
        String window = Durations.text(since);
        if (executions.isEmpty()) {
            return "no failed, timed-out or aborted execution of " + stack + " stopped in the last " + window;
        }
        return (dryRun ? count(Action.WOULD_REDRIVE) + " would be redriven" : count(Action.REDRIVEN) + " redriven")
                + ", " + count(Action.SKIPPED) + " skipped, " + count(Action.FAILED) + " failed, of "
                + executions.size() + " failed, timed-out or aborted executions of " + stack + " stopped in the last "
                + window + (dryRun ? " (dry run: nothing was redriven)" : "");
    }

    public String table() {
        StringBuilder out = new StringBuilder();
        if (!executions.isEmpty()) {
            List<List<String>> cells = new ArrayList<>();
            cells.add(List.of("execution", "tag", "status", "stopped", "action", "reason"));
            for (ExecutionRow row : executions) {
                cells.add(List.of(
                        row.name(),
                        row.tag() == null ? "-" : row.tag(),
                        row.status(),
                        row.stopDate() == null ? "-" : row.stopDate().toString(),
                        row.action().text(),
                        row.reason()));
            }
            table(out, cells);
        }
        out.append(summary()).append('\n');
        if (!queues.isEmpty()) {
            List<List<String>> cells = new ArrayList<>();
            cells.add(List.of("queue", "depth", "action", "detail"));
            for (QueueRow row : queues) {
                cells.add(List.of(
                        row.output(),
                        row.depth() < 0 ? "?" : Integer.toString(row.depth()),
                        row.action(),
                        row.detail()));
            }
            out.append('\n');
            table(out, cells);
        }
        return out.toString();
    }

    /**
     * One object: {@code stack}, {@code since} (ISO-8601), {@code dryRun}, {@code executions} [{@code name},
     * {@code executionArn}, {@code tag}, {@code status}, {@code startDate}, {@code stopDate}, {@code action},
     * {@code reason}], {@code queues} [{@code output}, {@code url}, {@code depth}, {@code action}, {@code
     * detail}] (empty without {@code --dlq}) and {@code summary} {@code {redriven, wouldRedrive, skipped,
     * failed}}.
     */
    public String json() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("stack", stack);
        root.put("since", since.toString());
        root.put("dryRun", dryRun);
        ArrayNode rows = root.putArray("executions");
        for (ExecutionRow row : executions) {
            ObjectNode node = rows.addObject();
            node.put("name", row.name());
            node.put("executionArn", row.executionArn());
            node.put("tag", row.tag());
            node.put("status", row.status());
            node.put("startDate", text(row.startDate()));
            node.put("stopDate", text(row.stopDate()));
            node.put("action", row.action().text());
            node.put("reason", row.reason());
        }
        ArrayNode queueRows = root.putArray("queues");
        for (QueueRow row : queues) {
            ObjectNode node = queueRows.addObject();
            node.put("output", row.output());
            node.put("url", row.url());
            node.put("depth", row.depth());
            node.put("action", row.action());
            node.put("detail", row.detail());
        }
        root.putObject("summary")
                .put("redriven", count(Action.REDRIVEN))
                .put("wouldRedrive", count(Action.WOULD_REDRIVE))
                .put("skipped", count(Action.SKIPPED))
                .put("failed", failures());
        return root.toString();
    }

    private static String text(Instant time) {
        return time == null ? null : time.toString();
    }

    private static void table(StringBuilder out, List<List<String>> cells) {
        int[] widths = new int[cells.get(0).size()];
        for (List<String> line : cells) {
            for (int i = 0; i < widths.length; i++) {
                widths[i] = Math.max(widths[i], line.get(i).length());
            }
        }
        List<String> rules = new ArrayList<>();
        for (int width : widths) {
            rules.add("-".repeat(width));
        }
        List<List<String>> lines = new ArrayList<>(cells);
        lines.add(1, rules);
        for (List<String> line : lines) {
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < line.size(); i++) {
                if (i > 0) {
                    text.append("  ");
                }
                text.append(line.get(i))
                        .append(" ".repeat(widths[i] - line.get(i).length()));
            }
            out.append(text.toString().stripTrailing()).append('\n');
        }
    }
}
