package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.transfer.ProgressListener;

/** A one-line progress display on a terminal, redrawn a few times a second. */
final class ProgressDisplay implements ProgressListener, AutoCloseable {
    private final PrintWriter err;
    private final long startNanos = System.nanoTime();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong plannedBytes = new AtomicLong();
    private final AtomicInteger plannedBlobs = new AtomicInteger();
    private final AtomicInteger blobsDone = new AtomicInteger();
    private final ScheduledExecutorService ticker;

    ProgressDisplay(PrintWriter err) {
        this.err = err;
        this.ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "progress");
            thread.setDaemon(true);
            return thread;
        });
        ticker.scheduleAtFixedRate(this::draw, 250, 250, TimeUnit.MILLISECONDS);
    }

    /** Whether stderr is a terminal (Linux: fd 2 links to a tty device); when unsure, no. */
    static boolean stderrIsTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void planned(int blobs, long total) {
        plannedBlobs.addAndGet(blobs);
        plannedBytes.addAndGet(total);
    }

    @Override
    public void transferred(long count) {
        bytes.addAndGet(count);
    }

    @Override
    public void blobDone(Descriptor blob, boolean copied) {
        blobsDone.incrementAndGet();
    }

    private void draw() {
        double seconds = (System.nanoTime() - startNanos) / 1e9;
        err.print("\r" + line(bytes.get(), plannedBytes.get(), seconds, blobsDone.get(), plannedBlobs.get())
                + "\u001b[K");
        err.flush();
    }

    /** e.g. {@code 120.5 MiB / 215.0 MiB  85.3 MiB/s  blobs 3/8}. */
    static String line(long bytes, long total, double seconds, int blobsDone, int blobsTotal) {
        double rate = seconds > 0 ? bytes / seconds : 0;
        return size(bytes) + " / " + size(total) + "  " + size((long) rate) + "/s  blobs " + blobsDone + "/"
                + blobsTotal;
    }

    /**
     * {@code , 80.0 MiB mounted} when the destination mounted some blobs instead of receiving them, else "":
     * the suffix sync's lines put after the bytes copied.
     */
    static String mountedSuffix(long bytes) {
        return bytes == 0 ? "" : ", " + size(bytes) + " mounted";
    }

    /** Binary units with one decimal: {@code 0 B}, {@code 512 B}, {@code 1.5 KiB}, {@code 215.0 MiB}. */
    static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        err.print("\r\u001b[K");
        err.flush();
    }
}
