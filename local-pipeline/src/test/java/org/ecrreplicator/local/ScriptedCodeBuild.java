package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.ecrreplicator.engines.AwsJsonEndpoint;
import org.ecrreplicator.engines.AwsJsonEndpoint.AwsError;

/**
 * A CodeBuild API stand-in for the workflow tests (StartBuild, BatchGetBuilds on JSON 1.1) whose builds are
 * scripted instead of run: each build succeeds (exporting the variables buildspec.yml exports, with the digest
 * the source holds when the build ends: see {@link #sourceHolds}), fails in a phase, or is held until the test
 * releases it. When a build ends, a real-shaped
 * "CodeBuild Build State Change" event goes to the sink (the Completion handler). The real buildspec runs in
 * the engines' LocalCodeBuild; these tests are about the workflow around it.
 */
final class ScriptedCodeBuild implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    enum Script {
        SUCCEED,
        FAIL,
        HOLD
    }

    /** One started build. */
    static final class Build {
        final String id;
        final String arn;
        final int number;
        final Map<String, JsonNode> environment;
        final CompletableFuture<Boolean> release = new CompletableFuture<>();
        volatile String status = "IN_PROGRESS";
        volatile Map<String, String> exported = Map.of();

        Build(String id, String arn, int number, Map<String, JsonNode> environment) {
            this.id = id;
            this.arn = arn;
            this.number = number;
            this.environment = environment;
        }

        String variable(String name) {
            JsonNode variable = environment.get(name);
            return variable == null ? null : variable.path("value").asText();
        }

        String type(String name) {
            JsonNode variable = environment.get(name);
            return variable == null ? null : variable.path("type").asText("PLAINTEXT");
        }

        /** Lets a held build end: successfully or not. */
        void release(boolean succeed) {
            release.complete(succeed);
        }
    }

    private final String projectName;
    private final String region = "us-east-1";
    private final String account = "123456789012";
    private final AwsJsonEndpoint endpoint = new AwsJsonEndpoint("CodeBuild_20161006", "1.1");
    private final Deque<Script> scripts = new ArrayDeque<>();
    private final AtomicInteger throttles = new AtomicInteger();
    private final AtomicInteger startBuildCalls = new AtomicInteger();
    private final AtomicInteger numbers = new AtomicInteger();
    private final List<Build> builds = new CopyOnWriteArrayList<>();
    private final Map<String, Build> byId = new ConcurrentHashMap<>();
    private final Map<String, Build> byIdempotencyToken = new ConcurrentHashMap<>();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final Map<String, String> sourceDigests = new ConcurrentHashMap<>();
    private final ExecutorService runner = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "scripted-codebuild");
        thread.setDaemon(true);
        return thread;
    });
    private volatile Consumer<String> sink = event -> {};

    ScriptedCodeBuild(String projectName) {
        this.projectName = projectName;
        endpoint.on("StartBuild", this::startBuild).on("BatchGetBuilds", this::batchGetBuilds);
    }

    URI endpoint() {
        return endpoint.endpoint();
    }

    /** Where the "CodeBuild Build State Change" events go, as the EventBridge rule would deliver them. */
    void deliverEventsTo(Consumer<String> eventSink) {
        this.sink = eventSink;
    }

    /** The next builds follow these scripts, in order; after them builds succeed. */
    synchronized void script(Script... next) {
        scripts.addAll(List.of(next));
    }

    /**
     * The source registry now holds {@code digest} under {@code imageKey} ({@code repository:tag}). The real
     * copy engine resolves the tag when it copies, so a build reports this digest, not its event's; without
     * an entry, the source still holds what the event announced.
     */
    void sourceHolds(String imageKey, String digest) {
        sourceDigests.put(imageKey, digest);
    }

    /** The next {@code times} StartBuild calls fail with ThrottlingException, as an API rate limit does. */
    void throttleNextStartBuilds(int times) {
        throttles.set(times);
    }

    List<Build> builds() {
        return List.copyOf(builds);
    }

    /** StartBuild calls since the last {@link #reset()}, throttled ones included. */
    int startBuildCalls() {
        return startBuildCalls.get();
    }

    /** The events delivered so far (added once the sink has handled them). */
    List<String> events() {
        return List.copyOf(events);
    }

    void reset() {
        synchronized (this) {
            scripts.clear();
        }
        throttles.set(0);
        startBuildCalls.set(0);
        builds.forEach(build -> build.release(true));
        builds.clear();
        events.clear();
        sourceDigests.clear();
    }

    private synchronized Script nextScript() {
        Script next = scripts.poll();
        return next == null ? Script.SUCCEED : next;
    }

    private JsonNode startBuild(JsonNode request) {
        startBuildCalls.incrementAndGet();
        if (!projectName.equals(request.path("projectName").asText())) {
            throw new AwsError(
                    "ResourceNotFoundException",
                    "Project cannot be found: arn:aws:codebuild:" + region + ":" + account + ":project/"
                            + request.path("projectName").asText());
        }
        if (throttles.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new AwsError("ThrottlingException", "Rate exceeded");
        }
        String idempotencyToken = request.path("idempotencyToken").asText(null);
        if (idempotencyToken != null && byIdempotencyToken.containsKey(idempotencyToken)) {
            return response(byIdempotencyToken.get(idempotencyToken));
        }
        Map<String, JsonNode> environment = new LinkedHashMap<>();
        for (JsonNode variable : request.path("environmentVariablesOverride")) {
            environment.put(variable.path("name").asText(), variable);
        }
        int number = numbers.incrementAndGet();
        String id = projectName + ":" + UUID.randomUUID();
        Build build =
                new Build(id, "arn:aws:codebuild:" + region + ":" + account + ":build/" + id, number, environment);
        builds.add(build);
        byId.put(id, build);
        if (idempotencyToken != null) {
            byIdempotencyToken.put(idempotencyToken, build);
        }
        Script script = nextScript();
        if (script != Script.HOLD) {
            build.release(script == Script.SUCCEED);
        }
        // Completes after StartBuild has answered, as a real build's event always comes later.
        build.release.thenAcceptAsync(succeed -> finish(build, succeed), runner);
        return response(build);
    }

    private void finish(Build build, boolean succeed) {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (succeed) {
            JsonNode request = parse(build.variable("REPLICATION_REQUEST"));
            boolean delete = "DELETE".equals(request.path("action").asText());
            Map<String, String> exported = new LinkedHashMap<>();
            exported.put("OUTCOME", delete ? "DELETED" : "REPLICATED");
            String imageKey = request.path("repository").asText() + ":"
                    + request.path("tag").asText();
            exported.put(
                    "REPLICATED_DIGEST",
                    sourceDigests.getOrDefault(imageKey, request.path("digest").asText()));
            exported.put("BYTES_COPIED", delete ? "0" : "1234");
            exported.put("BLOBS_COPIED", delete ? "0" : "2");
            exported.put("BLOBS_SKIPPED", "0");
            build.exported = exported;
            build.status = "SUCCEEDED";
        } else {
            build.status = "FAILED";
        }
        String event = stateChangeEvent(build).toString();
        sink.accept(event);
        events.add(event);
    }

    private static JsonNode parse(String text) {
        try {
            return JSON.readTree(text == null ? "{}" : text);
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    private JsonNode batchGetBuilds(JsonNode request) {
        ObjectNode response = JSON.createObjectNode();
        ArrayNode found = response.putArray("builds");
        ArrayNode missing = response.putArray("buildsNotFound");
        for (JsonNode id : request.path("ids")) {
            Build build = byId.get(id.asText().replaceFirst("^arn:[^/]+/", ""));
            if (build == null) {
                missing.add(id.asText());
            } else {
                found.add(describe(build));
            }
        }
        return response;
    }

    private JsonNode response(Build build) {
        ObjectNode response = JSON.createObjectNode();
        response.set("build", describe(build));
        return response;
    }

    private ObjectNode describe(Build build) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", build.id);
        node.put("arn", build.arn);
        node.put("buildNumber", build.number);
        node.put("projectName", projectName);
        node.put("buildStatus", build.status);
        node.put("buildComplete", !"IN_PROGRESS".equals(build.status));
        node.put("currentPhase", "IN_PROGRESS".equals(build.status) ? "BUILD" : "COMPLETED");
        ObjectNode environment = node.putObject("environment");
        environment.put("type", "LINUX_CONTAINER");
        environment.put("computeType", "BUILD_GENERAL1_SMALL");
        environment.put("image", "aws/codebuild/amazonlinux-x86_64-standard:5.0");
        ArrayNode variables = environment.putArray("environmentVariables");
        build.environment.values().forEach(variables::add);
        ArrayNode exported = node.putArray("exportedEnvironmentVariables");
        build.exported.forEach(
                (name, value) -> exported.addObject().put("name", name).put("value", value));
        ObjectNode logs = node.putObject("logs");
        logs.put("groupName", "/aws/codebuild/" + projectName);
        logs.put("streamName", build.id.substring(build.id.indexOf(':') + 1));
        return node;
    }

    private ObjectNode stateChangeEvent(Build build) {
        ObjectNode event = JSON.createObjectNode();
        event.put("version", "0");
        event.put("id", UUID.randomUUID().toString());
        event.put("detail-type", "CodeBuild Build State Change");
        event.put("source", "aws.codebuild");
        event.put("account", account);
        event.put("time", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        event.put("region", region);
        event.putArray("resources").add(build.arn);
        ObjectNode detail = event.putObject("detail");
        detail.put("build-status", build.status);
        detail.put("project-name", projectName);
        detail.put("build-id", build.arn);
        ObjectNode info = detail.putObject("additional-information");
        info.put("build-complete", true);
        info.put("build-number", build.number);
        info.put("initiator", "local");
        ObjectNode environment = info.putObject("environment");
        environment.put("image", "aws/codebuild/amazonlinux-x86_64-standard:5.0");
        environment.put("privileged-mode", false);
        environment.put("compute-type", "BUILD_GENERAL1_SMALL");
        environment.put("type", "LINUX_CONTAINER");
        ArrayNode variables = environment.putArray("environment-variables");
        build.environment.values().forEach(variables::add);
        ObjectNode logs = info.putObject("logs");
        logs.put("group-name", "/aws/codebuild/" + projectName);
        logs.put("stream-name", build.id.substring(build.id.indexOf(':') + 1));
        logs.put(
                "deep-link",
                "https://console.aws.amazon.com/cloudwatch/home?region=" + region + "#logEvent:group=/aws/codebuild/"
                        + projectName);
        ArrayNode phases = info.putArray("phases");
        for (String phase : List.of(
                "SUBMITTED",
                "QUEUED",
                "PROVISIONING",
                "DOWNLOAD_SOURCE",
                "INSTALL",
                "PRE_BUILD",
                "BUILD",
                "POST_BUILD",
                "UPLOAD_ARTIFACTS",
                "FINALIZING")) {
            ObjectNode entry = phases.addObject();
            entry.put("phase-type", phase);
            boolean failed = "FAILED".equals(build.status) && phase.equals("BUILD");
            entry.put("phase-status", failed ? "FAILED" : "SUCCEEDED");
            ArrayNode context = entry.putArray("phase-context");
            if (failed) {
                context.add("COMMAND_EXECUTION_ERROR: Error while executing command: java -jar replicator.jar"
                        + " replicate. Reason: exit status 1");
            }
        }
        phases.addObject().put("phase-type", "COMPLETED");
        ArrayNode exported = info.putArray("exported-environment-variables");
        build.exported.forEach(
                (name, value) -> exported.addObject().put("name", name).put("value", value));
        detail.put("current-phase", "COMPLETED");
        detail.put("current-phase-context", "[: ]");
        detail.put("version", "1");
        return event;
    }

    @Override
    public void close() {
        builds.forEach(build -> build.release(false));
        runner.shutdownNow();
        endpoint.close();
    }
}
