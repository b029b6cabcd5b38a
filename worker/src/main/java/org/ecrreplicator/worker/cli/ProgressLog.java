package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.ecrreplicator.worker.engine.sync.Syncer;
import org.ecrreplicator.worker.engine.sync.TagAction;

/**
 * Progress of a sync for a log (stderr is not a terminal): a plain line when a tag is done and at least
 * {@code interval} has passed since the last line, or every {@code everyTags} tags, and after the last one.
 * Lines come on completions, not on a timer, so a log shows no line while one large tag copies.
 */
final class ProgressLog implements Syncer.Listener {
    static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(5);
    static final int DEFAULT_EVERY_TAGS = 50;

    private final PrintWriter err;
    private final LongSupplier nanoTime;
    private final long intervalNanos;
    private final int everyTags;
    private final long startNanos;
    private final AtomicInteger planned = new AtomicInteger();
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final AtomicLong mounted = new AtomicLong();
    private long lastLineNanos;

    /** @param nanoTime the clock ({@code System::nanoTime}; tests pass their own) */
    ProgressLog(PrintWriter err, LongSupplier nanoTime, Duration interval, int everyTags) {
        this.err = err;
        this.nanoTime = nanoTime;
        this.intervalNanos = interval.toNanos();
        this.everyTags = everyTags;
        this.startNanos = nanoTime.getAsLong();
        this.lastLineNanos = startNanos;
    }

    @Override
    public void planned(int tags) {
        planned.addAndGet(tags);
    }

    @Override
    public void done(TagAction action) {
        bytes.addAndGet(action.bytesCopied());
        mounted.addAndGet(action.bytesMounted());
        if (action.outcome() == TagAction.Outcome.FAILED) {
            failed.incrementAndGet();
        }
        int count = done.incrementAndGet();
        synchronized (this) {
            long now = nanoTime.getAsLong();
            if (now - lastLineNanos >= intervalNanos || count % everyTags == 0 || count == planned.get()) {
                lastLineNanos = now;
                err.println(
                        line(count, planned.get(), failed.get(), bytes.get(), mounted.get(), (now - startNanos) / 1e9));
                err.flush();
            }
        }
    }

    /**
     * e.g. {@code sync: 120/200 tags done, 1 failed, 35.2 MiB copied, 12.5 s}; {@code , 80.0 MiB mounted} after
     * the bytes copied once the destination has mounted some (as {@code copy} prints it).
     */
    static String line(int done, int planned, int failed, long bytes, long mounted, double seconds) {
        return String.format(
                Locale.ROOT,
                "sync: %d/%d tags done, %d failed, %s copied%s, %.1f s",
                done,
                planned,
                failed,
                ProgressDisplay.size(bytes),
                ProgressDisplay.mountedSuffix(mounted),
                seconds);
    }
}
