package org.ecrreplicator.worker.engine;

import org.ecrreplicator.worker.engine.ecr.EcrApi;
import org.ecrreplicator.worker.engine.registry.Credentials;

/**
 * How to reach one side of a copy.
 *
 * @param insecure plain HTTP instead of TLS (local registries only)
 * @param ecr the ECR control plane when this registry is ECR, else null: repositories are then created on
 *     demand and deletes go through {@code BatchDeleteImage}
 */
public record Endpoint(boolean insecure, Credentials credentials, EcrApi ecr) {
    public Endpoint {
        if (credentials == null) {
            throw new IllegalArgumentException("credentials are required (use Credentials.anonymous())");
        }
    }

    public static Endpoint of(Credentials credentials, boolean insecure) {
        return new Endpoint(insecure, credentials, null);
    }

    public static Endpoint anonymous(boolean insecure) {
        return of(Credentials.anonymous(), insecure);
    }

    /** @param hint how to give credentials, named in the error if the registry turns out to require them */
    public static Endpoint anonymous(boolean insecure, String hint) {
        return of(Credentials.anonymous(hint), insecure);
    }

    /** An ECR registry: passwords from {@code GetAuthorizationToken}, repositories through the same API. */
    public static Endpoint ecr(EcrApi api, boolean insecure) {
        return new Endpoint(insecure, Credentials.issued(api), api);
    }
}
