package org.ecrreplicator.functions;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.ecrreplicator.state.AttemptStore;
import org.ecrreplicator.state.DynamoAttemptStore;

/** {@link AttemptStore} in memory, for handler tests that need no table: the same ids, kept with their expiry. */
final class InMemoryAttemptStore implements AttemptStore {
    record Attempt(String taskToken, Instant expiresAt) {}

    final Map<String, Attempt> byId = new ConcurrentHashMap<>();
    private final Map<String, String> idByToken = new ConcurrentHashMap<>();

    @Override
    public String attemptFor(String taskToken, Instant expiresAt) {
        return idByToken.computeIfAbsent(taskToken, token -> {
            String id = DynamoAttemptStore.newAttemptId();
            byId.put(id, new Attempt(token, expiresAt));
            return id;
        });
    }

    @Override
    public Optional<String> taskToken(String attemptId) {
        return Optional.ofNullable(attemptId == null ? null : byId.get(attemptId))
                .map(Attempt::taskToken);
    }
}
