package org.ecrreplicator.worker.cli;

import org.ecrreplicator.domain.ImageReference;

final class References {
    private References() {}

    static ImageReference parse(String text, String what) {
        try {
            return ImageReference.parse(text);
        } catch (IllegalArgumentException e) {
            throw new UsageException(what + " is not a valid image reference: " + e.getMessage());
        }
    }
}
