package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code bin/replicator demo} as other tools call it: given registries, an events file and a report file. */
class DemoCommandIT {
    @TempDir
    Path directory;

    private static int run(StringWriter out, StringWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new DemoCommand.Launcher())
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true));
        return commandLine.execute(args);
    }

    @Test
    void shouldReplayEventsIntoGivenRegistriesAndWriteTheReportWhenOptionsAreGiven() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous()) {
            SampleImages.Target target = SampleImages.Target.anonymous(URI.create("http://" + source.authority()));
            SampleImages.Image image = SampleImages.seed(7).layers(1, 1024).pushOciIndex(target, "given/app", "2.0");
            SampleImages.Image gone = SampleImages.seed(8).layers(1, 1024).pushOciImage(target, "given/app", "old");
            deleteManifest(source.authority(), "given/app", gone.digest());
            Path events = directory.resolve("events.jsonl");
            Files.write(
                    events,
                    List.of(
                            EcrEvents.push("given/app", "2.0", image.digest(), Instant.now()),
                            "",
                            EcrEvents.delete("given/app", "old", gone.digest(), Instant.now())));
            Path report = directory.resolve("report.json");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();

            int exit = run(
                    out,
                    err,
                    "demo",
                    "--source",
                    source.authority(),
                    "--dest",
                    destination.authority(),
                    "--events",
                    events.toString(),
                    "--report",
                    report.toString());

            assertThat(exit).as(out + "\n" + err).isZero();
            assertThat(out.toString())
                    .contains("source registry      " + source.authority())
                    .contains("-> StartBuild")
                    .contains("every tag converged");
            JsonNode rows = new ObjectMapper().readTree(report.toFile());
            assertThat(rows).hasSize(2);
            assertThat(rows.get(0).path("repository").asText()).isEqualTo("given/app");
            assertThat(rows.get(0).path("tag").asText()).isEqualTo("2.0");
            assertThat(rows.get(0).path("destinationDigest").asText()).isEqualTo(image.digest());
            assertThat(rows.get(0).path("builds").asInt()).isEqualTo(1);
            assertThat(rows.get(0).path("transitions").asInt()).isBetween(1, 8);
            assertThat(rows.get(1).path("tag").asText()).isEqualTo("old");
            assertThat(rows.get(1).path("destinationDigest").isNull()).isTrue();
        }
    }

    @Test
    void shouldBringOverWhatTheSourceHeldAndReportEveryTagWhenReconciling() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous()) {
            SampleImages.Target target = SampleImages.Target.anonymous(URI.create("http://" + source.authority()));
            SampleImages.Image before = SampleImages.seed(9).layers(1, 1024).pushOciIndex(target, "before/app", "1");
            SampleImages.Image other = SampleImages.seed(10).layers(1, 1024).pushOciImage(target, "before/lib", "2");
            Path report = directory.resolve("reconcile.json");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();

            int exit = run(
                    out,
                    err,
                    "demo",
                    "--source",
                    source.authority(),
                    "--dest",
                    destination.authority(),
                    "--reconcile",
                    "--report",
                    report.toString());

            assertThat(exit).as(out + "\n" + err).isZero();
            assertThat(out.toString())
                    .contains("reconcile started")
                    .contains("reconcile succeeded")
                    .contains("every tag converged");
            JsonNode rows = new ObjectMapper().readTree(report.toFile());
            assertThat(rows).hasSize(2);
            assertThat(rows.get(0).path("repository").asText()).isEqualTo("before/app");
            assertThat(rows.get(0).path("destinationDigest").asText()).isEqualTo(before.digest());
            assertThat(rows.get(0).path("outcome").asText()).isEqualTo("reconcile");
            assertThat(rows.get(1).path("repository").asText()).isEqualTo("before/lib");
            assertThat(rows.get(1).path("destinationDigest").asText()).isEqualTo(other.digest());
        }
    }

    @Test
    void shouldListAMalformedEventWithItsReasonAndExitNonZeroWhenOneIsReplayed() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous()) {
            SampleImages.Target target = SampleImages.Target.anonymous(URI.create("http://" + source.authority()));
            SampleImages.Image image = SampleImages.seed(11).layers(1, 1024).pushOciImage(target, "mixed/app", "1");
            Path events = directory.resolve("events.jsonl");
            Files.write(
                    events,
                    List.of(EcrEvents.push("mixed/app", "1", image.digest(), Instant.now()), "{\"detail\": not json"));
            Path report = directory.resolve("report.json");
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();

            int exit = run(
                    out,
                    err,
                    "demo",
                    "--source",
                    source.authority(),
                    "--dest",
                    destination.authority(),
                    "--events",
                    events.toString(),
                    "--report",
                    report.toString());

            assertThat(exit).as(out + "\n" + err).isEqualTo(1);
            String table = out.toString().substring(out.toString().indexOf("repository:tag"));
            assertThat(table)
                    .contains("mixed/app:1")
                    .contains("rejected: MALFORMED_JSON")
                    .contains("NOT REPLICATED")
                    .doesNotContain("every tag converged");
            assertThat(err.toString()).contains("rejected: MALFORMED_JSON");
            JsonNode rows = new ObjectMapper().readTree(report.toFile());
            assertThat(rows).hasSize(2);
            assertThat(rows.get(0).path("destinationDigest").asText()).isEqualTo(image.digest());
            assertThat(rows.get(1).path("outcome").asText()).isEqualTo("rejected");
            assertThat(rows.get(1).path("reason").asText()).startsWith("MALFORMED_JSON");
        }
    }

    @Test
    void shouldPrintTheTableWithTheFailureAndItsCauseAndNoStackTraceWhenTheDestinationIsDead() throws Exception {
        try (RegistryProcess source = RegistryProcess.startAnonymous()) {
            SampleImages.Target target = SampleImages.Target.anonymous(URI.create("http://" + source.authority()));
            SampleImages.Image image = SampleImages.seed(12).layers(1, 1024).pushOciImage(target, "dead/app", "1");
            Path events = directory.resolve("events.jsonl");
            Files.write(events, List.of(EcrEvents.push("dead/app", "1", image.digest(), Instant.now())));
            String dead;
            // A port that was free a moment ago: nothing listens there, so every connection is refused.
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                dead = "127.0.0.1:" + socket.getLocalPort();
            }
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();

            int exit = run(
                    out,
                    err,
                    "demo",
                    "--source",
                    source.authority(),
                    "--dest",
                    dead,
                    "--events",
                    events.toString(),
                    "--timeout",
                    "5m");

            assertThat(exit).as(out + "\n" + err).isEqualTo(1);
            assertThat(out.toString()).contains("repository:tag");
            String table = out.toString().substring(out.toString().indexOf("repository:tag"));
            assertThat(table)
                    .contains("dead/app:1")
                    .contains("unreachable")
                    .contains("failed: BuildFailed (")
                    .contains(dead);
            assertThat(out + "\n" + err).doesNotContain("\tat ", "Exception in thread");
            assertThat(err.toString()).contains("dead/app:1 did not converge");
        }
    }

    @Test
    void shouldExitNonZeroNamingTheProblemWhenTheEventsFileIsMissing() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();

        int exit = run(
                out, err, "demo", "--events", directory.resolve("absent.jsonl").toString());

        assertThat(exit).isEqualTo(2);
        assertThat(err.toString()).startsWith("demo: cannot read --events").contains("absent.jsonl");
        assertThat(err.toString().lines()).hasSize(1);
    }

    private static void deleteManifest(String authority, String repository, String digest) throws Exception {
        java.net.http.HttpResponse<Void> response = java.net.http.HttpClient.newHttpClient()
                .send(
                        java.net.http.HttpRequest.newBuilder(URI.create(
                                        "http://" + authority + "/v2/" + repository + "/manifests/" + digest))
                                .DELETE()
                                .build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
        assertThat(response.statusCode()).isEqualTo(202);
    }
}
