package org.ecrreplicator.domain.state;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.ecrreplicator.domain.Digest;

/**
 * When a digest was, or may be being, removed from one repository at the destination. A per-tag item claims
 * the digest its last copy left at the destination; a build that deletes a digest (a delete by digest, or a
 * tag delete on a registry that cannot untag) takes that digest away from every tag that pointed at it. Rather
 * than find and rewrite every such item, the removal is recorded once, before the build starts and again when
 * it ends, and a claim is trusted only when its copy started after every removal of its digest had ended
 * (decision 0061). Immutable; stored under {@link StateTable#removalKey} with the same version-conditional
 * writes as {@link TagState}.
 *
 * @param version 0 for a record not yet stored
 * @param inProgress executions whose builds may be removing the digest now, with when each attempt started
 * @param lastRemovedAt when the last removal that is known to have ended ended; null if none has
 */
public record DigestRemoval(
        String repository,
        Digest digest,
        long version,
        Map<String, Instant> inProgress,
        Instant lastRemovedAt,
        Instant updatedAt) {

    public DigestRemoval {
        Objects.requireNonNull(repository, "repository");
        Objects.requireNonNull(digest, "digest");
        inProgress = Map.copyOf(inProgress);
    }

    public String key() {
        return StateTable.removalKey(repository, digest);
    }

    public static DigestRemoval none(String repository, Digest digest) {
        return new DigestRemoval(repository, digest, 0, Map.of(), null, null);
    }

    public boolean isStored() {
        return version > 0;
    }

    /**
     * Whether a claim that the destination holds this digest, made by a copy that started at {@code claimStart},
     * still stands: no removal is under way, and every removal ended before that copy started. A removal whose
     * execution never reported back counts as under way until its lease would have expired, since its build
     * cannot outlive the lease.
     *
     * @param claimStart null when the claim's copy start is unknown: then any removal on record spoils it
     */
    public boolean trusts(Instant claimStart, Instant now, Duration leaseDuration) {
        for (Instant started : inProgress.values()) {
            Instant endsBy = started.plus(leaseDuration);
            if (now.isBefore(endsBy) || claimStart == null || claimStart.isBefore(endsBy)) {
                return false;
            }
        }
        return lastRemovedAt == null || (claimStart != null && claimStart.isAfter(lastRemovedAt));
    }

    /**
     * Records that {@code executionArn}'s build, starting at {@code now}, may remove this digest. A redrive of
     * the same execution moves its start.
     */
    public static DigestRemoval started(DigestRemoval current, String executionArn, Instant now) {
        Objects.requireNonNull(current, "current");
        requireExecution(executionArn);
        Map<String, Instant> inProgress = new LinkedHashMap<>(current.inProgress());
        inProgress.put(executionArn, now);
        return new DigestRemoval(
                current.repository(),
                current.digest(),
                current.version() + 1,
                inProgress,
                current.lastRemovedAt(),
                now);
    }

    /**
     * Records that {@code executionArn}'s build ended: {@code removed} says whether it removed the digest.
     * Returns {@code current} unchanged when there is nothing to record (the execution was not on record and
     * removed nothing). Entries of executions that outlived their lease are folded into {@code lastRemovedAt},
     * so the record does not grow.
     */
    public static DigestRemoval finished(
            DigestRemoval current, String executionArn, boolean removed, Instant now, Duration leaseDuration) {
        Objects.requireNonNull(current, "current");
        requireExecution(executionArn);
        if (!removed && !current.inProgress().containsKey(executionArn)) {
            return current;
        }
        Map<String, Instant> inProgress = new LinkedHashMap<>();
        Instant lastRemovedAt = current.lastRemovedAt();
        for (Map.Entry<String, Instant> entry : current.inProgress().entrySet()) {
            Instant endsBy = entry.getValue().plus(leaseDuration);
            if (entry.getKey().equals(executionArn)) {
                continue;
            }
            if (!now.isBefore(endsBy)) {
                lastRemovedAt = later(lastRemovedAt, endsBy);
            } else {
                inProgress.put(entry.getKey(), entry.getValue());
            }
        }
        if (removed) {
            lastRemovedAt = later(lastRemovedAt, now);
        }
        return new DigestRemoval(
                current.repository(), current.digest(), current.version() + 1, inProgress, lastRemovedAt, now);
    }

    /**
     * Records that {@code executionArn}'s attempt ended without a result: its build failed or never started.
     * A build that failed may have deleted the digest before it failed, so the removal counts as done now.
     * Returns {@code current} when the execution was not on record.
     *
     * @param buildRan false when no build started, so nothing can have been removed
     */
    public static DigestRemoval abandoned(
            DigestRemoval current, String executionArn, boolean buildRan, Instant now, Duration leaseDuration) {
        Objects.requireNonNull(current, "current");
        if (!current.inProgress().containsKey(executionArn)) {
            return current;
        }
        return finished(current, executionArn, buildRan, now, leaseDuration);
    }

    private static Instant later(Instant a, Instant b) {
        return a == null || b.isAfter(a) ? b : a;
    }

    private static void requireExecution(String executionArn) {
        if (executionArn == null || executionArn.isBlank()) {
            throw new IllegalArgumentException("executionArn is missing: pass $$.Execution.Id from the state machine");
        }
    }
}
