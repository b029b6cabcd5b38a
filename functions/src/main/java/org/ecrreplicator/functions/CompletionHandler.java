package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Consumer;
import org.ecrreplicator.state.AttemptStore;
import org.ecrreplicator.state.TagStateStore;
import software.amazon.awssdk.services.codebuild.CodeBuildClient;
import software.amazon.awssdk.services.sfn.SfnClient;

/**
 * Reports a finished build to the execution waiting on it ("CodeBuild Build State Change" from EventBridge,
 * our project only), through {@link BuildReporter}. A late or duplicate event for a closed task is ignored
 * without error. Invoked asynchronously: an invocation that fails after Lambda's retries lands on the stack's
 * on-failure queue, and the sweep reports the build anyway.
 *
 * <p>In: the EventBridge event. Out: {@code {"status":"TASK_SUCCEEDED|TASK_FAILED|IGNORED","buildId","reason"}}.
 */
public final class CompletionHandler implements RequestStreamHandler {
    private final String projectName;
    private final BuildReporter reporter;
    private final Log log;

    public CompletionHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public CompletionHandler(FunctionsConfig config) {
        this(
                config,
                Clients.stateStore(config.tableName()),
                Clients.attemptStore(config.tableName()),
                Clients.sfn(),
                Clients.codeBuild(),
                Log.stdout(),
                Clock.systemUTC());
    }

    CompletionHandler(
            FunctionsConfig config,
            TagStateStore store,
            AttemptStore attempts,
            SfnClient sfn,
            CodeBuildClient codeBuild,
            Consumer<String> logSink,
            Clock clock) {
        this.projectName = config.buildProjectName();
        this.log = new Log("completion", logSink, clock);
        this.reporter = new BuildReporter(
                store, attempts, sfn, codeBuild, config.lease(), Duration.ofDays(config.historyTtlDays()), clock, log);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        log.begin(context);
        JsonIo.write(output, handle(JsonIo.read(input)));
    }

    JsonNode handle(JsonNode event) {
        BuildStateChange change = BuildStateChange.parse(event);
        if (change == null) {
            return reporter.ignored(null, "not a CodeBuild Build State Change event");
        }
        if (!projectName.equals(change.projectName())) {
            return reporter.ignored(
                    change.buildId(), "build of project " + change.projectName() + ", not " + projectName);
        }
        if (!change.succeeded() && !change.failed()) {
            return reporter.ignored(change.buildId(), "build status " + change.buildStatus() + " is not final");
        }
        return reporter.report(change);
    }
}
