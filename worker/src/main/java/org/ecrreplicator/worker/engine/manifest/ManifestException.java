package org.ecrreplicator.worker.engine.manifest;

import org.ecrreplicator.worker.engine.ReplicatorException;

/** A manifest that cannot be copied: not JSON, a type we do not support, or a malformed descriptor. */
public class ManifestException extends ReplicatorException {
    private static final long serialVersionUID = 1L;

    public ManifestException(String message) {
        super(message);
    }
}
