package org.ecrreplicator.infra;

import software.constructs.Construct;

/** The registry's network stack and its ECS Fargate stack. */
public final class RegistryStacks {
    private RegistryStacks() {}

    public static void define(Construct scope, EnvironmentContext context) {
        // Filled by the registry-stack work (issue 6).
    }
}
