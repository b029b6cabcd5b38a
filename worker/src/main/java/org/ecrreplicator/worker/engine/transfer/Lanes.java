package org.ecrreplicator.worker.engine.transfer;

import java.util.concurrent.Semaphore;

/**
 * The transfer slots of one copy, shared by the image's blobs and its referrers' so that together they
 * stream at most {@code concurrency} at once. Fair, so blobs start in the order they are handed in.
 */
public final class Lanes {
    /** Blobs streaming. */
    private final Semaphore streaming;
    /** Blobs waiting for a slot with their upload session open. */
    private final Semaphore ahead;

    public Lanes(int concurrency) {
        this.streaming = new Semaphore(concurrency, true);
        this.ahead = new Semaphore(concurrency, true);
    }

    Semaphore streaming() {
        return streaming;
    }

    Semaphore ahead() {
        return ahead;
    }
}
