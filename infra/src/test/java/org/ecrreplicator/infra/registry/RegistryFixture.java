package org.ecrreplicator.infra.registry;

import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.ecrreplicator.infra.CdkJson;
import org.ecrreplicator.infra.EnvironmentContext;
import org.ecrreplicator.infra.RegistryStacks;
import software.amazon.awscdk.App;
import software.amazon.awscdk.AppProps;
import software.amazon.awscdk.Aspects;

/** The registry stacks of one environment, synthesized once per JVM from the repository's real cdk.json. */
final class RegistryFixture {
    private static final Map<String, RegistryStacks.Registry> SYNTHESIZED = new ConcurrentHashMap<>();

    private RegistryFixture() {}

    static EnvironmentContext context(String env) {
        return EnvironmentContext.of(env, CdkJson.context().get(EnvironmentContext.ENVIRONMENTS_KEY));
    }

    /** Both stacks of {@code env}, with cdk-nag's AwsSolutions pack applied as InfraApp does. */
    static RegistryStacks.Registry stacks(String env) {
        return SYNTHESIZED.computeIfAbsent(env, RegistryFixture::define);
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: a leftover cdk.out in /tmp is not worth failing the build over
        }
    }

    private static RegistryStacks.Registry define(String env) {
        Map<String, Object> context = new HashMap<>(CdkJson.context());
        context.put(EnvironmentContext.ENV_KEY, env);
        try {
            Path outdir = Files.createTempDirectory("cdk-registry-" + env);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(outdir)));
            App app = new App(AppProps.builder()
                    .context(context)
                    .outdir(outdir.toString())
                    .build());
            RegistryStacks.Registry registry = RegistryStacks.define(app, EnvironmentContext.from(app.getNode()));
            Aspects.of(app).add(new AwsSolutionsChecks());
            app.synth();
            return registry;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
