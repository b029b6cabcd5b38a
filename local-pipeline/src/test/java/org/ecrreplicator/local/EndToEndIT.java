package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.ecrreplicator.domain.EcrImageActionEvents;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.engines.SampleImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole pipeline, end to end, through the same machinery as {@code bin/replicator demo}: real registries,
 * the real ASL in the local interpreter, the real handlers, ElasticMQ and DynamoDB Local, and builds that run
 * the real buildspec.yml with the worker jar. Each test uses its own repositories, so they share one pipeline.
 */
class EndToEndIT {
    private static final Duration SETTLE = Duration.ofMinutes(6);

    private static LocalPipeline pipeline;
    private static SampleImages.Target source;
    private static final List<String> progress = new CopyOnWriteArrayList<>();
    private static final ByteArrayOutputStream handlerLogs = new ByteArrayOutputStream();
    private static PrintStream originalOut;
    private static long seed = 1;

    @BeforeAll
    static void startPipeline() {
        Path repoRoot = RepoRoot.find();
        originalOut = System.out;
        // The handlers log to stdout, as in Lambda: keep every line to check that no secret value is in them
        // (written to target/e2e-handler-logs.txt afterwards, for reading a failure).
        System.setOut(new PrintStream(handlerLogs, true, StandardCharsets.UTF_8));
        pipeline = LocalPipeline.start(new LocalPipeline.Settings(
                null,
                null,
                repoRoot,
                repoRoot.resolve("worker/target/replicator.jar"),
                4,
                // Lease waits poll every 2 s, like the real 30 s Wait but short: a waiting execution costs an
                // interpreter step and a CheckState call per poll, and a burst has many waiting at once.
                Duration.ofSeconds(2),
                Duration.ofMillis(200),
                progress::add));
        source = SampleImages.Target.anonymous(URI.create("http://" + pipeline.sourceAuthority()));
    }

    @AfterAll
    static void stopPipeline() {
        if (pipeline != null) {
            pipeline.close();
        }
        if (originalOut != null) {
            System.setOut(originalOut);
        }
        try {
            Files.write(Path.of("target", "e2e-handler-logs.txt"), handlerLogs.toByteArray());
        } catch (java.io.IOException e) {
            originalOut.println("could not keep the handler logs: " + e);
        }
    }

    private static SampleImages.Image push(String repository, String tag) {
        return SampleImages.seed(seed++).layers(1, 512).pushOciImage(source, repository, tag);
    }

    private static List<ReplicationRequest> deliver(List<String> events) {
        List<ReplicationRequest> requests = new ArrayList<>();
        for (String event : events) {
            if (EcrImageActionEvents.map(event) instanceof EcrImageActionEvents.Accepted accepted) {
                requests.add(accepted.request());
            }
            pipeline.deliverEvent(event);
        }
        return requests;
    }

    private static ConvergenceReport settle(List<ReplicationRequest> requests) {
        assertThat(pipeline.awaitQuiet(SETTLE)).as("pipeline settled").isTrue();
        assertThat(pipeline.completionErrors()).isEmpty();
        return pipeline.report(requests);
    }

    private static List<List<Integer>> permutations(List<Integer> items) {
        if (items.size() <= 1) {
            return List.of(items);
        }
        List<List<Integer>> result = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<Integer> rest = new ArrayList<>(items);
            Integer head = rest.remove(i);
            for (List<Integer> tail : permutations(rest)) {
                List<Integer> permutation = new ArrayList<>();
                permutation.add(head);
                permutation.addAll(tail);
                result.add(permutation);
            }
        }
        return result;
    }

    @Test
    void shouldEndAtNewestDigestWithNoMoreBuildsThanEventsWhenPushesArriveInAnyOrder() {
        List<List<Integer>> orders = permutations(List.of(0, 1, 2));
        assertThat(orders).hasSize(6);
        List<String> events = new ArrayList<>();
        List<String> newest = new ArrayList<>();
        Instant time = Instant.parse("2026-11-22T10:00:00Z");
        for (int order = 0; order < orders.size(); order++) {
            String tag = "order-" + order;
            List<String> pushes = new ArrayList<>();
            String last = null;
            for (int version = 0; version < 3; version++) {
                SampleImages.Image image = push("e2e/reorder", tag);
                pushes.add(EcrEvents.push("e2e/reorder", tag, image.digest(), time.plusSeconds(version)));
                last = image.digest();
            }
            newest.add(last);
            for (int index : orders.get(order)) {
                events.add(pushes.get(index));
            }
        }

        ConvergenceReport report = settle(deliver(events));

        assertThat(report.rows()).hasSize(6);
        for (ConvergenceReport.Row row : report.rows()) {
            int order = Integer.parseInt(row.tag().substring("order-".length()));
            assertThat(row.destinationDigest()).as(row.imageKey()).isEqualTo(newest.get(order));
            assertThat(row.builds()).as(row.imageKey() + " builds").isBetween(1, 3);
        }
    }

    @Test
    void shouldBuildOnceWhenEveryEventIsDeliveredThreeTimes() {
        List<String> events = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            SampleImages.Image image = push("e2e/duplicates", "t" + i);
            String event = EcrEvents.push("e2e/duplicates", "t" + i, image.digest(), Instant.now());
            events.add(event);
            events.add(event);
            events.add(event);
        }

        ConvergenceReport report = settle(deliver(events));

        assertThat(report.rows()).hasSize(3).allSatisfy(row -> {
            assertThat(row.converged()).as(row.imageKey()).isTrue();
            assertThat(row.builds()).as(row.imageKey()).isEqualTo(1);
        });
    }

    @Test
    void shouldMatchSourceWhenDeleteAndRepushArriveOutOfOrder() {
        Instant time = Instant.parse("2026-11-22T11:00:00Z");
        SampleImages.Image first = push("e2e/cycle", "repushed");
        String pushFirst = EcrEvents.push("e2e/cycle", "repushed", first.digest(), time);
        String delete = EcrEvents.delete("e2e/cycle", "repushed", first.digest(), time.plusSeconds(1));
        SampleImages.Image second = push("e2e/cycle", "repushed");
        String pushSecond = EcrEvents.push("e2e/cycle", "repushed", second.digest(), time.plusSeconds(2));

        SampleImages.Image gone = push("e2e/cycle", "deleted");
        String pushGone = EcrEvents.push("e2e/cycle", "deleted", gone.digest(), time);
        deleteFromSource("e2e/cycle", gone.digest());
        String deleteGone = EcrEvents.delete("e2e/cycle", "deleted", gone.digest(), time.plusSeconds(1));

        ConvergenceReport report = settle(deliver(List.of(pushSecond, delete, pushFirst, deleteGone, pushGone)));

        assertThat(report.rows()).hasSize(2).allSatisfy(row -> assertThat(row.converged())
                .as(row.imageKey() + " " + row)
                .isTrue());
        assertThat(report.rows().stream()
                        .filter(row -> row.tag().equals("repushed"))
                        .findFirst()
                        .orElseThrow()
                        .destinationDigest())
                .isEqualTo(second.digest());
    }

    @Test
    void shouldCopyNothingAndSayWhenSourceTagIsGoneBeforeTheBuild() {
        SampleImages.Image image = push("e2e/gone", "1");
        deleteFromSource("e2e/gone", image.digest());

        ConvergenceReport report =
                settle(deliver(List.of(EcrEvents.push("e2e/gone", "1", image.digest(), Instant.now()))));

        ConvergenceReport.Row row = report.rows().get(0);
        assertThat(row.sourceDigest()).isNull();
        assertThat(row.destinationDigest()).isNull();
        assertThat(row.outcome()).isEqualTo("source gone");
    }

    @Test
    void shouldFailAtStartBuildAndSucceedOnRedriveWhenDestinationStopsDuringTheCopy() {
        // Large enough that the copy is still moving bytes when the destination goes away.
        SampleImages.Image image =
                SampleImages.seed(seed++).layers(3, 24L * 1024 * 1024).pushOciIndex(source, "e2e/redrive", "1");
        int buildsBefore = pipeline.codeBuild().buildsStarted();
        List<ReplicationRequest> requests;
        LocalStepFunctions.ExecutionView failed;
        try {
            requests = deliver(List.of(EcrEvents.push("e2e/redrive", "1", image.digest(), Instant.now())));
            Instant deadline = Instant.now().plus(SETTLE);
            while (pipeline.codeBuild().buildsStarted() == buildsBefore
                    && Instant.now().isBefore(deadline)) {
                pause(Duration.ofMillis(20));
            }
            assertThat(pipeline.codeBuild().buildsStarted())
                    .as("a build started")
                    .isGreaterThan(buildsBefore);
            pipeline.ownDestination().stopProcess();
            assertThat(pipeline.awaitQuiet(SETTLE)).isTrue();
            failed = pipeline.stepFunctions().executions().stream()
                    .filter(execution -> execution.input().contains("e2e/redrive"))
                    .findFirst()
                    .orElseThrow();
        } finally {
            pipeline.ownDestination().startProcess();
        }
        assertThat(failed.status()).isEqualTo(LocalStepFunctions.Status.FAILED);
        assertThat(failed.error()).isEqualTo("BuildFailed");
        List<String> states = pipeline.stepFunctions().statesEntered(failed.executionArn());
        assertThat(states.get(states.size() - 1)).isEqualTo("StartBuild");
        // StartBuild's Retry started a new build for each BuildFailed: three builds in all.
        assertThat(pipeline.codeBuild().buildsStarted() - buildsBefore).isEqualTo(3);

        pipeline.stepFunctions().redrive(failed.executionArn());
        LocalStepFunctions.ExecutionView redriven =
                pipeline.stepFunctions().awaitCompletion(failed.executionArn(), SETTLE);

        assertThat(redriven.status()).isEqualTo(LocalStepFunctions.Status.SUCCEEDED);
        assertThat(redriven.redriveCount()).isEqualTo(1);
        ConvergenceReport.Row row = settle(requests).rows().get(0);
        assertThat(row.destinationDigest()).isEqualTo(image.digest());
        assertThat(row.builds()).isEqualTo(4);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void shouldConvergeEveryTagWithEmptyDeadLetterQueueWhenBurstOf200EventsHits4Builds() {
        Random random = new Random(42);
        List<String> events = new ArrayList<>();
        Instant time = Instant.parse("2026-11-22T12:00:00Z");
        for (int repository = 0; repository < 10; repository++) {
            for (int tag = 0; tag < 5; tag++) {
                for (int version = 0; version < 4; version++) {
                    String name = "e2e/burst-" + repository;
                    SampleImages.Image image = push(name, "v" + tag);
                    events.add(EcrEvents.push(name, "v" + tag, image.digest(), time.plusSeconds(version)));
                }
            }
        }
        Collections.shuffle(events, random);
        int buildsBefore = pipeline.codeBuild().buildsStarted();
        int deadLettersBefore = pipeline.deadLetterQueueDepth();
        Instant started = Instant.now();

        ConvergenceReport report = settle(deliver(events));

        Duration wall = Duration.between(started, Instant.now());
        assertThat(events).hasSize(200);
        assertThat(report.rows()).hasSize(50);
        assertThat(report.notConverged()).isEmpty();
        assertThat(pipeline.deadLetterQueueDepth()).isEqualTo(deadLettersBefore);
        assertThat(pipeline.codeBuild().maxConcurrentBuilds()).isLessThanOrEqualTo(4);
        originalOut.printf(
                "burst: 200 events, 50 tags, 10 repositories: %d builds started, %d state transitions, %.1f s%n",
                pipeline.codeBuild().buildsStarted() - buildsBefore,
                report.totalTransitions(),
                wall.toMillis() / 1000.0);
    }

    @Test
    void shouldRejectOrDeadLetterPoisonMessagesWithoutAffectingTheRest() {
        SampleImages.Image image = push("e2e/poison", "ok");
        String good = EcrEvents.push("e2e/poison", "ok", image.digest(), Instant.now());
        String wrongType = good.replace("\"ECR Image Action\"", "\"ECR Image Scan\"");
        int rejectedBefore = pipeline.eventBridgeDeadLetters().size();
        int deadLettersBefore = pipeline.deadLetterQueueDepth();
        int poisonQueued = 0;
        pipeline.sendRawMessage("{not json", "e2e/poison:raw", "poison-raw-1");
        poisonQueued++;
        try {
            // SQS refuses bodies over 256 KiB at SendMessage; a queue that took one must dead-letter it.
            pipeline.sendRawMessage("{\"repository\":\"" + "x".repeat(300 * 1024) + "\"}", "e2e/poison:big", "big-1");
            poisonQueued++;
        } catch (RuntimeException refused) {
            assertThat(refused.getMessage()).isNotBlank();
        }

        List<ReplicationRequest> requests = deliver(List.of("{malformed", wrongType, good));
        ConvergenceReport report = settle(requests);

        assertThat(report.rows()).singleElement().satisfies(row -> {
            assertThat(row.tag()).isEqualTo("ok");
            assertThat(row.destinationDigest()).isEqualTo(image.digest());
        });
        assertThat(pipeline.deadLetterQueueDepth() - deadLettersBefore).isEqualTo(poisonQueued);
        assertThat(pipeline.eventBridgeDeadLetters().size()).isEqualTo(rejectedBefore);
        assertThat(handlerLogs.toString(StandardCharsets.UTF_8))
                .contains("MALFORMED_JSON")
                .contains("WRONG_DETAIL_TYPE");
    }

    @Test
    void shouldKeepSecretValuesOutOfLogsOutputsAndReports() throws Exception {
        SampleImages.Image image = push("e2e/secrets", "1");
        ConvergenceReport report =
                settle(deliver(List.of(EcrEvents.push("e2e/secrets", "1", image.digest(), Instant.now()))));
        Path reportFile = pipeline.scratch().resolve("report.json");
        report.writeJson(reportFile);

        StringBuilder everything = new StringBuilder(handlerLogs.toString(StandardCharsets.UTF_8));
        progress.forEach(everything::append);
        everything.append(Files.readString(reportFile));
        for (LocalStepFunctions.ExecutionView execution :
                pipeline.stepFunctions().executions()) {
            pipeline.stepFunctions().history(execution.executionArn()).forEach(event -> everything.append(event));
        }
        for (var build : pipeline.codeBuild().builds()) {
            if (Files.exists(build.logFile())) {
                everything.append(Files.readString(build.logFile()));
            }
        }

        assertThat(everything.toString())
                .contains("e2e/secrets")
                .doesNotContain(LocalPipeline.FAKE_SECRET_KEY)
                .doesNotContain(LocalPipeline.FAKE_ACCESS_KEY);
    }

    private static void deleteFromSource(String repository, String digest) {
        try {
            HttpResponse<Void> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://" + pipeline.sourceAuthority() + "/v2/"
                                            + repository + "/manifests/" + digest))
                                    .DELETE()
                                    .build(),
                            HttpResponse.BodyHandlers.discarding());
            assertThat(response.statusCode()).isEqualTo(202);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
