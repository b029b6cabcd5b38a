package org.ecrreplicator.local;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;

/** Prints what each execution and build does, as it happens: states entered, builds started and finished. */
final class ProgressWatcher implements AutoCloseable {
    private final LocalPipeline pipeline;
    private final Consumer<String> out;
    private final Map<String, Integer> seenEvents = new HashMap<>();
    private final Set<String> startedBuilds = new HashSet<>();
    private final Set<String> finishedBuilds = new HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;

    ProgressWatcher(LocalPipeline pipeline, Consumer<String> out) {
        this.pipeline = pipeline;
        this.out = out;
        this.thread = new Thread(this::run, "demo-progress");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    private void run() {
        while (running) {
            report();
            try {
                Thread.sleep(Duration.ofMillis(200));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    synchronized void report() {
        for (LocalStepFunctions.ExecutionView execution :
                pipeline.stepFunctions().executions()) {
            List<JsonNode> history = pipeline.stepFunctions().history(execution.executionArn());
            int seen = seenEvents.getOrDefault(execution.executionArn(), 0);
            for (JsonNode event : history.subList(Math.min(seen, history.size()), history.size())) {
                String type = event.path("type").asText();
                if (type.endsWith("StateEntered")) {
                    out.accept(execution.name() + "  -> "
                            + event.path("stateEnteredEventDetails")
                                    .path("name")
                                    .asText());
                } else if (type.equals("ExecutionSucceeded")) {
                    out.accept(execution.name() + "  succeeded: "
                            + event.path("executionSucceededEventDetails")
                                    .path("output")
                                    .asText());
                } else if (type.equals("ExecutionFailed")) {
                    JsonNode details = event.path("executionFailedEventDetails");
                    out.accept(execution.name() + "  FAILED: "
                            + details.path("error").asText());
                }
            }
            seenEvents.put(execution.executionArn(), history.size());
        }
        for (org.ecrreplicator.engines.LocalCodeBuild.Build build :
                pipeline.codeBuild().builds()) {
            if (startedBuilds.add(build.id())) {
                out.accept("build " + build.id() + " started for " + imageKey(build));
            }
            if (build.complete() && finishedBuilds.add(build.id())) {
                out.accept("build " + build.id() + " finished: " + build.status() + " "
                        + build.exportedVariables().getOrDefault(BuildResults.OUTCOME, ""));
            }
        }
    }

    private static String imageKey(org.ecrreplicator.engines.LocalCodeBuild.Build build) {
        String run = build.plaintextVariable(BuildVariables.RECONCILE_RUN);
        if (run != null) {
            String shard = build.plaintextVariable(BuildVariables.RECONCILE_SHARD);
            return "reconcile " + run + (shard == null ? " (plan)" : " (shard " + shard + ")");
        }
        try {
            return org.ecrreplicator.domain.ReplicationRequest.fromJson(
                            build.plaintextVariable(BuildVariables.REPLICATION_REQUEST))
                    .imageKey();
        } catch (RuntimeException e) {
            return "?";
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        report();
    }
}
