package org.ecrreplicator.worker.cli;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.registry.RegistryClient;
import org.ecrreplicator.worker.engine.sync.DistributionLister;
import org.ecrreplicator.worker.engine.sync.EcrLister;
import org.ecrreplicator.worker.engine.sync.RegistryLister;
import org.ecrreplicator.worker.engine.sync.RegistryLocation;
import org.ecrreplicator.worker.engine.sync.RegistrySide;
import org.ecrreplicator.worker.engine.sync.Syncer;
import org.ecrreplicator.worker.engine.transfer.BlobLocations;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The two registries of {@code diff} and {@code sync}, opened once for the whole command: one copier, one
 * client per registry and one listing per registry, shared by every repository.
 */
final class RegistrySides implements AutoCloseable {
    private static final String PAGE_SIZE = "--page-size";
    /** Repositories or tags per page: distribution takes any; 1000 is ECR's most. */
    static final int DEFAULT_PAGE_SIZE = 1000;
    /** Tag {@code HEAD}s in flight per registry while listing (distribution lists tags without digests). */
    private static final int HEADS_IN_FLIGHT = 32;

    private final ImageCopier copier;
    private final ExecutorService tasks = Executors.newVirtualThreadPerTaskExecutor();
    private final Endpoint sourceEndpoint;
    private final Endpoint destinationEndpoint;
    private final RegistrySide source;
    private final RegistrySide destination;

    /** {@code SOURCE} and {@code DEST} positionals, the credentials and the hidden page size. */
    static void addTo(CommandSpec spec) {
        spec.addMixin("sourceCredentials", CredentialsOption.SOURCE.mixin());
        spec.addMixin("destinationCredentials", CredentialsOption.DESTINATION.mixin());
        spec.addMixin("awsCredentials", AwsCredentialsOptions.mixin());
        // Hidden: tests force several pages with a handful of repositories; operators have no reason to.
        spec.addOption(OptionSpec.builder(PAGE_SIZE)
                .paramLabel("N")
                .type(int.class)
                .defaultValue(Integer.toString(DEFAULT_PAGE_SIZE))
                .hidden(true)
                .description("Repositories or tags asked for per page.")
                .build());
        spec.addPositional(CommandSpecs.positional(
                0, "SOURCE", "host[:port] (the whole registry) or host[:port]/prefix (the repositories under it)."));
        spec.addPositional(CommandSpecs.positional(
                1, "DEST", "host[:port] or host[:port]/prefix; repositories map by their path below the prefixes."));
    }

    RegistrySides(CommandSpec spec, Environment environment, EcrFactory ecrFactory, ImageCopier.Options options) {
        this(spec, environment, ecrFactory, options, new BlobLocations());
    }

    /** @param locations where blobs are known to be, for mounts instead of uploads */
    RegistrySides(
            CommandSpec spec,
            Environment environment,
            EcrFactory ecrFactory,
            ImageCopier.Options options,
            BlobLocations locations) {
        this(
                location(CommandSpecs.positional(spec, 0), "SOURCE"),
                location(CommandSpecs.positional(spec, 1), "DEST"),
                pageSize(CommandSpecs.<Integer>value(spec, PAGE_SIZE)),
                options,
                locations,
                from -> CredentialsOption.SOURCE.endpoint(
                        spec, environment, from.authority(), ConnectionOptions.insecure(spec), ecrFactory),
                to -> CredentialsOption.DESTINATION.endpoint(
                        spec, environment, to.authority(), ConnectionOptions.insecure(spec), ecrFactory));
    }

    /**
     * Both registries at {@code from} and {@code to}, reached through the endpoints the two functions open: the
     * source's first; if the destination's cannot be opened, the source's is closed again.
     */
    RegistrySides(
            RegistryLocation from,
            RegistryLocation to,
            int pageSize,
            ImageCopier.Options options,
            BlobLocations locations,
            Function<RegistryLocation, Endpoint> openSource,
            Function<RegistryLocation, Endpoint> openDestination) {
        copier = new ImageCopier(options, locations);
        Endpoint opened = null;
        try {
            sourceEndpoint = opened = openSource.apply(from);
            destinationEndpoint = openDestination.apply(to);
        } catch (RuntimeException e) {
            Endpoints.close(opened);
            copier.close();
            tasks.shutdownNow();
            throw e;
        }
        RegistryClient sourceClient = copier.client(from.authority(), sourceEndpoint);
        RegistryClient destinationClient = copier.client(to.authority(), destinationEndpoint);
        source = new RegistrySide(from, sourceEndpoint, sourceClient, lister(sourceEndpoint, sourceClient, pageSize));
        destination = new RegistrySide(
                to, destinationEndpoint, destinationClient, lister(destinationEndpoint, destinationClient, pageSize));
    }

    private static int pageSize(int pageSize) {
        if (pageSize < 1 || pageSize > EcrLister.MAX_PAGE_SIZE) {
            throw new UsageException(PAGE_SIZE + " must be 1 to " + EcrLister.MAX_PAGE_SIZE + ", not " + pageSize);
        }
        return pageSize;
    }

    ExecutorService tasks() {
        return tasks;
    }

    private RegistryLister lister(Endpoint endpoint, RegistryClient client, int pageSize) {
        return endpoint.ecr() != null
                ? new EcrLister(endpoint.ecr(), pageSize)
                : new DistributionLister(client, pageSize, tasks, new Semaphore(HEADS_IN_FLIGHT));
    }

    static RegistryLocation location(String text, String what) {
        try {
            return RegistryLocation.parse(text, what);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    RegistrySide source() {
        return source;
    }

    RegistrySide destination() {
        return destination;
    }

    /** Ctrl-C: the upload sessions the sync has open are cancelled. */
    org.ecrreplicator.worker.engine.registry.UploadSessions.Cancelled cancelOpenUploads() {
        return copier.cancelOpenUploads();
    }

    Syncer syncer() {
        return new Syncer(copier, tasks);
    }

    @Override
    public void close() {
        tasks.shutdownNow();
        copier.close();
        Endpoints.close(sourceEndpoint, destinationEndpoint);
    }
}
