package org.ecrreplicator.worker.engine.manifest;

import org.ecrreplicator.domain.Digest;

/**
 * A content descriptor from a manifest: what is referenced, its media type and size.
 *
 * @param platform {@code os/architecture[/variant]} for index entries, else null
 */
public record Descriptor(String mediaType, Digest digest, long size, String platform) {}
