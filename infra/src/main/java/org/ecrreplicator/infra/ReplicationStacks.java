package org.ecrreplicator.infra;

import software.constructs.Construct;

/** The replication stack (source partition) and the destination-access stack (destination partition). */
public final class ReplicationStacks {
    private ReplicationStacks() {}

    public static void define(Construct scope, EnvironmentContext context) {
        // Filled by the replication-stack work (issue 5).
    }
}
