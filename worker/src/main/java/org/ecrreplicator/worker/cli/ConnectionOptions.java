package org.ecrreplicator.worker.cli;

import org.ecrreplicator.worker.engine.ImageCopier;
import picocli.CommandLine.Model.CommandSpec;

/** Options every registry-facing command shares. */
final class ConnectionOptions {
    private static final String INSECURE = "--insecure";
    private static final String CONCURRENCY = "--concurrency";

    private ConnectionOptions() {}

    static CommandSpec mixin() {
        return CommandSpecs.mixin(
                CommandSpecs.flag(
                        INSECURE,
                        "Talk plain HTTP to the registries (local registries only; TLS with the JDK trust store"
                                + " otherwise)."),
                CommandSpecs.option(
                                CONCURRENCY, "N", int.class, "Blobs to transfer at once (default: ${DEFAULT-VALUE}).")
                        .defaultValue(
                                Integer.toString(ImageCopier.Options.defaults().concurrency()))
                        .build());
    }

    static boolean insecure(CommandSpec command) {
        return CommandSpecs.flag(command, INSECURE);
    }

    static int concurrency(CommandSpec command) {
        return CommandSpecs.<Integer>value(command, CONCURRENCY);
    }
}
