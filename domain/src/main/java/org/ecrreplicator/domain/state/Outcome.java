package org.ecrreplicator.domain.state;

/**
 * What a build did, as the worker exports it in {@code OUTCOME}. Every build converges the request's tag (or
 * digest) on what the source holds when the build runs, whatever the event said.
 */
public enum Outcome {
    /** The source holds it; the build copied what the destination lacked. */
    REPLICATED("replicated", TagStatus.REPLICATED),
    /** The source holds it and the destination already matched: nothing was written. */
    UNCHANGED("unchanged", TagStatus.REPLICATED),
    /** A delete was overtaken: the source holds it again, so the destination keeps (or now has) it. */
    KEPT("kept", TagStatus.REPLICATED),
    /** The source lacks it and deletes do not replicate: nothing was done (the source was not found). */
    SOURCE_GONE("source gone", TagStatus.SOURCE_GONE),
    /** The source lacks it and deletes replicate: the build removed it at the destination. */
    DELETED("deleted", TagStatus.DELETED),
    /** The source lacks it, deletes replicate, and the destination did not have it either. */
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

    /** True when the destination holds the source's image for the request afterwards. */
    public boolean holdsSourceImage() {
        return this == REPLICATED || this == UNCHANGED || this == KEPT;
    }

    public static Outcome parse(String value) {
        for (Outcome outcome : values()) {
            if (outcome.name().equals(value)) {
                return outcome;
            }
        }
        throw new IllegalArgumentException("outcome '" + value + "' is not one of "
                + java.util.Arrays.stream(values()).map(Enum::name).toList());
    }
}
