package org.ecrreplicator.domain.state;

import java.time.Instant;
import java.util.Comparator;
import java.util.Objects;
import org.ecrreplicator.domain.ReplicationRequest;

/**
 * Where an event stands in a tag's history: its time, ties broken by event id. EventBridge times have
 * one-second resolution, so two pushes within a second need a stable, if arbitrary, order that every
 * execution agrees on.
 */
public record EventMark(Instant time, String eventId) implements Comparable<EventMark> {
    private static final Comparator<EventMark> ORDER =
            Comparator.comparing(EventMark::time).thenComparing(EventMark::eventId);

    public EventMark {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(eventId, "eventId");
    }

    public static EventMark of(ReplicationRequest request) {
        return new EventMark(request.eventTime(), request.eventId());
    }

    public boolean isAfter(EventMark other) {
        return other == null || compareTo(other) > 0;
    }

    @Override
    public int compareTo(EventMark other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return "event " + eventId + " at " + time;
    }
}
