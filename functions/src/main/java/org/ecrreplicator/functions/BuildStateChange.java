package org.ecrreplicator.functions;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The parts of an EventBridge "CodeBuild Build State Change" event that Completion needs, read leniently
 * (the event carries many more fields, and optional ones come and go between CodeBuild releases).
 *
 * @param buildId the build id ({@code project:uuid}), derived from the event's build ARN
 * @param environment the build's environment variables by name (PLAINTEXT values; references for others);
 *     empty when the event does not carry them
 * @param exported the exported variables; null when the event does not carry them
 * @param failedPhase e.g. {@code BUILD (COMMAND_EXECUTION_ERROR: ...)}; null if no phase failed
 * @param logLocation the console deep link, or group/stream; null if unknown
 */
record BuildStateChange(
        String projectName,
        String buildStatus,
        String buildId,
        Map<String, String> environment,
        Map<String, String> exported,
        String failedPhase,
        String logLocation) {

    static final String SOURCE = "aws.codebuild";
    static final String DETAIL_TYPE = "CodeBuild Build State Change";
    static final Set<String> FAILURES = Set.of("FAILED", "FAULT", "TIMED_OUT", "STOPPED");

    /** Null when the event is not a build state change at all. */
    static BuildStateChange parse(JsonNode event) {
        if (event == null
                || !SOURCE.equals(event.path("source").asText())
                || !DETAIL_TYPE.equals(event.path("detail-type").asText())) {
            return null;
        }
        JsonNode detail = event.path("detail");
        JsonNode info = detail.path("additional-information");
        Map<String, String> environment = new LinkedHashMap<>();
        for (JsonNode variable : info.path("environment").path("environment-variables")) {
            environment.put(
                    variable.path("name").asText(), variable.path("value").asText());
        }
        Map<String, String> exported = null;
        JsonNode exportedNode = info.get("exported-environment-variables");
        if (exportedNode != null && exportedNode.isArray()) {
            exported = new LinkedHashMap<>();
            for (JsonNode variable : exportedNode) {
                exported.put(
                        variable.path("name").asText(), variable.path("value").asText());
            }
        }
        return new BuildStateChange(
                detail.path("project-name").asText(null),
                detail.path("build-status").asText(null),
                buildId(detail.path("build-id").asText("")),
                environment,
                exported,
                failedPhase(info.path("phases")),
                logLocation(info.path("logs")));
    }

    /**
     * The same facts from a build as BatchGetBuilds reports it: what the sweep has when a build's event was
     * lost.
     */
    static BuildStateChange of(software.amazon.awssdk.services.codebuild.model.Build build) {
        Map<String, String> exported = new LinkedHashMap<>();
        build.exportedEnvironmentVariables().forEach(variable -> exported.put(variable.name(), variable.value()));
        String failedPhase = null;
        for (var phase : build.phases()) {
            // The last phase (COMPLETED) has no status: Set.of's contains refuses null.
            String status = phase.phaseStatusAsString();
            if (status != null && FAILURES.contains(status)) {
                List<String> context = new ArrayList<>();
                for (var line : phase.contexts()) {
                    String text = (line.statusCode() == null ? "" : line.statusCode()) + ": "
                            + (line.message() == null ? "" : line.message());
                    if (!text.isBlank() && !text.equals(": ")) {
                        context.add(text);
                    }
                }
                failedPhase = phase.phaseTypeAsString() + " " + phase.phaseStatusAsString()
                        + (context.isEmpty() ? "" : " (" + String.join("; ", context) + ")");
                break;
            }
        }
        String logLocation = build.logs() == null ? null : build.logs().deepLink();
        return new BuildStateChange(
                build.projectName(),
                build.buildStatusAsString(),
                buildId(build.id()),
                BuildReporter.environment(build),
                exported,
                failedPhase,
                logLocation);
    }

    boolean failed() {
        return FAILURES.contains(buildStatus);
    }

    boolean succeeded() {
        return "SUCCEEDED".equals(buildStatus);
    }

    /** {@code arn:aws:codebuild:<region>:<account>:build/<project>:<uuid>} -> {@code <project>:<uuid>}. */
    static String buildId(String buildArnOrId) {
        int slash = buildArnOrId.indexOf(":build/");
        return slash < 0 ? buildArnOrId : buildArnOrId.substring(slash + ":build/".length());
    }

    private static String failedPhase(JsonNode phases) {
        for (JsonNode phase : phases) {
            String status = phase.path("phase-status").asText("");
            if (FAILURES.contains(status)) {
                List<String> context = new ArrayList<>();
                for (JsonNode line : phase.path("phase-context")) {
                    if (!line.asText().isBlank() && !line.asText().equals(": ")) {
                        context.add(line.asText());
                    }
                }
                return phase.path("phase-type").asText("UNKNOWN") + " " + status
                        + (context.isEmpty() ? "" : " (" + String.join("; ", context) + ")");
            }
        }
        return null;
    }

    private static String logLocation(JsonNode logs) {
        String link = logs.path("deep-link").asText("");
        if (!link.isEmpty()) {
            return link;
        }
        String group = logs.path("group-name").asText("");
        String stream = logs.path("stream-name").asText("");
        return group.isEmpty() ? null : "CloudWatch Logs group " + group + ", stream " + stream;
    }
}
