package org.ecrreplicator.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.ecrreplicator.domain.contract.Artifacts;
import org.ecrreplicator.engines.SampleImages;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Random histories through the whole local pipeline: each history pushes, untags, deletes by digest and pushes
 * again three tags of one repository that share two images, while its events (duplicated, in shuffled order,
 * some delivered while later changes are still being made) go through Enqueue, the queue, the workflow and the
 * builds. When everything is quiet, the destination must hold exactly what the source holds, tag by tag.
 *
 * <p>Each history has its own repository, so ten run at once on one pipeline. A failure names each failing
 * seed and its history; {@code -Dconvergence.seed=N -Dconvergence.histories=1} runs that one alone.
 */
class ConvergencePropertyIT {
    private static final long FIRST_SEED = Long.getLong("convergence.seed", 20_261_129L);
    private static final int HISTORIES = Integer.getInteger("convergence.histories", 50);
    private static final int AT_ONCE = 6;
    private static final List<String> TAGS = List.of("t0", "t1", "t2");
    // A bound, not a wait: the pipeline is usually quiet after 5-6 minutes here (about 150 builds, each a fresh
    // JVM, on two CPUs shared with the registries and the pipeline; 341 s on 2026-11-30), and a machine that is
    // a third slower must not read as a convergence failure.
    private static final Duration SETTLE = Duration.ofMinutes(9);

    private static LocalPipeline pipeline;
    private static SampleImages.Target source;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void startPipeline() {
        Path repoRoot = RepoRoot.find();
        pipeline = LocalPipeline.start(new LocalPipeline.Settings(
                        null,
                        null,
                        repoRoot,
                        repoRoot.resolve(Artifacts.WORKER_JAR),
                        4,
                        Duration.ofSeconds(2),
                        Duration.ofMillis(100),
                        line -> {})
                .withSweepInterval(Duration.ofSeconds(5)));
        source = SampleImages.Target.anonymous(URI.create("http://" + pipeline.sourceAuthority()));
    }

    @AfterAll
    static void stopPipeline() {
        if (pipeline != null) {
            pipeline.close();
        }
    }

    @Test
    void shouldLeaveTheDestinationEqualToTheSourceTagByTagAfterEveryRandomHistory() throws Exception {
        List<String> failures = new ArrayList<>();
        int events = 0;
        Instant started = Instant.now();
        List<History> histories = new ArrayList<>();
        for (int i = 0; i < HISTORIES; i++) {
            histories.add(new History(FIRST_SEED + i));
        }
        // A window of histories at a time, each starting as another ends, keeps the builds busy; every history
        // has its own repository, so they are checked together once everything is quiet.
        java.util.concurrent.Semaphore window = new java.util.concurrent.Semaphore(AT_ONCE);
        try (ExecutorService runner = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (History history : histories) {
                window.acquire();
                running.add(runner.submit(() -> {
                    try {
                        history.run();
                    } finally {
                        window.release();
                    }
                    return null;
                }));
            }
            for (Future<?> future : running) {
                future.get();
            }
        }
        assertThat(pipeline.awaitQuiet(SETTLE)).as("the pipeline settled").isTrue();
        int redriven = redriveFailedExecutions();
        for (History history : histories) {
            events += history.delivered.size();
            String mismatch = history.mismatch();
            if (mismatch != null) {
                failures.add(mismatch);
            }
        }

        System.out.printf(
                "convergence: %d histories, %d events delivered, %d builds, %d executions redriven, %.1f s"
                        + " (this JVM's CPU: %.0f s)%n",
                HISTORIES,
                events,
                pipeline.codeBuild().buildsStarted(),
                redriven,
                Duration.between(started, Instant.now()).toMillis() / 1000.0,
                ProcessHandle.current()
                                .info()
                                .totalCpuDuration()
                                .orElse(Duration.ZERO)
                                .toMillis()
                        / 1000.0);
        assertThat(failures)
                .as("histories whose destination differs from the source (rerun one with -Dconvergence.seed=SEED"
                        + " -Dconvergence.histories=1)")
                .isEmpty();
        assertThat(pipeline.invocationFailures()).isEmpty();
    }

    /**
     * What an operator does when the failed-executions alarm fires: redrive them, until none fails. Ten
     * histories at once keep four build slots busy, and an execution that CodeBuild keeps throttling through all
     * of StartBuild's retries fails with {@code BuildThrottled} (locally the retries' pauses are shortened, so
     * this happens sooner than on AWS). The property is about where the destination ends up, redrives included.
     */
    private static int redriveFailedExecutions() {
        int redriven = 0;
        for (int round = 0; round < 5; round++) {
            List<LocalStepFunctions.ExecutionView> failed = pipeline.stepFunctions().executions().stream()
                    .filter(execution -> execution.status() == LocalStepFunctions.Status.FAILED)
                    .toList();
            if (failed.isEmpty()) {
                return redriven;
            }
            failed.forEach(execution -> pipeline.stepFunctions().redrive(execution.executionArn()));
            redriven += failed.size();
            assertThat(pipeline.awaitQuiet(SETTLE))
                    .as("the pipeline settled after redrives")
                    .isTrue();
        }
        throw new AssertionError("executions still fail after five rounds of redrives: "
                + pipeline.stepFunctions().executions().stream()
                        .filter(execution -> execution.status() == LocalStepFunctions.Status.FAILED)
                        .map(execution -> execution.executionArn() + " " + execution.error())
                        .toList());
    }

    /** One random history over tags t0-t2 of its own repository, with two images A and B. */
    private static final class History {
        private final long seed;
        private final Random random;
        private final String repository;
        private final List<String> steps = new ArrayList<>();
        private final List<String> pending = new ArrayList<>();
        private final List<String> delivered = new CopyOnWriteArrayList<>();
        private SampleImages.Manifest imageA;
        private SampleImages.Manifest imageB;

        History(long seed) {
            this.seed = seed;
            this.random = new Random(seed);
            this.repository = "prop/h" + seed;
        }

        void run() throws InterruptedException {
            imageA = SampleImages.seed(seed * 2)
                    .layers(1, 256)
                    .pushOciImage(source, repository, null)
                    .manifests()
                    .get(0);
            imageB = SampleImages.seed(seed * 2 + 1)
                    .layers(1, 256)
                    .pushOciImage(source, repository, null)
                    .manifests()
                    .get(0);
            int operations = 3 + random.nextInt(3);
            for (int i = 0; i < operations; i++) {
                operate();
                if (random.nextBoolean()) {
                    deliverSome();
                }
                Thread.sleep(random.nextInt(300));
            }
            Collections.shuffle(pending, random);
            deliver(new ArrayList<>(pending));
            pending.clear();
        }

        private void operate() {
            String tag = TAGS.get(random.nextInt(TAGS.size()));
            int kind = random.nextInt(100);
            Map<String, String> tags = sourceTags();
            if (kind < 10 && !delivered.isEmpty()) {
                String again = delivered.get(random.nextInt(delivered.size()));
                steps.add("redeliver an event");
                pending.add(again);
            } else if (kind < 30 && tags.containsKey(tag)) {
                String digest = tags.get(tag);
                pipeline.ownSource().untag(repository, tag);
                steps.add("untag " + tag);
                pending.add(EcrEvents.delete(repository, tag, digest, Instant.now()));
            } else if (kind < 42 && !tags.isEmpty()) {
                String digest = new ArrayList<>(tags.values()).get(random.nextInt(tags.size()));
                send("DELETE", "/v2/" + repository + "/manifests/" + digest, null, null, 202);
                steps.add("delete digest " + name(digest));
                pending.add(EcrEvents.delete(repository, null, digest, Instant.now()));
            } else {
                SampleImages.Manifest image = random.nextBoolean() ? imageA : imageB;
                send("PUT", "/v2/" + repository + "/manifests/" + tag, image.mediaType(), image.bytes(), 201);
                steps.add("push " + tag + "=" + name(image.digest()));
                pending.add(EcrEvents.push(repository, tag, image.digest(), Instant.now()));
            }
        }

        private void deliverSome() {
            Collections.shuffle(pending, random);
            int count = 1 + random.nextInt(pending.size() + 1);
            List<String> now = new ArrayList<>(pending.subList(0, Math.min(count, pending.size())));
            pending.removeAll(now);
            deliver(now);
        }

        private void deliver(List<String> events) {
            for (String event : events) {
                pipeline.deliverEvent(event);
                delivered.add(event);
            }
            steps.add("deliver " + events.size());
        }

        private String name(String digest) {
            return digest.equals(imageA.digest()) ? "A" : digest.equals(imageB.digest()) ? "B" : digest;
        }

        /** What the source registry holds now, tag by tag. */
        private Map<String, String> sourceTags() {
            return tags(pipeline.sourceAuthority());
        }

        private Map<String, String> tags(String authority) {
            RegistryProbe probe = new RegistryProbe();
            Map<String, String> tags = new LinkedHashMap<>();
            for (String tag : TAGS) {
                String digest = probe.digest(authority, repository, tag);
                if (digest != null) {
                    tags.put(tag, digest);
                }
            }
            return tags;
        }

        /** Null when the destination equals the source tag by tag; else what differs, with the history. */
        String mismatch() {
            Map<String, String> expected = tags(pipeline.sourceAuthority());
            Map<String, String> actual = tags(pipeline.destinationAuthority());
            if (expected.equals(actual)) {
                return null;
            }
            Map<String, String> named = new LinkedHashMap<>();
            expected.forEach((tag, digest) -> named.put(tag, name(digest)));
            Map<String, String> got = new LinkedHashMap<>();
            actual.forEach((tag, digest) -> got.put(tag, name(digest)));
            return "seed " + seed + ": source " + named + ", destination " + got + " after " + steps;
        }

        private void send(String method, String path, String contentType, byte[] body, int expected) {
            HttpRequest.Builder request =
                    HttpRequest.newBuilder(URI.create("http://" + pipeline.sourceAuthority() + path));
            if (body != null) {
                request.header("Content-Type", contentType)
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(body));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            try {
                HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != expected) {
                    throw new IllegalStateException(
                            method + " " + path + " answered " + response.statusCode() + ": " + response.body());
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }
}
