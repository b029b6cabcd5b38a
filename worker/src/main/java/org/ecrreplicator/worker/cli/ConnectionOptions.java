package org.ecrreplicator.worker.cli;

import picocli.CommandLine.Option;

/** Options every registry-facing command shares. */
final class ConnectionOptions {
    @Option(
            names = "--insecure",
            description =
                    "Talk plain HTTP to the registries (local registries only; TLS with the JDK trust store otherwise).")
    boolean insecure;

    @Option(
            names = "--concurrency",
            paramLabel = "N",
            defaultValue = "4",
            description = "Blobs to transfer at once (default: ${DEFAULT-VALUE}).")
    int concurrency;
}
