package org.ecrreplicator.domain;

/** A replication request that does not bind; names the field at fault. */
public class InvalidRequestException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String field;

    public InvalidRequestException(String field, String reason) {
        super("field '" + field + "' " + reason);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
