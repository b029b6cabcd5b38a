package org.ecrreplicator.engines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A CodeBuild stand-in for one project: the CodeBuild API's StartBuild, BatchGetBuilds, ListBuildsForProject and
 * StopBuild on the AWS JSON protocol, with builds that run the project's real {@code buildspec.yml} commands with bash in a
 * scratch directory, in the build's environment. {@code SECRETS_MANAGER} variables are resolved at build
 * start and masked in the build log, as CodeBuild does. Like a project with a concurrent-build limit, a
 * StartBuild beyond the limit fails with {@code AccountLimitExceededException}. When a build ends, a
 * real-shaped "CodeBuild Build State Change" event goes to the event sink. A test can {@link #hold} builds
 * before their commands run, as a slow build would be, to line other work up against them.
 *
 * <p>A {@linkplain #scripted scripted} stand-in runs no commands: a {@link BuildScript} decides how each build ends,
 * for tests about the workflow around builds. Its builds are the same records, with the same API shapes, holds and
 * events.
 */
public final class LocalCodeBuild implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YAMLMapper YAML = new YAMLMapper();
    private static final List<String> PHASES = List.of("INSTALL", "PRE_BUILD", "BUILD", "POST_BUILD");
    private static final DateTimeFormatter EVENT_TIME =
            DateTimeFormatter.ofPattern("MMM d, yyyy h:mm:ss a", Locale.US).withZone(ZoneOffset.UTC);

    /**
     * @param sourceDirectory what the build's source holds: {@code buildspec.yml} and whatever it runs; unused
     *     (may be null) when the builds are scripted
     * @param environment the project's environment variables (PLAINTEXT)
     */
    public record Project(
            String name,
            Path sourceDirectory,
            Map<String, String> environment,
            int concurrentBuildLimit,
            Duration timeout) {}

    /** Resolves a {@code SECRETS_MANAGER} reference {@code secret-id:json-key[:stage[:version]]} to its value. */
    @FunctionalInterface
    public interface SecretResolver {
        String resolve(String reference);
    }

    /** Receives each "CodeBuild Build State Change" event, as EventBridge would deliver it. */
    @FunctionalInterface
    public interface EventSink {
        void deliver(String eventJson);
    }

    /** How the builds of a scripted stand-in end, instead of running the buildspec. */
    @FunctionalInterface
    public interface BuildScript {
        /** Called when the build would run its commands (after any hold before them). */
        ScriptedEnd end(Build build);
    }

    /**
     * A scripted build's end: SUCCEEDED with the variables it exports, or FAILED in {@code failedPhase} with
     * CodeBuild's phase context ({@code statusCode}: {@code message}).
     */
    public record ScriptedEnd(
            boolean succeeded, Map<String, String> exported, String failedPhase, String statusCode, String message) {
        public static ScriptedEnd succeeded(Map<String, String> exported) {
            return new ScriptedEnd(true, exported, null, null, null);
        }

        public static ScriptedEnd failed(String phase, String statusCode, String message) {
            return new ScriptedEnd(false, Map.of(), phase, statusCode, message);
        }
    }

    /** A variable of a build's environment as StartBuild set it: a SECRETS_MANAGER one holds its reference. */
    public record EnvironmentVariable(String name, String value, String type) {}

    /** One build as BatchGetBuilds reports it, plus what the stand-in knows about it. */
    public static final class Build {
        private final String id;
        private final String arn;
        private final int number;
        private final Instant startTime;
        private final Map<String, JsonNode> environmentVariables;
        private final Path directory;
        private volatile String status = "IN_PROGRESS";
        private volatile String currentPhase = "SUBMITTED";
        private volatile Instant endTime;
        private volatile String failedPhase;
        private volatile String failureMessage;
        private volatile Map<String, String> exported = Map.of();
        private volatile Process process;
        private volatile boolean stopRequested;

        private Build(String id, String arn, int number, Map<String, JsonNode> environmentVariables, Path directory) {
            this.id = id;
            this.arn = arn;
            this.number = number;
            this.startTime = Instant.now();
            this.environmentVariables = environmentVariables;
            this.directory = directory;
        }

        public String id() {
            return id;
        }

        public String arn() {
            return arn;
        }

        public String status() {
            return status;
        }

        public boolean complete() {
            return endTime != null;
        }

        public Map<String, String> exportedVariables() {
            return exported;
        }

        public String failedPhase() {
            return failedPhase;
        }

        public Path logFile() {
            return directory.resolve("build.log");
        }

        /** The build's environment: the project's variables and StartBuild's overrides. */
        public List<EnvironmentVariable> environmentVariables() {
            return environmentVariables.values().stream()
                    .map(variable -> new EnvironmentVariable(
                            variable.path("name").asText(),
                            variable.path("value").asText(),
                            variable.path("type").asText("PLAINTEXT")))
                    .toList();
        }

        /** A variable of the build's environment, of any type, or null. */
        public EnvironmentVariable environmentVariable(String name) {
            return environmentVariables().stream()
                    .filter(variable -> variable.name().equals(name))
                    .findFirst()
                    .orElse(null);
        }

        /** A PLAINTEXT variable of the build's environment, or null. */
        public String plaintextVariable(String name) {
            JsonNode variable = environmentVariables.get(name);
            return variable == null || !"PLAINTEXT".equals(variable.path("type").asText("PLAINTEXT"))
                    ? null
                    : variable.path("value").asText();
        }
    }

    /**
     * How long a scripted build takes at least: its event must come after StartBuild has answered, as a real
     * build's always does, since StartBuild's caller records the build it started before hearing of its end.
     */
    private static final Duration SCRIPTED_BUILD_TIME = Duration.ofMillis(50);

    private final Project project;
    private final BuildScript script;
    private final SecretResolver secrets;
    private final EventSink events;
    private final String region;
    private final String account;
    private final AwsJsonEndpoint endpoint;
    private final Path workRoot;
    private final ExecutorService runner = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "local-codebuild");
        thread.setDaemon(true);
        return thread;
    });
    private final Map<String, Build> builds = new ConcurrentHashMap<>();
    private final Map<String, String> buildsByIdempotencyToken = new ConcurrentHashMap<>();
    private final AtomicInteger numbers = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicInteger maxActive = new AtomicInteger();
    private final List<Hold> holds = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final AtomicInteger throttledStartBuilds = new AtomicInteger();

    /** Builds run the project's buildspec. */
    public LocalCodeBuild(Project project, SecretResolver secrets, EventSink events, String region, String account) {
        this(project, null, secrets, events, region, account);
    }

    /** Builds run no commands: {@code script} decides how each ends; secrets are not resolved. */
    public static LocalCodeBuild scripted(
            Project project, BuildScript script, EventSink events, String region, String account) {
        return new LocalCodeBuild(project, java.util.Objects.requireNonNull(script), null, events, region, account);
    }

    private LocalCodeBuild(
            Project project,
            BuildScript script,
            SecretResolver secrets,
            EventSink events,
            String region,
            String account) {
        this.project = project;
        this.script = script;
        this.secrets = secrets;
        this.events = events;
        this.region = region;
        this.account = account;
        try {
            this.workRoot = Files.createTempDirectory("local-codebuild-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        this.endpoint = new AwsJsonEndpoint("CodeBuild_20161006", "1.1")
                .on("StartBuild", this::startBuild)
                .on("BatchGetBuilds", this::batchGetBuilds)
                .on("ListBuildsForProject", this::listBuildsForProject)
                .on("StopBuild", this::stopBuild);
    }

    /** Where a held build waits. */
    public enum HoldPoint {
        /** Before its commands run: it has not looked at anything yet. */
        BEFORE_COMMANDS,
        /** After its commands ran, before it ends and reports: its work is done, its result not yet known. */
        AFTER_COMMANDS
    }

    /**
     * Builds that match, from now on, wait at {@code point} until the hold is released (or closed): a build
     * that is slow for as long as a test needs. The build is IN_PROGRESS meanwhile, as on CodeBuild.
     */
    public Hold hold(HoldPoint point, java.util.function.Predicate<Build> which) {
        Hold hold = new Hold(point, which);
        holds.add(hold);
        return hold;
    }

    /** Builds held back by {@link #hold}. */
    public final class Hold implements AutoCloseable {
        private final HoldPoint point;
        private final java.util.function.Predicate<Build> which;
        private final java.util.concurrent.CountDownLatch released = new java.util.concurrent.CountDownLatch(1);
        private final java.util.concurrent.LinkedBlockingQueue<Build> held =
                new java.util.concurrent.LinkedBlockingQueue<>();

        private Hold(HoldPoint point, java.util.function.Predicate<Build> which) {
            this.point = point;
            this.which = which;
        }

        /** Waits for the next build this hold catches; fails when none comes within {@code timeout}. */
        public Build awaitHeld(Duration timeout) {
            try {
                Build build = held.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
                if (build == null) {
                    throw new IllegalStateException("no build was held within " + timeout);
                }
                return build;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        /** Lets every build it holds, and every later one it would catch, run. */
        public void release() {
            holds.remove(this);
            released.countDown();
        }

        @Override
        public void close() {
            release();
        }

        private boolean catches(HoldPoint at, Build build) {
            return point == at && released.getCount() > 0 && which.test(build);
        }

        private void await(Build build) throws InterruptedException {
            held.add(build);
            released.await();
        }
    }

    /** For {@code AWS_ENDPOINT_URL_CODEBUILD}. */
    public java.net.URI endpoint() {
        return endpoint.endpoint();
    }

    public List<Build> builds() {
        return builds.values().stream()
                .sorted((a, b) -> Integer.compare(a.number, b.number))
                .toList();
    }

    public int buildsStarted() {
        return numbers.get();
    }

    /** The most builds that ever ran at once: the concurrency limit held if this never exceeds it. */
    public int maxConcurrentBuilds() {
        return maxActive.get();
    }

    public int activeBuilds() {
        return active.get();
    }

    /** StartBuild calls answered so far, refused ones included. */
    public int startBuildCalls() {
        return endpoint.calls("StartBuild").size();
    }

    /** The next {@code times} StartBuild calls fail with ThrottlingException, as CodeBuild's API rate limit does. */
    public void throttleNextStartBuilds(int times) {
        throttledStartBuilds.set(times);
    }

    private JsonNode startBuild(JsonNode request) {
        String projectName = request.path("projectName").asText();
        if (!project.name().equals(projectName)) {
            throw new AwsJsonEndpoint.AwsError(
                    "ResourceNotFoundException",
                    "Project cannot be found: arn:aws:codebuild:" + region + ":" + account + ":project/" + projectName);
        }
        if (throttledStartBuilds.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new AwsJsonEndpoint.AwsError("ThrottlingException", "Rate exceeded");
        }
        String token = request.path("idempotencyToken").asText(null);
        if (token != null) {
            String existing = buildsByIdempotencyToken.get(token);
            if (existing != null) {
                return response(builds.get(existing));
            }
        }
        Map<String, JsonNode> environment = new LinkedHashMap<>();
        project.environment().forEach((name, value) -> environment.put(name, variable(name, value, "PLAINTEXT")));
        for (JsonNode override : request.path("environmentVariablesOverride")) {
            environment.put(override.path("name").asText(), override);
        }
        synchronized (this) {
            if (active.get() >= project.concurrentBuildLimit()) {
                throw new AwsJsonEndpoint.AwsError(
                        "AccountLimitExceededException",
                        "Cannot have more than " + project.concurrentBuildLimit() + " active builds for the project "
                                + project.name());
            }
            maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
        }
        int number = numbers.incrementAndGet();
        String id = project.name() + ":" + UUID.randomUUID();
        Path directory = workRoot.resolve("build-" + number);
        Build build = new Build(
                id, "arn:aws:codebuild:" + region + ":" + account + ":build/" + id, number, environment, directory);
        builds.put(id, build);
        if (token != null) {
            buildsByIdempotencyToken.put(token, id);
        }
        runner.submit(() -> run(build));
        return response(build);
    }

    private JsonNode batchGetBuilds(JsonNode request) {
        ObjectNode response = JSON.createObjectNode();
        ArrayNode found = response.putArray("builds");
        ArrayNode missing = response.putArray("buildsNotFound");
        for (JsonNode id : request.path("ids")) {
            Build build = builds.get(id.asText().replaceFirst("^arn:[^/]+/", ""));
            if (build == null) {
                missing.add(id.asText());
            } else {
                found.add(describe(build));
            }
        }
        return response;
    }

    /** Build ids of the project, newest first unless {@code sortOrder} is ASCENDING, 100 a page. */
    private JsonNode listBuildsForProject(JsonNode request) {
        String projectName = request.path("projectName").asText();
        if (!project.name().equals(projectName)) {
            throw new AwsJsonEndpoint.AwsError(
                    "ResourceNotFoundException",
                    "Project cannot be found: arn:aws:codebuild:" + region + ":" + account + ":project/" + projectName);
        }
        List<Build> ordered = new ArrayList<>(builds());
        if (!"ASCENDING".equals(request.path("sortOrder").asText("DESCENDING"))) {
            java.util.Collections.reverse(ordered);
        }
        int from = 0;
        if (request.hasNonNull("nextToken")) {
            try {
                from = Integer.parseInt(request.path("nextToken").asText());
            } catch (NumberFormatException e) {
                throw new AwsJsonEndpoint.AwsError("InvalidInputException", "Invalid next token");
            }
        }
        int to = Math.min(ordered.size(), from + 100);
        ObjectNode response = JSON.createObjectNode();
        ArrayNode ids = response.putArray("ids");
        ordered.subList(Math.min(from, to), to).forEach(build -> ids.add(build.id));
        if (to < ordered.size()) {
            response.put("nextToken", Integer.toString(to));
        }
        return response;
    }

    private JsonNode stopBuild(JsonNode request) {
        Build build = builds.get(request.path("id").asText().replaceFirst("^arn:[^/]+/", ""));
        if (build == null) {
            throw new AwsJsonEndpoint.AwsError("ResourceNotFoundException", "Build not found: " + request.path("id"));
        }
        build.stopRequested = true;
        Process process = build.process;
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroy);
            process.destroy();
        }
        return response(build);
    }

    private void run(Build build) {
        try {
            holdAt(HoldPoint.BEFORE_COMMANDS, build);
            if (script == null) {
                execute(build);
            } else {
                endAsScripted(build);
            }
        } catch (Exception e) {
            build.status = "FAULT";
            build.failureMessage = e.toString();
        } finally {
            build.endTime = Instant.now();
            build.currentPhase = "COMPLETED";
            active.decrementAndGet();
            try {
                events.deliver(JSON.writeValueAsString(stateChangeEvent(build)));
            } catch (Exception e) {
                appendLog(build, "[local-codebuild] event delivery failed: " + e);
            }
        }
    }

    private void holdAt(HoldPoint point, Build build) throws InterruptedException {
        for (Hold hold : holds) {
            if (hold.catches(point, build)) {
                hold.await(build);
            }
        }
    }

    private void execute(Build build) throws IOException, InterruptedException {
        Files.createDirectories(build.directory);
        Path source = build.directory.resolve("src");
        Files.createDirectories(source);
        try (var files = Files.list(project.sourceDirectory())) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.createSymbolicLink(source.resolve(file.getFileName()), file.toAbsolutePath());
            }
        }
        JsonNode buildspec =
                YAML.readTree(project.sourceDirectory().resolve("buildspec.yml").toFile());

        build.currentPhase = "PROVISIONING";
        Map<String, String> environment = new LinkedHashMap<>();
        List<String> masked = new ArrayList<>();
        environment.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":" + System.getenv("PATH"));
        environment.put("HOME", System.getProperty("user.home"));
        environment.put("LANG", "C.UTF-8");
        environment.put("AWS_REGION", region);
        environment.put("AWS_DEFAULT_REGION", region);
        environment.put("CODEBUILD_BUILD_ID", build.id);
        environment.put("CODEBUILD_BUILD_ARN", build.arn);
        environment.put("CODEBUILD_BUILD_NUMBER", String.valueOf(build.number));
        environment.put("CODEBUILD_SRC_DIR", source.toString());
        environment.put("CODEBUILD_INITIATOR", "local");
        buildspec
                .path("env")
                .path("variables")
                .properties()
                .forEach(e -> environment.put(e.getKey(), e.getValue().asText()));
        try {
            buildspec.path("env").path("secrets-manager").properties().forEach(e -> {
                String value = secrets.resolve(e.getValue().asText());
                environment.put(e.getKey(), value);
                masked.add(value);
            });
            for (Map.Entry<String, JsonNode> variable : build.environmentVariables.entrySet()) {
                String type = variable.getValue().path("type").asText("PLAINTEXT");
                String value = variable.getValue().path("value").asText();
                switch (type) {
                    case "PLAINTEXT" -> environment.put(variable.getKey(), value);
                    case "SECRETS_MANAGER" -> {
                        String resolved = secrets.resolve(value);
                        environment.put(variable.getKey(), resolved);
                        masked.add(resolved);
                    }
                    default -> throw new IllegalArgumentException("unsupported environment variable type " + type);
                }
            }
        } catch (RuntimeException e) {
            // CodeBuild fails such a build in DOWNLOAD_SOURCE with a Secrets Manager error, naming the reference only.
            fail(build, "DOWNLOAD_SOURCE", "SECRETS_MANAGER_ERROR", "Secrets Manager error: " + e.getMessage());
            return;
        }

        build.currentPhase = "BUILD";
        List<String> exportedNames = new ArrayList<>();
        buildspec.path("env").path("exported-variables").forEach(name -> exportedNames.add(name.asText()));
        Path script = build.directory.resolve("buildspec.sh");
        Path status = build.directory.resolve("phase-status");
        Path exports = build.directory.resolve("exported.env");
        Files.writeString(script, script(buildspec, status, exports, exportedNames));
        Path rawLog = build.directory.resolve("raw.log");
        ProcessBuilder builder = new ProcessBuilder("bash", script.toString())
                .directory(source.toFile())
                .redirectErrorStream(true)
                .redirectOutput(rawLog.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment);
        Process process = builder.start();
        build.process = process;
        boolean finished = process.waitFor(project.timeout().toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String log = Files.exists(rawLog) ? Files.readString(rawLog, StandardCharsets.UTF_8) : "";
        for (String secret : masked) {
            if (!secret.isEmpty()) {
                log = log.replace(secret, "***");
            }
        }
        Files.writeString(build.logFile(), log);
        build.currentPhase = "POST_BUILD";
        holdAt(HoldPoint.AFTER_COMMANDS, build);
        if (!finished) {
            build.status = "TIMED_OUT";
            build.failedPhase = "BUILD";
            build.failureMessage = "Build has timed out.";
            return;
        }
        if (build.stopRequested) {
            build.status = "STOPPED";
            build.failedPhase = "BUILD";
            return;
        }
        build.exported = readExports(exports);
        String failed = Files.exists(status) ? Files.readString(status).trim() : "";
        if (failed.isEmpty()) {
            build.status = "SUCCEEDED";
        } else {
            fail(build, failed.split(" ")[0], "COMMAND_EXECUTION_ERROR", failureMessage(buildspec, failed));
        }
    }

    private void endAsScripted(Build build) throws InterruptedException {
        build.currentPhase = "BUILD";
        Thread.sleep(SCRIPTED_BUILD_TIME.toMillis());
        ScriptedEnd end = script.end(build);
        build.currentPhase = "POST_BUILD";
        holdAt(HoldPoint.AFTER_COMMANDS, build);
        if (end.succeeded()) {
            build.exported = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(end.exported()));
            build.status = "SUCCEEDED";
        } else {
            fail(build, end.failedPhase(), end.statusCode(), end.message());
        }
    }

    private static void fail(Build build, String phase, String code, String message) {
        build.status = "FAILED";
        build.failedPhase = phase;
        build.failureMessage = code + ": " + message;
    }

    /**
     * One bash process for the whole buildspec, as CodeBuild runs version 0.2 specs in one shell: variables
     * and the working directory carry over between commands and phases. A failing command fails its phase;
     * a failed INSTALL or PRE_BUILD skips the rest, while POST_BUILD runs after a failed BUILD.
     */
    static String script(JsonNode buildspec, Path status, Path exports, List<String> exportedNames) {
        StringBuilder script = new StringBuilder("set +e\n__failed=\n__done=\n__phase=INSTALL\n__index=0\n");
        // A command that exits the shell ends the build in its phase, as in CodeBuild. The status file holds
        // "PHASE INDEX EXIT-CODE"; the message is composed from the buildspec, so no command text is quoted here.
        script.append("trap '__rc=$?; if [ -z \"$__done\" ]; then printf \"%s %s %s\" \"$__phase\" \"$__index\""
                        + " \"$__rc\" > \"")
                .append(status)
                .append("\"; fi' EXIT\n");
        for (String phase : PHASES) {
            String guard = phase.equals("POST_BUILD")
                    ? "case \"$__failed\" in INSTALL*|PRE_BUILD*) false ;; *) true ;; esac"
                    : "[ -z \"$__failed\" ]";
            int index = 0;
            for (JsonNode command : commands(buildspec, phase)) {
                script.append("__phase=")
                        .append(phase)
                        .append("\n__index=")
                        .append(index++)
                        .append("\nif ")
                        .append(guard)
                        .append("; then\n")
                        .append(command.asText())
                        .append(
                                "\n__rc=$?\nif [ $__rc -ne 0 ] && [ -z \"$__failed\" ]; then __failed=\"$__phase $__index")
                        .append(" $__rc\"; fi\nfi\n");
            }
        }
        script.append("__done=1\nprintf '%s' \"$__failed\" > '").append(status).append("'\n");
        script.append(": > '").append(exports).append("'\n");
        for (String name : exportedNames) {
            script.append("printf '%s=%s\\n' '")
                    .append(name)
                    .append("' \"${")
                    .append(name)
                    .append("-}\" >> '")
                    .append(exports)
                    .append("'\n");
        }
        script.append("[ -z \"$__failed\" ]\n");
        return script.toString();
    }

    private static JsonNode commands(JsonNode buildspec, String phase) {
        return buildspec.path("phases").path(phase.toLowerCase(Locale.ROOT)).path("commands");
    }

    /** CodeBuild's phase context for a failed command: its first line and the exit status. */
    static String failureMessage(JsonNode buildspec, String status) {
        String[] parts = status.trim().split(" ");
        String command = "";
        if (parts.length >= 2) {
            JsonNode commands = commands(buildspec, parts[0]);
            int index = Integer.parseInt(parts[1]);
            if (index < commands.size()) {
                command =
                        commands.get(index).asText().strip().lines().findFirst().orElse("");
            }
        }
        return "Error while executing command: " + command + ". Reason: exit status "
                + (parts.length >= 3 ? parts[2] : "?");
    }

    private static Map<String, String> readExports(Path exports) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        if (Files.exists(exports)) {
            for (String line : Files.readAllLines(exports)) {
                int eq = line.indexOf('=');
                if (eq > 0) {
                    values.put(line.substring(0, eq), line.substring(eq + 1));
                }
            }
        }
        return Map.copyOf(values);
    }

    private static void appendLog(Build build, String line) {
        try {
            Files.writeString(
                    build.logFile(),
                    line + "\n",
                    StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
        } catch (IOException e) {
            // the log is best effort
        }
    }

    private static JsonNode variable(String name, String value, String type) {
        ObjectNode node = JSON.createObjectNode();
        node.put("name", name);
        node.put("value", value);
        node.put("type", type);
        return node;
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
        node.put("projectName", project.name());
        node.put("startTime", build.startTime.toEpochMilli() / 1000.0);
        if (build.endTime != null) {
            node.put("endTime", build.endTime.toEpochMilli() / 1000.0);
        }
        node.put("currentPhase", build.currentPhase);
        node.put("buildStatus", build.status);
        node.put("buildComplete", build.complete());
        node.put("timeoutInMinutes", Math.max(1, project.timeout().toMinutes()));
        ObjectNode environment = node.putObject("environment");
        environment.put("type", "LINUX_CONTAINER");
        environment.put("computeType", "BUILD_GENERAL1_SMALL");
        environment.put("image", "local");
        environment.put("privilegedMode", false);
        ArrayNode variables = environment.putArray("environmentVariables");
        build.environmentVariables.values().forEach(variables::add);
        ArrayNode phases = node.putArray("phases");
        if (build.complete()) {
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
                entry.put("phaseType", phase);
                boolean failed = phase.equals(build.failedPhase);
                entry.put(
                        "phaseStatus",
                        failed ? (build.status.equals("TIMED_OUT") ? "TIMED_OUT" : "FAILED") : "SUCCEEDED");
                if (failed && build.failureMessage != null) {
                    ObjectNode context = entry.putArray("contexts").addObject();
                    int colon = build.failureMessage.indexOf(": ");
                    context.put("statusCode", colon > 0 ? build.failureMessage.substring(0, colon) : "");
                    context.put(
                            "message", colon > 0 ? build.failureMessage.substring(colon + 2) : build.failureMessage);
                }
            }
            phases.addObject().put("phaseType", "COMPLETED");
        }
        ArrayNode exported = node.putArray("exportedEnvironmentVariables");
        build.exported.forEach(
                (name, value) -> exported.addObject().put("name", name).put("value", value));
        ObjectNode logs = node.putObject("logs");
        logs.put("groupName", "/aws/codebuild/" + project.name());
        logs.put("streamName", build.id.substring(build.id.indexOf(':') + 1));
        logs.put("deepLink", build.logFile().toUri().toString());
        return node;
    }

    /** The EventBridge event CodeBuild emits when a build reaches a final status. */
    ObjectNode stateChangeEvent(Build build) {
        ObjectNode event = JSON.createObjectNode();
        event.put("version", "0");
        event.put("id", UUID.randomUUID().toString());
        event.put("detail-type", "CodeBuild Build State Change");
        event.put("source", "aws.codebuild");
        event.put("account", account);
        event.put(
                "time",
                Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        event.put("region", region);
        event.putArray("resources").add(build.arn);
        ObjectNode detail = event.putObject("detail");
        detail.put("build-status", build.status);
        detail.put("project-name", project.name());
        detail.put("build-id", build.arn);
        ObjectNode info = detail.putObject("additional-information");
        info.put("build-complete", true);
        info.put("build-number", build.number);
        info.put("timeout-in-minutes", Math.max(1, project.timeout().toMinutes()));
        info.put("initiator", "local");
        info.put("build-start-time", EVENT_TIME.format(build.startTime));
        ObjectNode environment = info.putObject("environment");
        environment.put("image", "local");
        environment.put("privileged-mode", false);
        environment.put("compute-type", "BUILD_GENERAL1_SMALL");
        environment.put("type", "LINUX_CONTAINER");
        ArrayNode variables = environment.putArray("environment-variables");
        build.environmentVariables.values().forEach(variables::add);
        ObjectNode logs = info.putObject("logs");
        logs.put("group-name", "/aws/codebuild/" + project.name());
        logs.put("stream-name", build.id.substring(build.id.indexOf(':') + 1));
        logs.put("deep-link", build.logFile().toUri().toString());
        ArrayNode phases = info.putArray("phases");
        for (JsonNode phase : describe(build).path("phases")) {
            ObjectNode entry = phases.addObject();
            entry.put("phase-type", phase.path("phaseType").asText());
            if (phase.has("phaseStatus")) {
                entry.put("phase-status", phase.path("phaseStatus").asText());
            }
            ArrayNode context = entry.putArray("phase-context");
            for (JsonNode c : phase.path("contexts")) {
                context.add(
                        c.path("statusCode").asText() + ": " + c.path("message").asText());
            }
        }
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
        for (Build build : builds.values()) {
            Process process = build.process;
            if (process != null && process.isAlive()) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
        }
        runner.shutdownNow();
        endpoint.close();
        RegistryProcess.deleteTree(workRoot);
    }
}
