package org.ecrreplicator.worker.cli;

import org.ecrreplicator.domain.EcrRegistry;
import org.ecrreplicator.domain.InvalidRequestException;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.worker.engine.ecr.EcrApi;

/**
 * What the build hands the worker, read once from the environment CodeBuild sets ({@link BuildVariables};
 * docs/contracts.md, "The build's environment"). Secret values are kept but never shown: {@code toString()}
 * leaves them out.
 *
 * @param request null for a reconcile build
 * @param sourceIsEcr authenticate to the source through ECR: an ECR host, or {@link
 *     BuildVariables#SOURCE_REGISTRY_IS_ECR} for a local stand-in on loopback
 * @param destinationRegion the destination partition's region, for its ECR API
 * @param replicateDeletes {@link BuildVariables#REPLICATE_DELETES}: a tag or digest the source lacks is
 *     removed at the destination too (default false: it is left there)
 * @param copyReferrers {@link BuildVariables#COPY_REFERRERS}: manifests that refer to the image travel with
 *     it (default true)
 */
record ReplicateConfig(
        ReplicationRequest request,
        String sourceRegistry,
        String destinationRegistry,
        boolean sourceIsEcr,
        boolean destinationIsEcr,
        String sourceRegion,
        String destinationRegion,
        EcrApi.RepositoryDefaults repositoryDefaults,
        boolean insecure,
        String destinationAccessKeyId,
        String destinationSecretAccessKey,
        String sourceCredentials,
        String destinationCredentials,
        boolean replicateDeletes,
        boolean copyReferrers) {

    static ReplicateConfig from(Environment env) {
        ReplicationRequest request;
        try {
            request = ReplicationRequest.fromJson(
                    env.require(BuildVariables.REPLICATION_REQUEST, "the replication request JSON"));
        } catch (InvalidRequestException e) {
            throw new UsageException(BuildVariables.REPLICATION_REQUEST + " is invalid: " + e.getMessage());
        }
        return of(env, request);
    }

    /** The registries and settings of a reconcile build, which carries no request (its source is named). */
    static ReplicateConfig forReconcile(Environment env) {
        env.require(BuildVariables.SOURCE_REGISTRY, "the source registry host[:port]");
        return of(env, null);
    }

    private static ReplicateConfig of(Environment env, ReplicationRequest request) {
        String destination = env.require(BuildVariables.DESTINATION_REGISTRY, "the destination registry host[:port]");
        String source = env.get(BuildVariables.SOURCE_REGISTRY).orElseGet(() -> EcrRegistry.of(
                        request.sourceRegistry(),
                        env.require("AWS_REGION", "the source region (or set " + BuildVariables.SOURCE_REGISTRY + ")"))
                .host());
        boolean sourceIsEcr =
                EcrRegistry.isEcrHost(hostOf(source)) || env.flag(BuildVariables.SOURCE_REGISTRY_IS_ECR, false);
        boolean destinationIsEcr = EcrRegistry.isEcrHost(hostOf(destination))
                || env.flag(BuildVariables.DESTINATION_REGISTRY_IS_ECR, false);
        String sourceRegion = EcrRegistry.fromHost(hostOf(source))
                .map(EcrRegistry::region)
                .orElse(env.get("AWS_REGION").orElse("us-east-1"));
        String destinationRegion = env.get(BuildVariables.DESTINATION_REGION)
                .orElse(EcrRegistry.fromHost(hostOf(destination))
                        .map(EcrRegistry::region)
                        .orElse(null));
        String mutability = env.get(BuildVariables.IMAGE_TAG_MUTABILITY).orElse("MUTABLE");
        EcrApi.RepositoryDefaults defaults;
        try {
            defaults = new EcrApi.RepositoryDefaults(
                    env.flag(BuildVariables.CREATE_REPOSITORIES, false),
                    mutability,
                    env.flag(BuildVariables.SCAN_ON_PUSH, false));
        } catch (IllegalArgumentException e) {
            throw new UsageException(BuildVariables.IMAGE_TAG_MUTABILITY + ": " + e.getMessage());
        }
        String keyId = env.get(BuildVariables.DESTINATION_ACCESS_KEY_ID).orElse(null);
        String secret = env.get(BuildVariables.DESTINATION_SECRET_ACCESS_KEY).orElse(null);
        if (destinationIsEcr) {
            if (keyId == null || secret == null) {
                throw new UsageException(BuildVariables.DESTINATION_ACCESS_KEY_ID + " and "
                        + BuildVariables.DESTINATION_SECRET_ACCESS_KEY + " must be set"
                        + " for an ECR destination (CodeBuild resolves them from the destination secret)");
            }
            if (destinationRegion == null) {
                throw new UsageException(
                        BuildVariables.DESTINATION_REGION + " is not set: it must name the destination's region");
            }
        }
        return new ReplicateConfig(
                request,
                source,
                destination,
                sourceIsEcr,
                destinationIsEcr,
                sourceRegion,
                destinationRegion,
                defaults,
                env.flag(BuildVariables.REGISTRY_INSECURE, false),
                keyId,
                secret,
                env.get(CredentialsOption.SOURCE.variable()).orElse(null),
                env.get(CredentialsOption.DESTINATION.variable()).orElse(null),
                env.flag(BuildVariables.REPLICATE_DELETES, false),
                env.flag(BuildVariables.COPY_REFERRERS, true));
    }

    /** The account id in an ECR host, or null (then ECR picks the caller's own registry). */
    static String accountOf(String registry) {
        return EcrRegistry.fromHost(hostOf(registry))
                .map(EcrRegistry::accountId)
                .orElse(null);
    }

    static String hostOf(String authority) {
        int colon = authority.lastIndexOf(':');
        return colon > authority.lastIndexOf(']') && colon > 0 ? authority.substring(0, colon) : authority;
    }

    @Override
    public String toString() {
        return "ReplicateConfig[request=" + (request == null ? "none" : request.imageKey()) + ", source="
                + sourceRegistry + ", destination="
                + destinationRegistry + ", replicateDeletes=" + replicateDeletes + ", copyReferrers=" + copyReferrers
                + "]";
    }
}
