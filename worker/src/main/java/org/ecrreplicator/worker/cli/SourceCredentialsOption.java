package org.ecrreplicator.worker.cli;

import picocli.CommandLine.Option;

/** {@code --src-creds}, else {@code REPLICATOR_SRC_CREDS}. */
final class SourceCredentialsOption {
    static final String VARIABLE = "REPLICATOR_SRC_CREDS";

    @Option(
            names = "--src-creds",
            paramLabel = "USER:PASS",
            description = "Source registry credentials. Prefer the environment variable " + VARIABLE
                    + ", which stays out of process listings. Without either: anonymous, or ECR auth for ECR hosts.")
    String value;
}
