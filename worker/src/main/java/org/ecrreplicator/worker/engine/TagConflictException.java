package org.ecrreplicator.worker.engine;

/** The destination tag is immutable and already names a different image. */
public class TagConflictException extends ReplicatorException {
    private static final long serialVersionUID = 1L;

    public TagConflictException(String message) {
        super(message);
    }
}
