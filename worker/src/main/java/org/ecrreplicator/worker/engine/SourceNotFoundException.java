package org.ecrreplicator.worker.engine;

import org.ecrreplicator.worker.engine.registry.RegistryException;

/** The source image (tag, digest or repository) does not exist: for the workflow, nothing to do. */
public class SourceNotFoundException extends RegistryException {
    private static final long serialVersionUID = 1L;

    public SourceNotFoundException(String message, String code) {
        super(message, 404, code);
    }
}
