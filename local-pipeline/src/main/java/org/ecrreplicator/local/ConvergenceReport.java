package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * The demo's final table: per repository:tag, what the source holds now, what the destination holds, what
 * the pipeline did, and what it cost. A tag has converged when the destination holds the digest the source
 * holds now, or neither has the tag.
 */
public final class ConvergenceReport {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param sourceDigest null when the source no longer has the tag
     * @param destinationDigest null when the destination does not have the tag
     * @param outcome what the last execution for the tag reported (e.g. "replicated", "source gone")
     */
    public record Row(
            String repository,
            String tag,
            String sourceDigest,
            String destinationDigest,
            String outcome,
            int builds,
            int transitions) {

        public boolean converged() {
            return Objects.equals(sourceDigest, destinationDigest);
        }

        public String imageKey() {
            return repository + ":" + tag;
        }
    }

    /**
     * An event that never became a replication: rejected by Enqueue, or left in the dead-letter queue.
     *
     * @param what the event or message, e.g. {@code event 5c1e...} or {@code dead-letter queue}
     * @param outcome {@code rejected} or {@code dead-lettered}
     * @param reason why, as the pipeline said it
     */
    public record Problem(String what, String outcome, String reason) {}

    private final List<Row> rows;
    private final List<Problem> problems;

    public ConvergenceReport(List<Row> rows) {
        this(rows, List.of());
    }

    public ConvergenceReport(List<Row> rows, List<Problem> problems) {
        List<Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparing(Row::repository).thenComparing(Row::tag));
        this.rows = List.copyOf(sorted);
        this.problems = List.copyOf(problems);
    }

    /** The same rows with these problems added. */
    public ConvergenceReport withProblems(List<Problem> more) {
        List<Problem> all = new ArrayList<>(problems);
        all.addAll(more);
        return new ConvergenceReport(rows, all);
    }

    public List<Problem> problems() {
        return problems;
    }

    /** Every tag converged and no event was rejected or dead-lettered. */
    public boolean allConverged() {
        return problems.isEmpty() && rows.stream().allMatch(Row::converged);
    }

    public List<Row> rows() {
        return rows;
    }

    public List<Row> notConverged() {
        return rows.stream().filter(row -> !row.converged()).toList();
    }

    public int totalBuilds() {
        return rows.stream().mapToInt(Row::builds).sum();
    }

    public int totalTransitions() {
        return rows.stream().mapToInt(Row::transitions).sum();
    }

    /** The table as a person reads it; digests shortened to 12 hex characters. */
    public void printTable(PrintWriter out) {
        String[] header = {"repository:tag", "source digest", "destination digest", "outcome", "builds", "transitions"};
        List<String[]> lines = new ArrayList<>();
        lines.add(header);
        for (Row row : rows) {
            lines.add(new String[] {
                row.imageKey(),
                shortDigest(row.sourceDigest()),
                shortDigest(row.destinationDigest()),
                row.outcome() + (row.converged() ? "" : "  <- NOT CONVERGED"),
                String.valueOf(row.builds()),
                String.valueOf(row.transitions())
            });
        }
        for (Problem problem : problems) {
            lines.add(new String[] {
                problem.what(), "-", "-", problem.outcome() + ": " + problem.reason() + "  <- NOT REPLICATED", "0", "0"
            });
        }
        int[] widths = new int[header.length];
        for (String[] line : lines) {
            for (int i = 0; i < line.length; i++) {
                widths[i] = Math.max(widths[i], line[i].length());
            }
        }
        for (int n = 0; n < lines.size(); n++) {
            String[] line = lines.get(n);
            StringBuilder text = new StringBuilder();
            for (int i = 0; i < line.length; i++) {
                text.append(i == 0 ? "" : "  ").append(pad(line[i], widths[i], i >= 4));
            }
            out.println(text.toString().stripTrailing());
            if (n == 0) {
                StringBuilder rule = new StringBuilder();
                for (int i = 0; i < widths.length; i++) {
                    rule.append(i == 0 ? "" : "  ").append("-".repeat(widths[i]));
                }
                out.println(rule);
            }
        }
        out.flush();
    }

    /** The report file: a list of objects with the table's columns and full digests. */
    public void writeJson(Path file) throws IOException {
        ArrayNode array = JSON.createArrayNode();
        for (Row row : rows) {
            ObjectNode node = array.addObject();
            node.put("repository", row.repository());
            node.put("tag", row.tag());
            node.put("sourceDigest", row.sourceDigest());
            node.put("destinationDigest", row.destinationDigest());
            node.put("outcome", row.outcome());
            node.put("builds", row.builds());
            node.put("transitions", row.transitions());
        }
        for (Problem problem : problems) {
            ObjectNode node = array.addObject();
            node.put("event", problem.what());
            node.put("outcome", problem.outcome());
            node.put("reason", problem.reason());
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        JSON.writeValue(file.toFile(), array);
    }

    static String shortDigest(String digest) {
        if (digest == null) {
            return "-";
        }
        int colon = digest.indexOf(':');
        String hex = colon < 0 ? digest : digest.substring(colon + 1);
        return (colon < 0 ? "" : digest.substring(0, colon + 1)) + hex.substring(0, Math.min(12, hex.length()));
    }

    private static String pad(String text, int width, boolean right) {
        String padding = " ".repeat(width - text.length());
        return right ? padding + text : text + padding;
    }
}
