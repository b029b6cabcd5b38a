package org.ecrreplicator.worker.engine.transfer;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The JDK client has no read timeout for a streamed body: a source that stops sending mid-blob would hang
 * the copy. The watchdog cancels a download that delivered nothing for the idle timeout, which fails its
 * upload, and the transfer is retried. Nor has it a timeout for the answer to an upload alone (its request
 * timeout would also cover sending the body): the watchdog interrupts a transfer whose destination has not
 * answered the commit timeout after the last byte, and that attempt is retried.
 *
 * <p>Its thread starts with the first transfer watched, so a copy with nothing to transfer never has one.
 */
final class TransferWatchdog implements AutoCloseable {
    private final Duration idleTimeout;
    private final Duration commitTimeout;
    /** Blob transfers under the watchdog, each with the thread that waits for its upload's answer. */
    private final Map<BlobPipe, Thread> active = new ConcurrentHashMap<>();
    /** Transfers the watchdog interrupted because the destination did not answer the finished upload. */
    private final Set<BlobPipe> unanswered = ConcurrentHashMap.newKeySet();

    private volatile ScheduledExecutorService scheduler;

    TransferWatchdog(Duration idleTimeout, Duration commitTimeout) {
        this.idleTimeout = idleTimeout;
        this.commitTimeout = commitTimeout;
    }

    Duration commitTimeout() {
        return commitTimeout;
    }

    /** Watches {@code pipe} until {@link #release}; the calling thread is the one that waits for the upload. */
    void watch(BlobPipe pipe) {
        active.put(pipe, Thread.currentThread());
        if (scheduler == null) {
            synchronized (this) {
                if (scheduler == null) {
                    long period = Math.max(50, Math.min(idleTimeout.toMillis(), commitTimeout.toMillis()) / 4);
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

    /**
     * Whether an interrupt of the thread waiting for {@code pipe}'s upload was the watchdog's doing (the
     * destination did not answer in time), not a cancellation of the copy.
     */
    boolean interruptedForNoAnswer(BlobPipe pipe) {
        return unanswered.remove(pipe);
    }

    /** Stops watching {@code pipe}; the calling thread has left its transfer. */
    void release(BlobPipe pipe) {
        synchronized (pipe) {
            active.remove(pipe);
            if (unanswered.remove(pipe)) {
                // Interrupted just as the answer came: the attempt stands, the flag must not.
                Thread.interrupted();
            }
        }
    }

    private void abandonStalled() {
        long idle = idleTimeout.toNanos();
        long commit = commitTimeout.toNanos();
        long now = System.nanoTime();
        active.forEach((pipe, thread) -> {
            long sentAt = pipe.sentAtNanos();
            if (sentAt == 0) {
                if (now - pipe.lastActivityNanos() > idle) {
                    active.remove(pipe);
                    pipe.abandon("no data for " + inWords(idleTimeout));
                }
            } else if (now - sentAt > commit) {
                // The client has no timeout for this wait alone: interrupting the waiting thread cancels
                // the exchange (HttpClient.send), and the transfer turns that into a retryable timeout. The
                // lock keeps the interrupt from reaching a thread that has already left the transfer.
                synchronized (pipe) {
                    if (active.remove(pipe) != null) {
                        unanswered.add(pipe);
                        thread.interrupt();
                    }
                }
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
