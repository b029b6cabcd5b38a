package org.ecrreplicator.worker.cli;

import picocli.CommandLine.Model.CommandSpec;

/** {@code --dest-creds}, else {@code REPLICATOR_DEST_CREDS}. */
final class DestinationCredentialsOption {
    static final String VARIABLE = "REPLICATOR_DEST_CREDS";
    private static final String NAME = "--dest-creds";

    private DestinationCredentialsOption() {}

    static CommandSpec mixin() {
        return CommandSpecs.mixin(CommandSpecs.option(
                        NAME,
                        "USER:PASS",
                        String.class,
                        "Destination registry credentials. Prefer the environment variable " + VARIABLE
                                + ", which stays out of process listings. Without either: anonymous, or ECR auth"
                                + " for ECR hosts.")
                .build());
    }

    static String value(CommandSpec command) {
        return CommandSpecs.value(command, NAME);
    }
}
