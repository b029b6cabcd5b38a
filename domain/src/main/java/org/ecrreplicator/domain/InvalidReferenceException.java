package org.ecrreplicator.domain;

/** A malformed image reference, repository, tag or digest; names the part at fault and why. */
public class InvalidReferenceException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String part;

    public InvalidReferenceException(String part, String reason) {
        super(part + " " + reason);
        this.part = part;
    }

    /** Which part was wrong: host, port, repository, tag, digest or reference. */
    public String part() {
        return part;
    }
}
