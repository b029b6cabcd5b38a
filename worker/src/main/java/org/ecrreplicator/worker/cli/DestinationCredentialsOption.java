package org.ecrreplicator.worker.cli;

import picocli.CommandLine.Option;

/** {@code --dest-creds}, else {@code REPLICATOR_DEST_CREDS}. */
final class DestinationCredentialsOption {
    static final String VARIABLE = "REPLICATOR_DEST_CREDS";

    @Option(
            names = "--dest-creds",
            paramLabel = "USER:PASS",
            description = "Destination registry credentials. Prefer the environment variable " + VARIABLE
                    + ", which stays out of process listings. Without either: anonymous, or ECR auth for ECR hosts.")
    String value;
}
