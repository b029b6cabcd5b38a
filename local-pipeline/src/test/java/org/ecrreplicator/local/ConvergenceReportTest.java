package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConvergenceReportTest {
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);

    @TempDir
    Path directory;

    private final ConvergenceReport report = new ConvergenceReport(List.of(
            new ConvergenceReport.Row("team/web", "1", A, A, "replicated", 1, 7),
            new ConvergenceReport.Row("team/api", "2", null, null, "source gone", 1, 7),
            new ConvergenceReport.Row("team/api", "1", B, A, "failed", 3, 12)));

    @Test
    void shouldCountConvergedOnlyWhenDestinationMatchesSourceOrBothLackTheTag() {
        assertThat(report.allConverged()).isFalse();
        assertThat(report.notConverged())
                .extracting(ConvergenceReport.Row::imageKey)
                .containsExactly("team/api:1");
        assertThat(report.totalBuilds()).isEqualTo(5);
        assertThat(report.totalTransitions()).isEqualTo(26);
    }

    @Test
    void shouldPrintSortedTableWithShortDigestsAndFlagDivergence() {
        StringWriter text = new StringWriter();
        report.printTable(new PrintWriter(text));

        List<String> lines = text.toString().lines().toList();
        assertThat(lines.get(0)).startsWith("repository:tag").contains("transitions");
        assertThat(lines.get(2))
                .startsWith("team/api:1")
                .contains("sha256:bbbbbbbbbbbb")
                .contains("NOT CONVERGED");
        assertThat(lines.get(3)).startsWith("team/api:2").contains(" -  ");
        assertThat(lines.get(4)).startsWith("team/web:1").doesNotContain("NOT CONVERGED");
    }

    @Test
    void shouldWriteJsonListWithFullDigestsWhenReportFileGiven() throws Exception {
        Path file = directory.resolve("out/report.json");

        report.writeJson(file);

        JsonNode json = new ObjectMapper().readTree(file.toFile());
        assertThat(json).hasSize(3);
        assertThat(json.get(0).path("repository").asText()).isEqualTo("team/api");
        assertThat(json.get(0).path("sourceDigest").asText()).isEqualTo(B);
        assertThat(json.get(1).path("sourceDigest").isNull()).isTrue();
        assertThat(json.get(2).path("transitions").asInt()).isEqualTo(7);
    }
}
