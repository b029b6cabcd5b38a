package org.ecrreplicator.worker.engine.sync;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.transfer.Futures;

/**
 * Compares the tags under two locations. Both registries are listed at once, and every repository's tags on
 * both sides at once (the listers bound their own requests), so a comparison of many repositories takes
 * about as long as the slowest one. A repository that one side cannot list is reported and left out; the
 * rest is compared.
 */
public final class RegistryDiffer {
    private final ExecutorService tasks;

    public RegistryDiffer(ExecutorService tasks) {
        this.tasks = tasks;
    }

    /**
     * Every repository under the source's prefix or the destination's, by path below the prefix. A
     * repository missing at the destination counts as empty there.
     *
     * @throws org.ecrreplicator.worker.engine.ReplicatorException a registry's repositories could not be listed
     */
    public RegistryDiff diff(RegistrySide source, RegistrySide destination) {
        Future<List<String>> sourceRepositories =
                tasks.submit(() -> source.lister().repositories());
        Future<List<String>> destinationRepositories =
                tasks.submit(() -> destination.lister().repositories());
        TreeSet<String> relatives = new TreeSet<>();
        Futures.join(sourceRepositories)
                .forEach(name -> source.location().relative(name).ifPresent(relatives::add));
        Futures.join(destinationRepositories)
                .forEach(name -> destination.location().relative(name).ifPresent(relatives::add));
        return diff(source, destination, relatives);
    }

    /** Only the repositories at these paths below the prefixes; one that neither side has is in sync. */
    public RegistryDiff diff(RegistrySide source, RegistrySide destination, Collection<String> relatives) {
        List<Future<RegistryDiff>> parts = new ArrayList<>();
        for (String relative : relatives) {
            Future<Optional<Map<String, Digest>>> atSource =
                    tasks.submit(() -> source.lister().tags(source.location().repository(relative)));
            Future<Optional<Map<String, Digest>>> atDestination = tasks.submit(
                    () -> destination.lister().tags(destination.location().repository(relative)));
            parts.add(tasks.submit(() -> compare(relative, atSource, atDestination)));
        }
        return RegistryDiff.merge(parts.stream().map(Futures::join).toList());
    }

    private static RegistryDiff compare(
            String relative,
            Future<Optional<Map<String, Digest>>> atSource,
            Future<Optional<Map<String, Digest>>> atDestination) {
        Map<String, Digest> source;
        Optional<Map<String, Digest>> destination;
        try {
            source = Futures.join(atSource).orElse(Map.of());
        } catch (RuntimeException e) {
            return RegistryDiff.ofError(new RepositoryError(relative, "source: " + oneLine(e)));
        }
        try {
            destination = Futures.join(atDestination);
        } catch (RuntimeException e) {
            return RegistryDiff.ofError(new RepositoryError(relative, "destination: " + oneLine(e)));
        }
        return RegistryDiff.ofRepository(relative, source, destination);
    }

    static String oneLine(Throwable e) {
        String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        return message.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
    }
}
