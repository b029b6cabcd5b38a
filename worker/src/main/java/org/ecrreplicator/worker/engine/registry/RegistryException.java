package org.ecrreplicator.worker.engine.registry;

import org.ecrreplicator.worker.engine.ReplicatorException;

/**
 * A registry answered with an error that retrying will not fix (or retries ran out).
 *
 * @see #status()
 * @see #code()
 */
public class RegistryException extends ReplicatorException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    public RegistryException(String message, int status, String code) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public RegistryException(String message, int status, String code, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
    }

    /** The HTTP status, or 0 when no response came (connection failures). */
    public int status() {
        return status;
    }

    /** The registry's error code (e.g. {@code MANIFEST_INVALID}), or null. */
    public String code() {
        return code;
    }
}
