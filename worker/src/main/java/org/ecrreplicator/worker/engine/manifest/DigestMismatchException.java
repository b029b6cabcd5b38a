package org.ecrreplicator.worker.engine.manifest;

import java.io.IOException;

/**
 * Content did not hash to its digest or had the wrong length. An {@link IOException} so that it aborts
 * the upload it is streaming into; retried, because a proxy or a truncated connection is the usual cause.
 */
public class DigestMismatchException extends IOException {
    private static final long serialVersionUID = 1L;

    public DigestMismatchException(String message) {
        super(message);
    }
}
