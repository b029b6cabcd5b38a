package org.ecrreplicator.worker.engine;

import org.ecrreplicator.worker.engine.manifest.ManifestException;

/** An image lists more manifests than one copy takes ({@link ImageCopier.Options#maxManifests()}). */
public class ManifestLimitException extends ManifestException {
    private static final long serialVersionUID = 1L;

    public ManifestLimitException(String message) {
        super(message);
    }
}
