package org.ecrreplicator.worker.engine.sync;

/**
 * A repository that could not be compared or synced.
 *
 * @param repository the repository's path below the prefixes
 * @param reason one line: what failed, where, and the registry's answer
 */
public record RepositoryError(String repository, String reason) {}
