package org.ecrreplicator.infra.replication;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.ecrreplicator.infra.CdkJson;
import org.ecrreplicator.infra.EnvironmentContext;
import org.ecrreplicator.infra.ReplicationStacks;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;

/**
 * Builds CDK apps for tests from the real cdk.json: its feature flags and environments, optionally with
 * settings changed, and the real jars, buildspec.yml and state-machine definition.
 */
final class TestApps {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path ROOT = DeploymentArtifacts.repositoryRoot(Path.of(""));

    private TestApps() {}

    /** The environment's settings sections in a fresh copy of cdk.json's context. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> section(Map<String, Object> context, String environment, String section) {
        Map<String, Object> environments = (Map<String, Object>) context.get(EnvironmentContext.ENVIRONMENTS_KEY);
        Map<String, Object> settings = (Map<String, Object>) environments.get(environment);
        return (Map<String, Object>) settings.get(section);
    }

    static EnvironmentContext environmentContext(String environment, Consumer<Map<String, Object>> replication) {
        return environmentContext(environment, replication, destination -> {});
    }

    static EnvironmentContext environmentContext(
            String environment,
            Consumer<Map<String, Object>> replication,
            Consumer<Map<String, Object>> destinationAccess) {
        Map<String, Object> context = CdkJson.context();
        replication.accept(section(context, environment, ReplicationSettings.SECTION));
        destinationAccess.accept(section(context, environment, DestinationAccessSettings.SECTION));
        return EnvironmentContext.of(environment, context.get(EnvironmentContext.ENVIRONMENTS_KEY));
    }

    /** The artifacts, with a test failure naming the missing jar and the command that builds it. */
    static DeploymentArtifacts artifacts() {
        return DeploymentArtifacts.inRepository(ROOT).requireExisting();
    }

    static ReplicationStacks.Defined define(String environment) {
        return define(environment, replication -> {});
    }

    /** Both stacks of an environment, with AwsSolutionsChecks applied as InfraApp does. */
    static ReplicationStacks.Defined define(String environment, Consumer<Map<String, Object>> replication) {
        return define(environment, replication, destination -> {});
    }

    static ReplicationStacks.Defined define(
            String environment,
            Consumer<Map<String, Object>> replication,
            Consumer<Map<String, Object>> destinationAccess) {
        Map<String, Object> context = new LinkedHashMap<>(CdkJson.context());
        replication.accept(section(context, environment, ReplicationSettings.SECTION));
        destinationAccess.accept(section(context, environment, DestinationAccessSettings.SECTION));
        context.put(EnvironmentContext.ENV_KEY, environment);
        App app = App.Builder.create().context(context).build();
        ReplicationStacks.Defined defined =
                ReplicationStacks.define(app, EnvironmentContext.from(app.getNode()), artifacts());
        Aspects.of(app).add(new AwsSolutionsChecks());
        return defined;
    }
}
