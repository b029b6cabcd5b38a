package org.ecrreplicator.domain.state;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageAction;
import org.ecrreplicator.domain.ReplicationRequest;

/**
 * The rules of the per-tag record, as pure functions from (stored state, input, time) to the next state.
 * The store persists a result only if the stored version is unchanged (a conditional write); on a conflict
 * the caller reads again and re-applies the rule, so every decision is made on fresh state.
 */
public final class TagTransitions {
    /**
     * ECR event times have whole seconds and clocks differ a little: an event counts as covered by a copy only
     * when it is older than the copy's start by more than this.
     */
    public static final Duration SYNC_MARGIN = Duration.ofSeconds(2);

    private TagTransitions() {}

    /**
     * What CheckState decides, and the state to write ({@code next}; null when nothing changes).
     *
     * @param leaseExpiresAt the lease this execution now holds (PROCEED) or waits for (WAIT); null otherwise
     */
    public record Check(Decision decision, String reason, Instant leaseExpiresAt, TagState next) {}

    /**
     * Order of the rules: while another execution holds an unexpired lease, the event waits, whatever it is: a
     * running build may be about to change what the item says (a delete build that is about to find the tag
     * back at the source, say), so no skip is decided on it. Otherwise an event older than the applied one is
     * stale; the applied event itself, or an event whose result the destination already shows, is a
     * duplicate; otherwise the event needs a build and takes the lease.
     *
     * @param removal the removals of the request's digest in its repository (null when none is recorded): a
     *     claim that the destination holds the digest is trusted only when no removal could have taken it away
     *     since the copy that made the claim
     */
    public static Check check(
            TagState current,
            ReplicationRequest request,
            String executionArn,
            Instant now,
            Duration leaseDuration,
            DigestRemoval removal) {
        Objects.requireNonNull(request, "request");
        requireExecution(executionArn);
        requirePositive(leaseDuration);
        TagState state = current != null ? current : TagState.initial(request.imageKey(), now);
        EventMark mark = EventMark.of(request);
        Lease lease = state.lease();
        if (lease != null && lease.blocks(executionArn, now)) {
            return new Check(
                    Decision.WAIT,
                    "execution " + lease.owner() + " holds the lease on " + state.imageKey() + " until "
                            + lease.expiresAt() + "; " + mark + " is decided once it ends",
                    lease.expiresAt(),
                    null);
        }
        EventMark applied = state.applied();
        if (applied != null && mark.compareTo(applied) < 0) {
            return new Check(
                    Decision.SKIP_STALE,
                    mark + " is older than " + applied + ", already applied to " + state.imageKey(),
                    null,
                    null);
        }
        if (applied != null && mark.compareTo(applied) == 0) {
            return new Check(Decision.SKIP_DUPLICATE, mark + " was already applied to " + state.imageKey(), null, null);
        }
        if (state.syncedAt() != null && !request.eventTime().plus(SYNC_MARGIN).isAfter(state.syncedAt())) {
            // The copy engine resolves the tag when it copies: a copy that started after this event already
            // carried whatever the event announced (or what replaced it), so a build would copy the same again.
            return new Check(
                    Decision.SKIP_STALE,
                    mark + " is older than the copy that started at " + state.syncedAt() + " and converged "
                            + state.imageKey() + " on what the source held then",
                    null,
                    null);
        }
        String present = destinationAlreadyShows(state, request, removal, now, leaseDuration);
        if (present != null) {
            TagState next = state.next(now)
                    .applied(mark)
                    .lastSeen(newer(state, mark), newerDigest(state, mark, request.digest()))
                    .done();
            return new Check(Decision.SKIP_DUPLICATE, present, null, next);
        }
        Lease taken = new Lease(executionArn, now.plus(leaseDuration));
        String reason;
        if (lease == null || lease.heldBy(executionArn)) {
            reason = (lease == null ? "lease taken on " : "lease renewed on ") + state.imageKey() + " for " + mark;
        } else {
            reason = "took over the expired lease of " + lease.owner() + " (expired " + lease.expiresAt() + ") on "
                    + state.imageKey() + " for " + mark;
        }
        TagState next = state.next(now)
                .lease(taken)
                .status(TagStatus.LEASED)
                .lastSeen(newer(state, mark), newerDigest(state, mark, request.digest()))
                .done();
        return new Check(Decision.PROCEED, reason, taken.expiresAt(), next);
    }

    /** {@link #check(TagState, ReplicationRequest, String, Instant, Duration, DigestRemoval)} with no removal. */
    public static Check check(
            TagState current, ReplicationRequest request, String executionArn, Instant now, Duration leaseDuration) {
        return check(current, request, executionArn, now, leaseDuration, null);
    }

    /**
     * StartBuild's lease: a redrive reaches StartBuild without CheckState, so the lease is re-taken (free or
     * expired) or confirmed (ours) here, and the attempt's task token hash is recorded. Returns {@code
     * current} unchanged when this very attempt already recorded itself (a retried invocation).
     *
     * @throws LeaseHeldException when another execution holds an unexpired lease
     */
    public static TagState leaseForBuild(
            TagState current,
            ReplicationRequest request,
            String executionArn,
            String taskTokenHash,
            Instant now,
            Duration leaseDuration) {
        requireExecution(executionArn);
        requirePositive(leaseDuration);
        Objects.requireNonNull(taskTokenHash, "taskTokenHash");
        TagState state = current != null ? current : TagState.initial(request.imageKey(), now);
        Lease lease = state.lease();
        if (lease != null && lease.blocks(executionArn, now)) {
            throw new LeaseHeldException(state.imageKey(), lease);
        }
        if (current != null
                && taskTokenHash.equals(current.taskTokenHash())
                && lease != null
                && lease.heldBy(executionArn)) {
            return current;
        }
        EventMark mark = EventMark.of(request);
        return state.next(now)
                .lease(new Lease(executionArn, now.plus(leaseDuration)))
                .attemptStarted(now)
                .status(TagStatus.LEASED)
                .build(null, taskTokenHash)
                .lastSeen(newer(state, mark), newerDigest(state, mark, request.digest()))
                .done();
    }

    /** Records the build started by the attempt {@code taskTokenHash}, which must still be the current one. */
    public static TagState buildStarted(
            TagState current, String executionArn, String taskTokenHash, String buildId, Instant now) {
        Objects.requireNonNull(current, "current");
        Objects.requireNonNull(buildId, "buildId");
        Lease lease = current.lease();
        if (!taskTokenHash.equals(current.taskTokenHash()) || lease == null || !lease.heldBy(executionArn)) {
            throw new IllegalStateException("the attempt that started build " + buildId + " no longer holds "
                    + current.imageKey() + ": another execution or attempt took it over");
        }
        if (buildId.equals(current.buildId())) {
            return current;
        }
        return current.next(now)
                .build(buildId, taskTokenHash)
                .status(TagStatus.BUILDING)
                .error(null, null, null)
                .done();
    }

    /**
     * Records a failure: status FAILED and the lease released when this execution holds it (or nobody
     * does), so the next event need not wait for the expiry. When another execution holds the lease, only
     * the error is noted: that execution's progress is not ours to overwrite.
     */
    public static TagState failed(
            TagState current, String imageKey, String executionArn, String error, String cause, Instant now) {
        requireExecution(executionArn);
        TagState state = current != null ? current : TagState.initial(imageKey, now);
        Lease lease = state.lease();
        TagState.Builder next = state.next(now).error(error, cause, executionArn);
        if (lease == null || lease.heldBy(executionArn) || !lease.isActiveAt(now)) {
            next.status(TagStatus.FAILED).lease(null);
        }
        return next.done();
    }

    /**
     * Records a finished build: what the destination holds now (the build resolves the tag at copy time,
     * so its digest is the truth even for an event that has since become stale), the newest applied event
     * (never moved backwards) and the lease released if this execution holds it.
     *
     * @param digest the digest the build reports; null for deletes and a missing source
     */
    public static TagState recorded(
            TagState current,
            ReplicationRequest request,
            String executionArn,
            Outcome outcome,
            Digest digest,
            String buildId,
            Instant now) {
        requireExecution(executionArn);
        Objects.requireNonNull(outcome, "outcome");
        TagState state = current != null ? current : TagState.initial(request.imageKey(), now);
        EventMark mark = EventMark.of(request);
        TagState.Builder next = state.next(now);
        Lease lease = state.lease();
        boolean ours = lease == null || lease.heldBy(executionArn);
        switch (outcome) {
            case REPLICATED, UNCHANGED, KEPT -> {
                if (digest == null) {
                    throw new IllegalArgumentException(
                            "a " + outcome + " outcome needs the digest the destination holds");
                }
                next.replicated(digest, now, false);
            }
            case DELETED, NOTHING_TO_DELETE -> next.replicated(null, now, true);
            // The source was not found and deletes do not replicate: the build changed nothing at the destination.
            case SOURCE_GONE ->
                next.replicated(state.replicatedDigest(), state.replicatedAt(), state.destinationDeleted());
        }
        Instant started = state.attemptStartedAt();
        if (outcome != Outcome.SOURCE_GONE
                && ours
                && lease != null
                && started != null
                && (state.syncedAt() == null || started.isAfter(state.syncedAt()))) {
            // The build looked at the source after this moment and left the destination as the source was:
            // events older than it need no build (decision 0007).
            next.synced(started);
        }
        if (mark.isAfter(state.applied())) {
            next.applied(mark);
        }
        next.lastSeen(newer(state, mark), newerDigest(state, mark, request.digest()));
        if (ours) {
            next.lease(null).status(outcome.status()).error(null, null, null).build(buildId, null);
        }
        return next.done();
    }

    /**
     * A reconcile shard build's lease on one tag it is about to repair (decision 0068): taken when free or expired,
     * like StartBuild's. No event is involved, so the event marks stay as they are.
     *
     * @param owner the shard's lease owner (the reconcile execution and the shard), never an event execution
     * @throws LeaseHeldException when an execution holds an unexpired lease: the tag is left to it (deferred)
     */
    public static TagState leaseForReconcile(
            TagState current, String imageKey, String owner, String buildId, Instant now, Duration leaseDuration) {
        requireExecution(owner);
        requirePositive(leaseDuration);
        TagState state = current != null ? current : TagState.initial(imageKey, now);
        Lease lease = state.lease();
        if (lease != null && lease.blocks(owner, now)) {
            throw new LeaseHeldException(state.imageKey(), lease);
        }
        return state.next(now)
                .lease(new Lease(owner, now.plus(leaseDuration)))
                .attemptStarted(now)
                .status(TagStatus.BUILDING)
                .build(buildId, null)
                .done();
    }

    /**
     * Records a reconcile repair of one tag and releases the lease: the destination now holds {@code digest}
     * (REPLICATED) or no longer holds the tag (DELETED). The repair looked at the source after it took the lease,
     * so events older than that moment need no build. When the lease was lost meanwhile (it expired and an event
     * execution took it), only nothing is written: that execution will record what it finds.
     */
    public static TagState reconciled(
            TagState current, String owner, Outcome outcome, Digest digest, String buildId, Instant now) {
        Objects.requireNonNull(current, "current");
        if (outcome != Outcome.REPLICATED && outcome != Outcome.DELETED) {
            throw new IllegalArgumentException("a reconcile repairs by copying or deleting, not " + outcome);
        }
        Lease lease = current.lease();
        if (lease == null || !lease.heldBy(owner)) {
            return null;
        }
        TagState.Builder next = current.next(now);
        if (outcome == Outcome.REPLICATED) {
            next.replicated(Objects.requireNonNull(digest, "digest"), now, false);
        } else {
            next.replicated(null, now, true);
        }
        Instant started = current.attemptStartedAt();
        if (started != null && (current.syncedAt() == null || started.isAfter(current.syncedAt()))) {
            next.synced(started);
        }
        return next.lease(null)
                .status(outcome.status())
                .error(null, null, null)
                .build(buildId, null)
                .done();
    }

    private static String destinationAlreadyShows(
            TagState state, ReplicationRequest request, DigestRemoval removal, Instant now, Duration leaseDuration) {
        if (!state.isStored()) {
            return null;
        }
        if (request.action() == ImageAction.PUSH
                && !state.destinationDeleted()
                && request.digest().equals(state.replicatedDigest())) {
            if (removal != null && !removal.trusts(state.syncedAt(), now, leaseDuration)) {
                // The digest was (or is being) removed at the destination since this claim was made.
                return null;
            }
            return "the destination already holds " + request.digest() + " for " + state.imageKey();
        }
        if (request.action() == ImageAction.DELETE && state.destinationDeleted()) {
            return "the destination no longer holds " + state.imageKey();
        }
        return null;
    }

    private static EventMark newer(TagState state, EventMark mark) {
        return mark.isAfter(state.lastSeen()) ? mark : state.lastSeen();
    }

    private static Digest newerDigest(TagState state, EventMark mark, Digest digest) {
        return mark.isAfter(state.lastSeen()) ? digest : state.lastSeenDigest();
    }

    private static void requireExecution(String executionArn) {
        if (executionArn == null || executionArn.isBlank()) {
            throw new IllegalArgumentException("executionArn is missing: pass $$.Execution.Id from the state machine");
        }
    }

    private static void requirePositive(Duration leaseDuration) {
        if (leaseDuration == null || leaseDuration.isNegative() || leaseDuration.isZero()) {
            throw new IllegalArgumentException("the lease duration must be positive (LEASE_SECONDS)");
        }
    }
}
