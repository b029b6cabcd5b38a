package org.ecrreplicator.worker.cli;

import org.ecrreplicator.worker.engine.ImageCopier;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** Options the registry-facing commands share. */
final class ConnectionOptions {
    private static final String INSECURE = "--insecure";
    private static final String CONCURRENCY = "--concurrency";
    private static final String MAX_MANIFESTS = "--max-manifests";

    private ConnectionOptions() {}

    /** {@code --insecure}: for commands that only talk to a registry ({@code delete}). */
    static CommandSpec mixin() {
        return CommandSpecs.mixin(insecureFlag());
    }

    /**
     * {@code --insecure}, {@code --concurrency} and {@code --max-manifests}: for commands that copy images.
     *
     * @param defaultConcurrency blobs in flight per copy unless the option says otherwise
     */
    static CommandSpec transferMixin(int defaultConcurrency) {
        return CommandSpecs.mixin(
                insecureFlag(),
                CommandSpecs.option(
                                CONCURRENCY, "N", int.class, "Blobs to transfer at once (default: ${DEFAULT-VALUE}).")
                        .defaultValue(Integer.toString(defaultConcurrency))
                        .build(),
                CommandSpecs.option(
                                MAX_MANIFESTS,
                                "N",
                                int.class,
                                "Manifests one image may list; a source listing more is refused (default:"
                                        + " ${DEFAULT-VALUE}).")
                        .defaultValue(Integer.toString(ImageCopier.Options.DEFAULT_MAX_MANIFESTS))
                        .build());
    }

    private static OptionSpec insecureFlag() {
        return CommandSpecs.flag(
                INSECURE,
                "Talk plain HTTP to the registries (local registries only; TLS with the JDK trust store"
                        + " otherwise).");
    }

    static boolean insecure(CommandSpec command) {
        return CommandSpecs.flag(command, INSECURE);
    }

    /** The value, checked here so that an impossible one is a usage error (exit 2), not a failed copy. */
    static int concurrency(CommandSpec command) {
        int concurrency = CommandSpecs.<Integer>value(command, CONCURRENCY);
        if (concurrency < 1 || concurrency > ImageCopier.Options.MAX_CONCURRENCY) {
            throw new UsageException(
                    CONCURRENCY + " must be 1 to " + ImageCopier.Options.MAX_CONCURRENCY + ", not " + concurrency);
        }
        return concurrency;
    }

    /** The value, checked here so that an impossible one is a usage error (exit 2), not a failed copy. */
    static int maxManifests(CommandSpec command) {
        int value = CommandSpecs.<Integer>value(command, MAX_MANIFESTS);
        if (value < 1) {
            throw new UsageException(MAX_MANIFESTS + " must be at least 1, not " + value);
        }
        return value;
    }
}
