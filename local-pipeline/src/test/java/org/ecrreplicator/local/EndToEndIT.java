package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import org.ecrreplicator.domain.contract.Artifacts;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.engines.LocalCodeBuild;
import org.ecrreplicator.engines.OutageRelay;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.state.DynamoTagStateStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The whole pipeline, end to end, through the same machinery as {@code bin/replicator demo}: real registries,
 * the real ASL in the local interpreter, the real handlers, ElasticMQ and DynamoDB Local, and builds that run
 * the real buildspec.yml with the worker jar. Each test uses its own repositories, so they share one pipeline.
 */
class EndToEndIT {
    private static final Duration SETTLE = Duration.ofMinutes(6);
    /** The sweep's schedule here (5 minutes on AWS). */
    private static final Duration SWEEP = Duration.ofSeconds(5);

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
                        repoRoot.resolve(Artifacts.WORKER_JAR),
                        4,
                        // Lease waits poll every 2 s, like the real 30 s Wait but short: a waiting execution costs an
                        // interpreter step and a CheckState call per poll, and a burst has many waiting at once.
                        Duration.ofSeconds(2),
                        Duration.ofMillis(200),
                        progress::add)
                .withSweepInterval(SWEEP));
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
        assertThat(pipeline.invocationFailures())
                .as("no invocation of Enqueue or Completion failed for good")
                .isEmpty();
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
        // Deletes replicate here: a push whose tag is gone converges by removing it, and there was nothing.
        assertThat(row.outcome()).isEqualTo("nothing to delete");
    }

    @Test
    void shouldMountInTheSecondBuildTheBaseLayerTheFirstBuildCopiedWhenTwoRepositoriesShareIt() {
        // Same seed and first layer size: the same base layer; the second layer and the config differ.
        long baseSize = 3L * 1024 * 1024;
        SampleImages.Image first =
                SampleImages.seed(7201).layerSizes(baseSize, 4096).pushOciImage(source, "e2e/fleet-one", "1");
        SampleImages.Image second =
                SampleImages.seed(7201).layerSizes(baseSize, 8192).pushOciImage(source, "e2e/fleet-two", "1");
        List<SampleImages.Blob> shared =
                second.blobs().stream().filter(first.blobs()::contains).toList();
        long sharedBytes = shared.stream().mapToLong(SampleImages.Blob::size).sum();
        assertThat(shared).extracting(SampleImages.Blob::size).contains(baseSize);

        // One after the other: every build starts in a fresh process, so what the first copied reaches the
        // second only through the shared index in the state table.
        assertThat(settle(deliver(List.of(EcrEvents.push("e2e/fleet-one", "1", first.digest(), Instant.now()))))
                        .allConverged())
                .isTrue();
        assertThat(settle(deliver(List.of(EcrEvents.push("e2e/fleet-two", "1", second.digest(), Instant.now()))))
                        .allConverged())
                .isTrue();

        java.util.Map<String, String> firstResults = exportedBy("e2e/fleet-one");
        java.util.Map<String, String> secondResults = exportedBy("e2e/fleet-two");
        assertThat(firstResults).containsEntry(BuildResults.BLOBS_MOUNTED, "0");
        assertThat(firstResults).containsEntry(BuildResults.BYTES_COPIED, Long.toString(first.blobBytes()));
        assertThat(secondResults)
                .containsEntry(BuildResults.BLOBS_MOUNTED, Integer.toString(shared.size()))
                .containsEntry(BuildResults.BYTES_MOUNTED, Long.toString(sharedBytes))
                .containsEntry(
                        BuildResults.BLOBS_COPIED,
                        Integer.toString(second.blobs().size() - shared.size()))
                // Only what the first build did not send: the two builds together sent the unique bytes.
                .containsEntry(BuildResults.BYTES_COPIED, Long.toString(second.blobBytes() - sharedBytes));
    }

    /** The exported results of the one succeeded build that replicated {@code repository}. */
    private static java.util.Map<String, String> exportedBy(String repository) {
        List<LocalCodeBuild.Build> builds = pipeline.codeBuild().builds().stream()
                .filter(build -> {
                    String request = build.plaintextVariable(BuildVariables.REPLICATION_REQUEST);
                    return request != null && request.contains("\"" + repository + "\"");
                })
                .toList();
        assertThat(builds).as("builds of " + repository).hasSize(1);
        assertThat(builds.get(0).status()).isEqualTo("SUCCEEDED");
        return builds.get(0).exportedVariables();
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
        // The worker's own line, exported by post_build, is the cause the console and replicator status show.
        List<String> reasons = pipeline.codeBuild().builds().stream()
                .filter(build -> "FAILED".equals(build.status()))
                .filter(build -> build.plaintextVariable(BuildVariables.REPLICATION_REQUEST)
                        .contains("e2e/redrive"))
                .map(build -> build.exportedVariables().getOrDefault(BuildResults.FAILURE_REASON, ""))
                .toList();
        assertThat(reasons).hasSize(3).allSatisfy(reason -> assertThat(reason)
                .as("each failed build exported the worker's reason")
                .isNotBlank());
        assertThat(reasons).anySatisfy(reason -> assertThat(failed.cause()).startsWith(reason));
        String stateCause = stateCause("e2e/redrive:1");
        assertThat(reasons).anySatisfy(reason -> assertThat(stateCause).startsWith(reason));

        pipeline.stepFunctions().redrive(failed.executionArn());
        LocalStepFunctions.ExecutionView redriven =
                pipeline.stepFunctions().awaitCompletion(failed.executionArn(), SETTLE);

        assertThat(redriven.status()).isEqualTo(LocalStepFunctions.Status.SUCCEEDED);
        assertThat(redriven.redriveCount()).isEqualTo(1);
        ConvergenceReport.Row row = settle(requests).rows().get(0);
        assertThat(row.destinationDigest()).isEqualTo(image.digest());
        assertThat(row.builds()).isEqualTo(4);
    }

    /** The tag's cause in the state table, which replicator status shows. */
    private static String stateCause(String imageKey) {
        try (DynamoDbClient dynamo = DynamoDbClient.builder()
                .endpointOverride(URI.create(System.getProperty("aws.endpointUrlDynamoDb")))
                .region(Region.of(LocalPipeline.REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(LocalPipeline.FAKE_ACCESS_KEY, "local-test-only-not-a-key")))
                .httpClient(UrlConnectionHttpClient.create())
                .build()) {
            return new DynamoTagStateStore(dynamo, LocalPipeline.TABLE)
                    .load(imageKey)
                    .orElseThrow()
                    .cause();
        }
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
        assertThat(pipeline.invocationFailures()).as("rejected, not failed").isEmpty();
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

    // ---------------------------------------------------------------- converging on the source

    private static boolean isBuildOf(LocalCodeBuild.Build build, String repository, String action) {
        String request = build.plaintextVariable(BuildVariables.REPLICATION_REQUEST);
        return request != null
                && request.contains("\"repository\":\"" + repository + "\"")
                && request.contains("\"action\":\"" + action + "\"");
    }

    /** Executions whose request is {@code repository}'s {@code action}, oldest first. */
    private static java.util.stream.Stream<LocalStepFunctions.ExecutionView> executions(
            String repository, String action) {
        return pipeline.stepFunctions().executions().stream()
                .filter(execution -> execution.input().contains("\"repository\":\"" + repository + "\"")
                        && execution.input().contains("\"action\":\"" + action + "\""));
    }

    private static LocalStepFunctions.ExecutionView execution(String repository, String action) {
        return executions(repository, action)
                .reduce((first, second) -> second)
                .orElseThrow(() -> new AssertionError("no " + action + " execution for " + repository));
    }

    /** Waits for a state to be entered by an execution of {@code repository}'s {@code action}. */
    private static void awaitState(String repository, String action, String state) {
        Instant deadline = Instant.now().plus(SETTLE);
        while (Instant.now().isBefore(deadline)) {
            boolean entered = executions(repository, action).anyMatch(execution -> pipeline.stepFunctions()
                    .statesEntered(execution.executionArn())
                    .contains(state));
            if (entered) {
                return;
            }
            pause(Duration.ofMillis(50));
        }
        throw new AssertionError("no " + action + " execution of " + repository + " entered " + state);
    }

    /** Points {@code tag} at the image again at the source: a push of the same digest. */
    private static void tagAtSource(String repository, String tag, SampleImages.Image image) {
        SampleImages.Manifest top = image.manifests().get(0);
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://" + pipeline.sourceAuthority() + "/v2/"
                                            + repository + "/manifests/" + tag))
                                    .header("Content-Type", top.mediaType())
                                    .PUT(HttpRequest.BodyPublishers.ofByteArray(top.bytes()))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String atDestination(String repository, String tag) {
        return new RegistryProbe().digest(pipeline.destinationAuthority(), repository, tag);
    }

    @Test
    void shouldEndAtTheDigestWhenItIsPushedAgainWhileTheDeleteBuildIsHeld() {
        String repository = "e2e/repush";
        SampleImages.Image image = push(repository, "v1");
        settle(deliver(List.of(EcrEvents.push(repository, "v1", image.digest(), Instant.now()))));
        pipeline.ownSource().untag(repository, "v1");
        ConvergenceReport report;
        // Held once its commands ran: the delete is done at the destination, its result not yet recorded, so
        // the item still says the destination holds the digest.
        try (LocalCodeBuild.Hold hold = pipeline.codeBuild()
                .hold(LocalCodeBuild.HoldPoint.AFTER_COMMANDS, build -> isBuildOf(build, repository, "DELETE"))) {
            List<ReplicationRequest> requests =
                    deliver(List.of(EcrEvents.delete(repository, "v1", image.digest(), Instant.now())));
            hold.awaitHeld(SETTLE);
            assertThat(atDestination(repository, "v1"))
                    .as("deleted, not yet reported")
                    .isNull();

            tagAtSource(repository, "v1", image);
            requests = new ArrayList<>(requests);
            requests.addAll(deliver(List.of(EcrEvents.push(repository, "v1", image.digest(), Instant.now()))));
            awaitState(repository, "PUSH", "WaitForLease");
            hold.release();
            report = settle(requests);
        }

        assertThat(report.rows()).singleElement().satisfies(row -> {
            assertThat(row.sourceDigest()).isEqualTo(image.digest());
            assertThat(row.destinationDigest()).isEqualTo(image.digest());
        });
        assertThat(execution(repository, "DELETE").outputJson().path("outcome").asText())
                .isEqualTo("deleted");
    }

    @Test
    void shouldKeepTheSiblingTagWhenATagSharingItsDigestIsDeleted() {
        String repository = "e2e/siblings";
        SampleImages.Image image = push(repository, "keep");
        tagAtSource(repository, "gone", image);
        settle(deliver(List.of(
                EcrEvents.push(repository, "keep", image.digest(), Instant.now()),
                EcrEvents.push(repository, "gone", image.digest(), Instant.now()))));
        assertThat(atDestination(repository, "gone")).isEqualTo(image.digest());

        pipeline.ownSource().untag(repository, "gone");
        ConvergenceReport report =
                settle(deliver(List.of(EcrEvents.delete(repository, "gone", image.digest(), Instant.now()))));

        assertThat(report.rows()).singleElement().satisfies(row -> {
            assertThat(row.tag()).isEqualTo("gone");
            assertThat(row.destinationDigest()).isNull();
            assertThat(row.outcome()).isEqualTo("deleted");
        });
        assertThat(atDestination(repository, "keep"))
                .as("the sibling, at its digest")
                .isEqualTo(image.digest());
    }

    @Test
    void shouldReplicateATagAgainAfterADigestDeleteRemovedIt() {
        String repository = "e2e/digest-delete";
        SampleImages.Image image = push(repository, "a");
        tagAtSource(repository, "b", image);
        settle(deliver(List.of(
                EcrEvents.push(repository, "a", image.digest(), Instant.now()),
                EcrEvents.push(repository, "b", image.digest(), Instant.now()))));

        deleteFromSource(repository, image.digest());
        settle(deliver(List.of(EcrEvents.delete(repository, null, image.digest(), Instant.now()))));
        assertThat(atDestination(repository, "a")).isNull();
        assertThat(atDestination(repository, "b")).isNull();
        assertThat(execution(repository, "DELETE").outputJson().path("outcome").asText())
                .isEqualTo("deleted");

        // The tag's item still names the digest as replicated; the removal on record makes it build anyway.
        tagAtSource(repository, "a", image);
        ConvergenceReport report =
                settle(deliver(List.of(EcrEvents.push(repository, "a", image.digest(), Instant.now()))));

        assertThat(report.rows()).singleElement().satisfies(row -> {
            assertThat(row.destinationDigest()).isEqualTo(image.digest());
            assertThat(row.outcome()).isEqualTo("replicated");
        });
    }

    @Test
    void shouldReplicateASignedImageWithItsSignatureSbomAndTheSbomsSignatureExactly() throws Exception {
        String repository = "e2e/signed";
        SampleImages.Image image = SampleImages.seed(seed++).layers(1, 512).pushOciIndex(source, repository, "1.0");
        SampleImages.Manifest index = image.manifests().get(0);
        // As cosign and oras push them to a registry without the referrers API: by digest, plus the fallback tag.
        SampleImages.Image signature = SampleImages.seed(seed++)
                .pushReferrer(source, repository, index, SampleImages.SIGNATURE_TYPE, "signature of the index", true);
        SampleImages.Image sbom = SampleImages.seed(seed++)
                .pushReferrer(
                        source, repository, index, SampleImages.SBOM_TYPE, "{\"spdxVersion\":\"SPDX-2.3\"}", true);
        SampleImages.Image sbomSignature = SampleImages.seed(seed++)
                .pushReferrer(
                        source,
                        repository,
                        sbom.manifests().get(0),
                        SampleImages.SIGNATURE_TYPE,
                        "signature of the sbom",
                        true);

        ConvergenceReport report =
                settle(deliver(List.of(EcrEvents.push(repository, "1.0", image.digest(), Instant.now()))));

        assertThat(report.rows()).singleElement().satisfies(row -> assertThat(row.destinationDigest())
                .isEqualTo(image.digest()));
        for (SampleImages.Image referrer : List.of(signature, sbom, sbomSignature)) {
            SampleImages.Manifest manifest = referrer.manifests().get(0);
            assertThat(destinationManifest(repository, manifest.digest()))
                    .as("referrer " + manifest.digest() + " with its exact bytes")
                    .isEqualTo(manifest.bytes());
        }
        for (String subject : List.of(image.digest(), sbom.digest())) {
            String fallbackTag = SampleImages.fallbackTag(subject);
            assertThat(atDestination(repository, fallbackTag))
                    .as("the fallback tag of " + subject)
                    .isEqualTo(new RegistryProbe().digest(pipeline.sourceAuthority(), repository, fallbackTag));
        }
        JsonNode output = execution(repository, "PUSH").outputJson();
        assertThat(output.path("referrersCopied").asInt()).isEqualTo(3);
        assertThat(output.path("referrersSkipped").asInt()).isZero();
    }

    private static byte[] destinationManifest(String repository, String digest) throws Exception {
        HttpResponse<byte[]> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://" + pipeline.destinationAuthority() + "/v2/"
                                        + repository + "/manifests/" + digest))
                                .header("Accept", SampleImages.OCI_MANIFEST)
                                .build(),
                        HttpResponse.BodyHandlers.ofByteArray());
        assertThat(response.statusCode()).as("the destination has " + digest).isEqualTo(200);
        return response.body();
    }

    // ---------------------------------------------------------------- no event lost in a Lambda

    // The outage lasts while it is open; the body never needs to name it.
    @Test
    @SuppressWarnings("try")
    void shouldPutAFailedEnqueueOnTheOnFailureQueueAndReplicateItWhenReplayed() throws Exception {
        String repository = "e2e/enqueue-outage";
        SampleImages.Image image = push(repository, "1");
        String event = EcrEvents.push(repository, "1", image.digest(), Instant.now());
        int before = pipeline.invocationFailureQueueDepth();

        try (OutageRelay.Outage outage = pipeline.sqsOutage()) {
            deliver(List.of(event));
        }

        assertThat(pipeline.invocationFailureQueueDepth())
                .as("the metric the on-failure alarm watches")
                .isEqualTo(before + 1);
        JsonNode record = pipeline.invocationFailures().stream()
                .filter(failure -> failure.path("requestPayload").toString().contains(repository))
                .findFirst()
                .orElseThrow();
        assertThat(record.path("requestContext").path("condition").asText()).isEqualTo("RetriesExhausted");
        assertThat(record.path("requestContext").path("functionArn").asText()).contains("replicator-enqueue");
        assertThat(record.path("requestContext").path("approximateInvokeCount").asInt())
                .isEqualTo(3);
        assertThat(record.path("requestPayload")).isEqualTo(new ObjectMapper().readTree(event));

        // The documented replay: the record's requestPayload, invoked again, then the record deleted.
        List<ReplicationRequest> requests =
                deliver(List.of(record.path("requestPayload").toString()));
        pipeline.purgeInvocationFailures();
        ConvergenceReport report = settle(requests);
        assertThat(report.rows()).singleElement().satisfies(row -> assertThat(row.destinationDigest())
                .isEqualTo(image.digest()));
    }

    // The outage lasts while it is open; the body never needs to name it.
    @Test
    @SuppressWarnings("try")
    void shouldReportABuildWhoseCompletionWasLostWithinOneSweepInterval() {
        String repository = "e2e/lost-completion";
        SampleImages.Image image = push(repository, "1");
        List<ReplicationRequest> requests;
        Instant lost;
        try (LocalCodeBuild.Hold hold = pipeline.codeBuild()
                .hold(LocalCodeBuild.HoldPoint.AFTER_COMMANDS, build -> isBuildOf(build, repository, "PUSH"))) {
            requests = deliver(List.of(EcrEvents.push(repository, "1", image.digest(), Instant.now())));
            hold.awaitHeld(SETTLE);
            // Completion cannot reach Step Functions: its invocation fails three times and goes to the queue.
            try (OutageRelay.Outage outage = pipeline.stepFunctionsOutage()) {
                int before = pipeline.invocationFailureQueueDepth();
                hold.release();
                Instant deadline = Instant.now().plus(SETTLE);
                while (pipeline.invocationFailureQueueDepth() == before
                        && Instant.now().isBefore(deadline)) {
                    pause(Duration.ofMillis(50));
                }
                assertThat(pipeline.invocationFailureQueueDepth()).isEqualTo(before + 1);
                lost = Instant.now();
            }
        }

        LocalStepFunctions.ExecutionView done = pipeline.stepFunctions()
                .awaitCompletion(execution(repository, "PUSH").executionArn(), SETTLE);

        Duration recovered = Duration.between(lost, Instant.now());
        assertThat(done.status()).isEqualTo(LocalStepFunctions.Status.SUCCEEDED);
        assertThat(recovered).as("noticed by the next sweep").isLessThan(SWEEP.plusSeconds(5));
        assertThat(atDestination(repository, "1")).isEqualTo(image.digest());
        JsonNode failure = pipeline.invocationFailures().stream()
                .filter(record -> record.path("requestPayload").toString().contains(repository))
                .findFirst()
                .orElseThrow();
        assertThat(failure.path("requestContext").path("functionArn").asText()).contains("replicator-completion");
        pipeline.purgeInvocationFailures();
        settle(requests);
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
