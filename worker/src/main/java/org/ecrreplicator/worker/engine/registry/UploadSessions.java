package org.ecrreplicator.worker.engine.registry;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The upload sessions a copier's clients have opened and not yet committed, so that an interrupted copy can
 * cancel them ({@code DELETE} on each) instead of leaving them in the registry until it expires them. Once
 * {@link #cancelAll} ran, no session opens any more.
 */
public final class UploadSessions {
    private final Map<URI, Runnable> open = new ConcurrentHashMap<>();
    private volatile boolean cancelled;

    void opened(URI session, Runnable cancel) {
        if (cancelled) {
            cancel.run();
            throw new IllegalStateException("the copy was interrupted: no upload starts now");
        }
        open.put(session, cancel);
    }

    void closed(URI session) {
        open.remove(session);
    }

    boolean cancelled() {
        return cancelled;
    }

    /** What {@link #cancelAll} did: sessions cancelled, and the first reason one could not be. */
    public record Cancelled(int cancelled, int failed, String firstFailure) {}

    /** Cancels every open session; one that cannot be cancelled is left for the registry to expire. */
    public Cancelled cancelAll() {
        cancelled = true;
        int done = 0;
        int failed = 0;
        String first = null;
        for (URI session : open.keySet()) {
            Runnable cancel = open.remove(session);
            if (cancel == null) {
                continue;
            }
            try {
                cancel.run();
                done++;
            } catch (RuntimeException e) {
                failed++;
                if (first == null) {
                    first = e.getMessage();
                }
            }
        }
        return new Cancelled(done, failed, first);
    }
}
