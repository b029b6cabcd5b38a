package org.ecrreplicator.worker.cli;

import picocli.CommandLine.Model.CommandSpec;

/** {@code --src-creds}, else {@code REPLICATOR_SRC_CREDS}. */
final class SourceCredentialsOption {
    static final String VARIABLE = "REPLICATOR_SRC_CREDS";
    private static final String NAME = "--src-creds";

    private SourceCredentialsOption() {}

    static CommandSpec mixin() {
        return CommandSpecs.mixin(CommandSpecs.option(
                        NAME,
                        "USER:PASS",
                        String.class,
                        "Source registry credentials. Prefer the environment variable " + VARIABLE
                                + ", which stays out of process listings. Without either: anonymous, or ECR auth"
                                + " for ECR hosts.")
                .build());
    }

    static String value(CommandSpec command) {
        return CommandSpecs.value(command, NAME);
    }
}
