package org.ecrreplicator.worker.status;

import org.ecrreplicator.domain.Digest;

/**
 * What the two registries hold now for one row of {@code status --live}: the digest the tag (or the digest of an
 * item keyed by digest) names at the source and at the destination, and what that means.
 *
 * @param source null when the source has no such tag (or the lookup failed: then {@code error} says why)
 * @param destination null when the destination has no such tag (or the lookup failed)
 * @param error why a lookup failed, naming the side; null when both answered
 */
public record LiveState(Digest source, Digest destination, Verdict verdict, String error) {
    public enum Verdict {
        /** Both name the same digest. */
        IN_SYNC("in sync"),
        /** Both hold the tag, with different digests: the destination is stale (or ahead). */
        DIFFERS("differs"),
        /** The source holds it and the destination does not. */
        MISSING_AT_DESTINATION("missing at destination"),
        /** The source no longer holds it; the destination column says whether the destination still does. */
        GONE_AT_SOURCE("gone at source"),
        /** A registry could not be asked; {@link LiveState#error()} says which and why. */
        UNKNOWN("unknown");

        private final String text;

        Verdict(String text) {
            this.text = text;
        }

        /** As the table prints it. */
        public String text() {
            return text;
        }
    }

    /** Both registries answered ({@code null}: no such tag there). */
    public static LiveState of(Digest source, Digest destination) {
        Verdict verdict;
        if (source == null) {
            verdict = Verdict.GONE_AT_SOURCE;
        } else if (destination == null) {
            verdict = Verdict.MISSING_AT_DESTINATION;
        } else {
            verdict = source.equals(destination) ? Verdict.IN_SYNC : Verdict.DIFFERS;
        }
        return new LiveState(source, destination, verdict, null);
    }

    /** A lookup failed; what the other side answered is kept. */
    public static LiveState failed(Digest source, Digest destination, String error) {
        return new LiveState(source, destination, Verdict.UNKNOWN, error);
    }
}
