package org.ecrreplicator.worker.engine;

/**
 * A failure the engine explains in one line: what failed, where, and (from the registry) why. The
 * message never contains a credential.
 */
public class ReplicatorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ReplicatorException(String message) {
        super(message);
    }

    public ReplicatorException(String message, Throwable cause) {
        super(message, cause);
    }
}
