package org.ecrreplicator.worker.engine.sync;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.worker.engine.CopyResult;
import org.ecrreplicator.worker.engine.DeleteResult;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.transfer.Futures;

/**
 * Makes the destination's tags name what the source's name: copies every missing and stale tag exactly,
 * and with {@link Options#deleteExtra()} deletes the tags the source does not have.
 *
 * <p>Copies run {@link Options#concurrency()} at a time across all repositories (workers take them from one
 * queue, repositories interleaved), through one copier and one client per registry, so connections and
 * tokens serve every repository. Deletes come after every copy: on a registry that cannot untag a tag delete
 * deletes the digest and puts back the sibling tags, which must by then include the tags just copied.
 * Deletes in one repository run one after the other for the same reason; repositories run side by side.
 */
public final class Syncer {
    /**
     * @param concurrency tags copied at once, across repositories
     * @param deleteExtra delete destination tags the source does not have
     * @param dryRun decide, report, change nothing
     */
    public record Options(int concurrency, boolean deleteExtra, boolean dryRun) {
        public Options {
            if (concurrency < 1) {
                throw new IllegalArgumentException("concurrency must be at least 1, not " + concurrency);
            }
        }
    }

    /**
     * Admits each repair: the reconcile takes the tag's lease before acting and records the result after
     * (decision 0068). Called from many threads.
     */
    public interface Guard {
        /** Null admits the tag; otherwise the reason it is left alone (DEFERRED). */
        String admit(TagDifference difference);

        /** After an admitted tag's action: records it and releases what {@link #admit} took. */
        void release(TagAction action);

        static Guard none() {
            return new Guard() {
                @Override
                public String admit(TagDifference difference) {
                    return null;
                }

                @Override
                public void release(TagAction action) {}
            };
        }
    }

    /** Hears of the work as it goes; called from many threads. */
    public interface Listener {
        default void planned(int tags) {}

        void done(TagAction action);

        static Listener none() {
            return action -> {};
        }
    }

    private final ImageCopier copier;
    private final ExecutorService tasks;
    private final RegistryDiffer differ;

    public Syncer(ImageCopier copier, ExecutorService tasks) {
        this.copier = copier;
        this.tasks = tasks;
        this.differ = new RegistryDiffer(tasks);
    }

    public RegistryDiff diff(RegistrySide source, RegistrySide destination) {
        return differ.diff(source, destination);
    }

    /**
     * Compares, acts on every difference, and compares again the repositories it changed: a sync converged
     * only when they now compare equal (the source may have moved meanwhile).
     */
    public SyncReport sync(RegistrySide source, RegistrySide destination, Options options, Listener listener) {
        return sync(source, destination, null, options, Guard.none(), listener);
    }

    /**
     * The same, for {@code repositories} only (paths below the prefixes; null for every repository), each
     * repair admitted by {@code guard}. A deferred tag leaves the sync unconverged, as a failure does.
     */
    public SyncReport sync(
            RegistrySide source,
            RegistrySide destination,
            Collection<String> repositories,
            Options options,
            Guard guard,
            Listener listener) {
        RegistryDiff before = repositories == null
                ? differ.diff(source, destination)
                : differ.diff(source, destination, repositories);
        List<TagDifference> copies = new ArrayList<>(before.missing());
        copies.addAll(before.stale());
        List<TagDifference> deletes = options.deleteExtra() ? before.extra() : List.of();
        listener.planned(copies.size() + deletes.size());

        List<TagAction> actions = new ArrayList<>();
        if (options.dryRun()) {
            copies.forEach(
                    copy -> actions.add(report(listener, TagAction.planned(copy, TagAction.Outcome.WOULD_COPY))));
            deletes.forEach(
                    delete -> actions.add(report(listener, TagAction.planned(delete, TagAction.Outcome.WOULD_DELETE))));
            return new SyncReport(before, actions, null, before.inSync());
        }

        actions.addAll(runInterleaved(
                copies,
                options.concurrency(),
                copy -> report(
                        listener,
                        guarded(guard, copy, () -> copy(source, destination, copy, before.newAtDestination())))));
        actions.addAll(deleteAll(destination, deletes, guard, listener));

        Set<String> touched = actions.stream()
                .map(action -> action.difference().repository())
                .collect(Collectors.toCollection(TreeSet::new));
        RegistryDiff after = touched.isEmpty() ? null : differ.diff(source, destination, touched);
        boolean failed = actions.stream()
                .anyMatch(action ->
                        action.outcome() == TagAction.Outcome.FAILED || action.outcome() == TagAction.Outcome.DEFERRED);
        boolean converged = before.errors().isEmpty()
                && !failed
                && (after == null || after.inSync())
                && (options.deleteExtra() || before.extra().isEmpty());
        return new SyncReport(before, actions, after, converged);
    }

    private TagAction copy(
            RegistrySide source, RegistrySide destination, TagDifference difference, Set<String> newAtDestination) {
        ImageReference from = ImageReference.ofTag(
                source.location().authority(), source.location().repository(difference.repository()), difference.tag());
        ImageReference to = ImageReference.ofTag(
                destination.location().authority(),
                destination.location().repository(difference.repository()),
                difference.tag());
        try {
            // The destination was listed a moment ago: what its tag named then is not asked again.
            CopyResult result = copier.copyListed(
                    from,
                    source.client(),
                    to,
                    destination.client(),
                    destination.endpoint(),
                    Optional.ofNullable(difference.destinationDigest()),
                    newAtDestination.contains(difference.repository()));
            return new TagAction(
                    difference,
                    TagAction.Outcome.COPIED,
                    result.digest(),
                    result.bytesCopied(),
                    result.bytesMounted(),
                    result.referrersCopied(),
                    result.referrersSkipped(),
                    null);
        } catch (RuntimeException e) {
            return TagAction.failed(difference, RegistryDiffer.oneLine(e));
        }
    }

    /**
     * Deletes the extra tags, one repository's after another's in turn; a sibling tag is put back unless it is
     * extra too (every tag the source has, the ones just copied included, is put back).
     */
    private List<TagAction> deleteAll(
            RegistrySide destination, List<TagDifference> deletes, Guard guard, Listener listener) {
        Map<String, List<TagDifference>> byRepository = new LinkedHashMap<>();
        deletes.forEach(delete -> byRepository
                .computeIfAbsent(delete.repository(), key -> new ArrayList<>())
                .add(delete));
        List<Future<List<TagAction>>> repositories = new ArrayList<>();
        for (List<TagDifference> extra : byRepository.values()) {
            Set<String> extraTags = extra.stream().map(TagDifference::tag).collect(Collectors.toSet());
            repositories.add(tasks.submit(() -> {
                List<TagAction> done = new ArrayList<>();
                for (TagDifference delete : extra) {
                    done.add(report(listener, guarded(guard, delete, () -> delete(destination, delete, extraTags))));
                }
                return done;
            }));
        }
        List<TagAction> actions = new ArrayList<>();
        repositories.forEach(repository -> actions.addAll(Futures.join(repository)));
        return actions;
    }

    private static TagAction guarded(
            Guard guard, TagDifference difference, java.util.function.Supplier<TagAction> work) {
        String refused;
        try {
            refused = guard.admit(difference);
        } catch (RuntimeException e) {
            return TagAction.failed(difference, RegistryDiffer.oneLine(e));
        }
        if (refused != null) {
            return TagAction.deferred(difference, refused);
        }
        TagAction action = work.get();
        try {
            guard.release(action);
            return action;
        } catch (RuntimeException e) {
            // The destination changed but its record did not: the next run or event will find and record it.
            return TagAction.failed(difference, "done, but not recorded: " + RegistryDiffer.oneLine(e));
        }
    }

    private TagAction delete(RegistrySide destination, TagDifference difference, Set<String> extraTags) {
        ImageReference target = ImageReference.ofTag(
                destination.location().authority(),
                destination.location().repository(difference.repository()),
                difference.tag());
        try {
            DeleteResult result =
                    copier.delete(target, destination.endpoint(), sibling -> !extraTags.contains(sibling));
            return new TagAction(
                    difference,
                    TagAction.Outcome.DELETED,
                    result.digest() == null ? difference.destinationDigest() : result.digest(),
                    0,
                    0,
                    0,
                    List.of(),
                    null);
        } catch (RuntimeException e) {
            return TagAction.failed(difference, RegistryDiffer.oneLine(e));
        }
    }

    /**
     * Runs {@code work} on every item, {@code concurrency} at a time, taking the items one repository's after
     * another's in turn, so that many repositories progress together rather than one after the other.
     */
    private List<TagAction> runInterleaved(
            Collection<TagDifference> items,
            int concurrency,
            java.util.function.Function<TagDifference, TagAction> work) {
        Queue<TagDifference> queue = new ConcurrentLinkedQueue<>(interleave(items));
        List<Future<List<TagAction>>> workers = new ArrayList<>();
        for (int i = 0; i < Math.min(concurrency, queue.size()); i++) {
            workers.add(tasks.submit(() -> {
                List<TagAction> done = new ArrayList<>();
                for (TagDifference next = queue.poll(); next != null; next = queue.poll()) {
                    done.add(work.apply(next));
                }
                return done;
            }));
        }
        List<TagAction> actions = new ArrayList<>();
        workers.forEach(worker -> actions.addAll(Futures.join(worker)));
        return actions;
    }

    /** The first tag of every repository, then the second of every repository, and so on. */
    static List<TagDifference> interleave(Collection<TagDifference> items) {
        Map<String, List<TagDifference>> byRepository = new LinkedHashMap<>();
        items.stream().sorted(TagDifference.ORDER).forEach(item -> byRepository
                .computeIfAbsent(item.repository(), key -> new ArrayList<>())
                .add(item));
        List<TagDifference> order = new ArrayList<>();
        for (int round = 0; order.size() < items.size(); round++) {
            for (List<TagDifference> repository : byRepository.values()) {
                if (round < repository.size()) {
                    order.add(repository.get(round));
                }
            }
        }
        return order;
    }

    private static TagAction report(Listener listener, TagAction action) {
        listener.done(action);
        return action;
    }
}
