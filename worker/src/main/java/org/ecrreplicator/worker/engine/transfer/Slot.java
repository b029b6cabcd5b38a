package org.ecrreplicator.worker.engine.transfer;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/** One permit of a semaphore, given back once however often it is closed. */
final class Slot implements AutoCloseable {
    private final Semaphore semaphore;
    private final AtomicBoolean held = new AtomicBoolean(true);

    private Slot(Semaphore semaphore) {
        this.semaphore = semaphore;
    }

    static Slot take(Semaphore semaphore) throws InterruptedException {
        semaphore.acquire();
        return new Slot(semaphore);
    }

    @Override
    public void close() {
        if (held.compareAndSet(true, false)) {
            semaphore.release();
        }
    }
}
