package org.ecrreplicator.worker.engine.transfer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
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
