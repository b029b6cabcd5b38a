package org.ecrreplicator.worker.engine.transfer;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A source that stops sending is caught by the download's read timeout, the idle timeout; a destination that
 * stops reading is not, since a socket has no write timeout. The watchdog abandons a blob transfer that moved
 * nothing for the idle timeout, which breaks its upload's connection, and the transfer is retried. The
 * destination's answer once it has every byte is bounded by the commit timeout, the upload's read timeout.
 *
 * <p>Its thread starts with the first transfer watched, so a copy with nothing to transfer never has one.
 */
final class TransferWatchdog implements AutoCloseable {
    private final Duration idleTimeout;
    private final Duration commitTimeout;
    private final Set<BlobStream> active = ConcurrentHashMap.newKeySet();

    private volatile ScheduledExecutorService scheduler;

    TransferWatchdog(Duration idleTimeout, Duration commitTimeout) {
        this.idleTimeout = idleTimeout;
        this.commitTimeout = commitTimeout;
    }

    Duration idleTimeout() {
        return idleTimeout;
    }

    Duration commitTimeout() {
        return commitTimeout;
    }

    /** Watches {@code stream} until {@link #release}. */
    void watch(BlobStream stream) {
        active.add(stream);
        if (scheduler == null) {
            synchronized (this) {
                if (scheduler == null) {
                    long period = Math.max(50, idleTimeout.toMillis() / 4);
                    var started = Executors.newSingleThreadScheduledExecutor(runnable -> {
                        Thread thread = new Thread(runnable, "transfer-watchdog");
                        thread.setDaemon(true);
                        return thread;
                    });
                    started.scheduleAtFixedRate(this::abandonStalled, period, period, TimeUnit.MILLISECONDS);
                    scheduler = started;
                }
            }
        }
    }

    /** Stops watching {@code stream}. */
    void release(BlobStream stream) {
        active.remove(stream);
    }

    private void abandonStalled() {
        long idle = idleTimeout.toNanos();
        long now = System.nanoTime();
        active.forEach(stream -> {
            if (!stream.sentAll() && now - stream.lastActivityNanos() > idle) {
                active.remove(stream);
                stream.abandon("no data for " + inWords(idleTimeout));
            }
        });
    }

    /** "10 min", "60 s", "1.5 s", "500 ms": a timeout as an operator would write it. */
    static String inWords(Duration duration) {
        long millis = duration.toMillis();
        if (millis < 1000) {
            return millis + " ms";
        }
        if (millis % 60_000 == 0) {
            return millis / 60_000 + " min";
        }
        return BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString() + " s";
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }
}
