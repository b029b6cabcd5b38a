package org.ecrreplicator.worker.cli;

import org.ecrreplicator.worker.engine.ecr.EcrApi;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** Builds the ECR control-plane client for one registry; tests point it at a local endpoint. */
@FunctionalInterface
interface EcrFactory {
    EcrApi create(
            Region region, AwsCredentialsProvider credentials, String registryId, EcrApi.RepositoryDefaults defaults);

    static EcrFactory sdk() {
        return EcrApi::create;
    }
}
