package org.ecrreplicator.state;

import java.time.Instant;
import java.util.Optional;

/**
 * The task tokens of build attempts, kept in the state table under opaque attempt ids (decision 0071): the
 * build carries the id, never the token. StartBuild and StartReconcileBuild write them; Completion and the
 * sweep read them.
 */
public interface AttemptStore {
    /**
     * The attempt id of {@code taskToken}: the one an earlier invocation gave the same token, else a new random
     * one whose token item is written before this returns. Both items expire at {@code expiresAt}.
     */
    String attemptFor(String taskToken, Instant expiresAt);

    /** The task token of {@code attemptId}, read consistently; empty when the id was never given out. */
    Optional<String> taskToken(String attemptId);
}
