package org.ecrreplicator.worker.engine;

import org.ecrreplicator.domain.Digest;

/**
 * What a delete did.
 *
 * @param deleted false when there was nothing to delete (no such tag, digest or repository)
 * @param digest the deleted image's digest when known
 */
public record DeleteResult(boolean deleted, Digest digest) {}
