package org.ecrreplicator.infra;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;

/** The CDK entry point: {@code cdk synth -c env=dev|prod}. Makes no AWS call. */
public final class InfraApp {
    private InfraApp() {}

    public static void main(String[] args) {
        App app = new App();
        EnvironmentContext context = EnvironmentContext.from(app.getNode());
        ReplicationStacks.define(app, context);
        RegistryStacks.define(app, context);
        Aspects.of(app).add(new AwsSolutionsChecks());
        app.synth();
    }
}
