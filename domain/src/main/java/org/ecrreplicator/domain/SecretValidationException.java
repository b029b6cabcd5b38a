package org.ecrreplicator.domain;

import java.util.List;

/** The destination secret is unusable. The message names fields, never values. */
public class SecretValidationException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final List<String> missingFields;
    private final List<String> invalidFields;

    public SecretValidationException(List<String> missingFields, List<String> invalidFields, String problem) {
        super(message(missingFields, invalidFields, problem));
        this.missingFields = List.copyOf(missingFields);
        this.invalidFields = List.copyOf(invalidFields);
    }

    public List<String> missingFields() {
        return missingFields;
    }

    public List<String> invalidFields() {
        return invalidFields;
    }

    private static String message(List<String> missing, List<String> invalid, String problem) {
        StringBuilder text = new StringBuilder("destination secret is not usable:");
        if (problem != null) {
            text.append(' ').append(problem).append(';');
        }
        if (!missing.isEmpty()) {
            text.append(" missing field(s) ").append(String.join(", ", missing)).append(';');
        }
        if (!invalid.isEmpty()) {
            text.append(" invalid field(s) ").append(String.join(", ", invalid)).append(';');
        }
        text.append(" expected a JSON object with ")
                .append(String.join(", ", DestinationSecret.FIELDS))
                .append(" (partition one of ")
                .append(Partition.validIds())
                .append(", accountid 12 digits)");
        return text.toString();
    }
}
