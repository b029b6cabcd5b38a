package org.ecrreplicator.worker.cli;

import org.ecrreplicator.domain.ImageReference;

final class References {
    private static final String DOCKER_TRANSPORT = "docker://";

    private References() {}

    /**
     * Parses {@code text}, accepting the {@code docker://} transport prefix skopeo users type; a URL scheme is
     * named as what it is, with the form to use instead.
     */
    static ImageReference parse(String text, String what) {
        String reference = text.startsWith(DOCKER_TRANSPORT) ? text.substring(DOCKER_TRANSPORT.length()) : text;
        int scheme = reference.indexOf("://");
        if (scheme > 0) {
            throw new UsageException(what + " '" + text + "' is a URL, not an image reference: write"
                    + " host[:port]/repository[:tag|@digest], e.g. " + reference.substring(scheme + 3)
                    + " (add --insecure for a plain-HTTP registry)");
        }
        try {
            return ImageReference.parse(reference);
        } catch (IllegalArgumentException e) {
            throw new UsageException(what + " is not a valid image reference: " + e.getMessage());
        }
    }
}
