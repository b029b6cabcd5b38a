package org.ecrreplicator.worker.engine.transfer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.ecrreplicator.worker.engine.ReplicatorException;

/** Waiting for the engine's tasks: what a task threw is thrown again as it was, so errors keep their kind. */
public final class Futures {
    private Futures() {}

    public static <T> T join(Future<T> future) {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ReplicatorException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new ReplicatorException(String.valueOf(cause.getMessage()), cause);
        } catch (CancellationException e) {
            throw new ReplicatorException("cancelled after another transfer failed", e);
        }
    }

    /**
     * Waits up to {@code limit} for {@code future} to end, through interrupts, which are kept for the caller:
     * for a task whose work was just broken off, so that it has left before the caller goes on.
     */
    static void awaitEnd(Future<?> future, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        boolean interrupted = false;
        try {
            while (!future.isDone()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return;
                }
                try {
                    future.get(left, TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (ExecutionException | CancellationException | TimeoutException e) {
                    return;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Every result, in order; the first failure is thrown once all have ended. */
    public static <T> List<T> joinAll(Collection<Future<T>> futures) {
        List<T> results = new ArrayList<>();
        RuntimeException first = null;
        for (Future<T> future : futures) {
            try {
                results.add(join(future));
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
        return results;
    }
}
