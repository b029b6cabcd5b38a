package org.ecrreplicator.worker.engine.referrer;

import org.ecrreplicator.domain.Digest;

/**
 * A referrer the copy left out, and why: the destination refused it, or it refers to one that was left out.
 *
 * @param artifactType its {@code artifactType} (else its config media type), or null
 * @param subject the manifest it refers to
 */
public record SkippedReferrer(Digest digest, String artifactType, Digest subject, String reason) {}
