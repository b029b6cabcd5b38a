package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.transfer.ProgressListener;

/**
 * Progress of one copy for a log, where stderr is not a terminal (CodeBuild, CI): a plain line whenever the
 * transfer moves and {@code interval} has passed since the last line, so a long copy shows it is alive and how
 * fast it goes. A short copy prints nothing.
 */
final class TransferLog implements ProgressListener {
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

    private final PrintWriter err;
    private final LongSupplier nanoTime;
    private final long intervalNanos;
    private final long startNanos;
    private final AtomicLong plannedBytes = new AtomicLong();
    private final AtomicInteger plannedBlobs = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicInteger blobs = new AtomicInteger();
    /** When the next line is due; read without the lock on every chunk, which arrive thousands a second. */
    private volatile long nextLineNanos;

    /** @param nanoTime the clock ({@code System::nanoTime}; tests pass their own) */
    TransferLog(PrintWriter err, LongSupplier nanoTime, Duration interval) {
        this.err = err;
        this.nanoTime = nanoTime;
        this.intervalNanos = interval.toNanos();
        this.startNanos = nanoTime.getAsLong();
        this.nextLineNanos = startNanos + intervalNanos;
    }

    @Override
    public void planned(int blobCount, long byteCount) {
        plannedBlobs.addAndGet(blobCount);
        plannedBytes.addAndGet(byteCount);
    }

    @Override
    public void transferred(long byteCount) {
        bytes.addAndGet(byteCount);
        maybeLine();
    }

    @Override
    public void blobDone(Descriptor blob, boolean copied) {
        blobs.incrementAndGet();
        maybeLine();
    }

    private void maybeLine() {
        long now = nanoTime.getAsLong();
        if (now < nextLineNanos) {
            return;
        }
        synchronized (this) {
            if (now < nextLineNanos) {
                return;
            }
            nextLineNanos = now + intervalNanos;
            err.println(line(bytes.get(), plannedBytes.get(), blobs.get(), plannedBlobs.get(), now - startNanos));
            err.flush();
        }
    }

    /** e.g. {@code copy: 120.5 MiB of 710.0 MiB, 3/10 blobs, 10.0 MiB/s, 12.0 s}. */
    static String line(long bytes, long plannedBytes, int blobs, int plannedBlobs, long elapsedNanos) {
        double seconds = elapsedNanos / 1e9;
        return String.format(
                Locale.ROOT,
                "copy: %s of %s, %d/%d blobs, %s/s, %.1f s",
                ProgressDisplay.size(bytes),
                ProgressDisplay.size(plannedBytes),
                blobs,
                plannedBlobs,
                ProgressDisplay.size(seconds > 0 ? Math.round(bytes / seconds) : 0),
                seconds);
    }
}
