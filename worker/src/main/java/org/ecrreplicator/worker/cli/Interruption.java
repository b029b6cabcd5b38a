package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.ecrreplicator.worker.engine.registry.UploadSessions;

/**
 * Ctrl-C during a copy or a sync. On SIGINT the JVM runs its shutdown hooks and exits with 130; this hook ends
 * the progress line, cancels the upload sessions the command opened (so the registry is not left holding
 * half-sent layers until it expires them) and says "interrupted". Closed once the command ends normally.
 */
final class Interruption implements AutoCloseable {
    private final Thread hook;
    private final AtomicBoolean ended = new AtomicBoolean();

    private Interruption(PrintWriter err, ProgressDisplay display, Supplier<UploadSessions.Cancelled> cancelUploads) {
        hook = new Thread(
                () -> {
                    if (!ended.compareAndSet(false, true)) {
                        return;
                    }
                    if (display != null) {
                        display.close();
                    }
                    UploadSessions.Cancelled cancelled = cancelUploads.get();
                    int done = cancelled.cancelled();
                    err.println("interrupted"
                            + (done == 0 ? "" : ": cancelled " + done + " upload session" + (done == 1 ? "" : "s"))
                            + (cancelled.failed() == 0
                                    ? ""
                                    : "; " + cancelled.failed() + " could not be (the registry expires them): "
                                            + cancelled.firstFailure()));
                    err.flush();
                },
                "interruption");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** @param display the terminal's progress line, or null */
    static Interruption install(
            PrintWriter err, ProgressDisplay display, Supplier<UploadSessions.Cancelled> cancelUploads) {
        return new Interruption(err, display, cancelUploads);
    }

    @Override
    public void close() {
        if (ended.compareAndSet(false, true)) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting already: the hook has nothing left to do
            }
        }
    }
}
