package org.ecrreplicator.worker.engine.transfer;

import org.ecrreplicator.worker.engine.manifest.Descriptor;

/** Told about a copy as it goes, from several threads at once. */
public interface ProgressListener {
    /** What the copy will transfer at most (blobs not yet known to exist at the destination). */
    default void planned(int blobs, long bytes) {}

    /** Bytes streamed through (retried attempts count again). */
    default void transferred(long bytes) {}

    /** One blob finished: copied, or found at the destination already. */
    default void blobDone(Descriptor blob, boolean copied) {}

    static ProgressListener none() {
        return new ProgressListener() {};
    }
}
