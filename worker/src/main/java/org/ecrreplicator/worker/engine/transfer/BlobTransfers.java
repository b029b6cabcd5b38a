package org.ecrreplicator.worker.engine.transfer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.registry.RegistryClient;

/**
 * Schedules blob transfers: each blob of a set on its own task, in an order that finishes the set early, at
 * most as many streaming at once as the copy's {@link Lanes} allow, every one under the stall watchdog.
 *
 * <p>Thread-safe; one instance serves every copy of an {@code ImageCopier}.
 */
public final class BlobTransfers implements AutoCloseable {
    /** Blobs this size or smaller take no time worth scheduling: configs, attestations, small layers. */
    private static final long SMALL_BLOB = 1 << 20;

    /**
     * What a set of transfers moved: blobs uploaded and their bytes, and blobs the destination mounted from
     * another of its repositories and their bytes (neither counts those the destination had).
     */
    public record Transferred(int copied, long bytes, int mounted, long mountedBytes) {
        public static final Transferred NOTHING = new Transferred(0, 0, 0, 0);
    }

    private final ExecutorService tasks;
    private final ProgressListener progress;
    private final TransferWatchdog watchdog;
    private final BlobLocations locations;
    /**
     * Platform threads for the blobs' bytes, one per transfer streaming or awaiting its commit; idle ones end
     * after a minute (docs/decisions/0076-blob-bytes-on-blocking-connections.md).
     */
    private final ExecutorService streams = Executors.newCachedThreadPool(new ThreadFactory() {
        private final AtomicInteger created = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            Thread thread = new Thread(task, "blob-stream-" + created.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    });

    /**
     * @param idleTimeout how long a blob transfer may deliver nothing before it is abandoned and retried
     * @param commitTimeout how long the destination may take to answer an upload once it has every byte
     */
    public BlobTransfers(
            ExecutorService tasks,
            ProgressListener progress,
            Duration idleTimeout,
            Duration commitTimeout,
            BlobLocations locations) {
        this.tasks = tasks;
        this.progress = progress;
        this.watchdog = new TransferWatchdog(idleTimeout, commitTimeout);
        this.locations = locations;
    }

    /**
     * Copies every blob the destination lacks from {@code srcRepo} to {@code dstRepo}, mounting what another
     * repository of the destination registry is known to hold; the first failure cancels the transfers still
     * running and is thrown once all have ended. When source and destination are the same registry, the source
     * repository is where its blobs are.
     */
    public Transferred copy(
            RegistryClient src,
            String srcRepo,
            RegistryClient dst,
            String dstRepo,
            Collection<Descriptor> blobs,
            Lanes lanes) {
        progress.planned(
                blobs.size(), blobs.stream().mapToLong(Descriptor::size).sum());
        AtomicInteger copied = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        AtomicInteger mounted = new AtomicInteger();
        AtomicLong mountedBytes = new AtomicLong();
        if (src.authority().equals(dst.authority()) && !srcRepo.equals(dstRepo)) {
            blobs.forEach(blob -> locations.record(src.authority(), srcRepo, blob.digest()));
        }
        List<Future<?>> transfers = new ArrayList<>();
        for (Descriptor blob : transferOrder(blobs)) {
            BlobTransfer transfer =
                    new BlobTransfer(src, srcRepo, dst, dstRepo, blob, progress, watchdog, locations, streams);
            transfers.add(tasks.submit(() -> {
                BlobTransfer.Outcome outcome = transfer.run(lanes);
                if (outcome == BlobTransfer.Outcome.COPIED) {
                    copied.incrementAndGet();
                    bytes.addAndGet(blob.size());
                } else if (outcome == BlobTransfer.Outcome.MOUNTED) {
                    mounted.incrementAndGet();
                    mountedBytes.addAndGet(blob.size());
                }
                progress.blobDone(blob, outcome == BlobTransfer.Outcome.COPIED);
                return null;
            }));
        }
        RuntimeException first = null;
        for (Future<?> transfer : transfers) {
            try {
                Futures.join(transfer);
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                    transfers.forEach(other -> other.cancel(true));
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return new Transferred(copied.get(), bytes.get(), mounted.get(), mountedBytes.get());
    }

    /**
     * Small blobs first, in the manifests' order: they finish at once, so their sessions and commits are
     * done before the large blobs' commits keep the registry busy syncing. Then the largest first, so that a
     * copy does not end with one large blob streaming alone while the other slots idle.
     */
    static List<Descriptor> transferOrder(Collection<Descriptor> blobs) {
        List<Descriptor> order = new ArrayList<>(blobs);
        // Stable: small blobs keep the manifests' order.
        order.sort(Comparator.comparingLong(blob -> blob.size() > SMALL_BLOB ? -blob.size() : Long.MIN_VALUE));
        return order;
    }

    /** Stops the watchdog and the streams' threads; the tasks belong to the caller. */
    @Override
    public void close() {
        watchdog.close();
        streams.shutdown();
    }
}
