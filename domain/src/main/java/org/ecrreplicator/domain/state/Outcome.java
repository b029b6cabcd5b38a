package org.ecrreplicator.domain.state;

/** What a build did, as the worker exports it in {@code OUTCOME}. */
public enum Outcome {
    REPLICATED("replicated", TagStatus.REPLICATED),
    SOURCE_GONE("source gone", TagStatus.SOURCE_GONE),
    DELETED("deleted", TagStatus.DELETED),
    NOTHING_TO_DELETE("nothing to delete", TagStatus.NOTHING_TO_DELETE);

    private final String label;
    private final TagStatus status;

    Outcome(String label, TagStatus status) {
        this.label = label;
        this.status = status;
    }

    /** The words the execution's output uses, e.g. {@code source gone}. */
    public String label() {
        return label;
    }

    public TagStatus status() {
        return status;
    }

    public static Outcome parse(String value) {
        for (Outcome outcome : values()) {
            if (outcome.name().equals(value)) {
                return outcome;
            }
        }
        throw new IllegalArgumentException(
                "outcome '" + value + "' is not one of REPLICATED, SOURCE_GONE, DELETED, NOTHING_TO_DELETE");
    }
}
