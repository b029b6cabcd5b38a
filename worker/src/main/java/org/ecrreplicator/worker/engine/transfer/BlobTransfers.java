package org.ecrreplicator.worker.engine.transfer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
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

    /** What a set of transfers moved: blobs copied (not those the destination had) and their bytes. */
    public record Transferred(int copied, long bytes) {
        public static final Transferred NOTHING = new Transferred(0, 0);
    }

    private final ExecutorService tasks;
    private final ProgressListener progress;
    private final TransferWatchdog watchdog;

    /**
     * @param idleTimeout how long a blob transfer may deliver nothing before it is abandoned and retried
     * @param commitTimeout how long the destination may take to answer an upload once it has every byte
     */
    public BlobTransfers(
            ExecutorService tasks, ProgressListener progress, Duration idleTimeout, Duration commitTimeout) {
        this.tasks = tasks;
        this.progress = progress;
        this.watchdog = new TransferWatchdog(idleTimeout, commitTimeout);
    }

    /**
     * Copies every blob the destination lacks from {@code srcRepo} to {@code dstRepo}; the first failure
     * cancels the transfers still running and is thrown once all have ended.
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
        List<Future<?>> transfers = new ArrayList<>();
        for (Descriptor blob : transferOrder(blobs)) {
            BlobTransfer transfer = new BlobTransfer(src, srcRepo, dst, dstRepo, blob, progress, watchdog);
            transfers.add(tasks.submit(() -> {
                boolean didCopy = transfer.run(lanes);
                if (didCopy) {
                    copied.incrementAndGet();
                    bytes.addAndGet(blob.size());
                }
                progress.blobDone(blob, didCopy);
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
        return new Transferred(copied.get(), bytes.get());
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

    /** Stops the watchdog; the tasks belong to the caller. */
    @Override
    public void close() {
        watchdog.close();
    }
}
