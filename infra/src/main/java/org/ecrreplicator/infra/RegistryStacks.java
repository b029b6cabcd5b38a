package org.ecrreplicator.infra;

import java.nio.file.Path;
import org.ecrreplicator.infra.registry.RegistryDirectory;
import org.ecrreplicator.infra.registry.RegistryNetworkStack;
import org.ecrreplicator.infra.registry.RegistryServiceStack;
import org.ecrreplicator.infra.registry.RegistrySettings;
import software.constructs.Construct;

/** The registry's network stack and its ECS Fargate stack. */
public final class RegistryStacks {
    private RegistryStacks() {}

    /** Both stacks of one environment. */
    public record Registry(RegistrySettings settings, RegistryNetworkStack network, RegistryServiceStack service) {}

    public static Registry define(Construct scope, EnvironmentContext context) {
        return define(scope, context, RegistryDirectory.locate());
    }

    public static Registry define(Construct scope, EnvironmentContext context, Path registryDirectory) {
        RegistrySettings settings = RegistrySettings.from(context, registryDirectory);
        RegistryNetworkStack network = new RegistryNetworkStack(scope, settings);
        RegistryServiceStack service = new RegistryServiceStack(scope, settings, network.vpc(), registryDirectory);
        return new Registry(settings, network, service);
    }
}
