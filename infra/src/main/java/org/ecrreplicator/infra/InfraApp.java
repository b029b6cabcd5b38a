package org.ecrreplicator.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.io.PrintStream;
import java.util.List;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;

/**
 * The CDK entry point: {@code cdk synth -c env=dev|prod}, or every environment without {@code -c env} (which
 * is what {@code cdk bootstrap} runs). Makes no AWS call. A configuration error ends synth with one line.
 */
public final class InfraApp {
    private InfraApp() {}

    public static void main(String[] args) {
        System.exit(run(new App(), System.err));
    }

    /** Defines and synthesizes {@code app}; returns the exit status. */
    static int run(App app, PrintStream err) {
        try {
            List<EnvironmentContext> environments = EnvironmentContext.selected(app.getNode());
            for (EnvironmentContext context : environments) {
                ReplicationStacks.define(app, context);
                RegistryStacks.define(app, context);
            }
            Aspects.of(app).add(new AwsSolutionsChecks());
            app.synth();
            return 0;
        } catch (IllegalArgumentException | IllegalStateException e) {
            // Settings, context and missing-artifact errors explain themselves: the message is the whole story.
            err.println("error: " + String.valueOf(e.getMessage()).replaceAll("\\s*[\\r\\n]+\\s*", " "));
            return 1;
        }
    }
}
