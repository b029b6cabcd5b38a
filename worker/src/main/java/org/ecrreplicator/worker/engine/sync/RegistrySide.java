package org.ecrreplicator.worker.engine.sync;

import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.registry.RegistryClient;

/**
 * One side of a diff or sync: where, how it is reached, its client (kept for every copy, so authentication
 * is shared across repositories) and how it is listed.
 */
public record RegistrySide(
        RegistryLocation location, Endpoint endpoint, RegistryClient client, RegistryLister lister) {}
