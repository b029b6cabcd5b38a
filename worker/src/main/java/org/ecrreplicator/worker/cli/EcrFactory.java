package org.ecrreplicator.worker.cli;

import org.ecrreplicator.worker.engine.ecr.EcrApi;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** Builds the ECR control-plane client for one registry; tests point it at a local endpoint. */
@FunctionalInterface
interface EcrFactory {
    EcrApi create(
            Region region, AwsCredentialsProvider credentials, String registryId, EcrApi.RepositoryDefaults defaults);

    /**
     * With a named profile, whose settings ({@code endpoint_url} among them) the SDK's client follows; factories
     * that point the client elsewhere (tests) ignore it.
     *
     * @param profile null for the SDK's default
     */
    default EcrApi create(
            Region region,
            AwsCredentialsProvider credentials,
            String profile,
            String registryId,
            EcrApi.RepositoryDefaults defaults) {
        return create(region, credentials, registryId, defaults);
    }

    static EcrFactory sdk() {
        return new EcrFactory() {
            @Override
            public EcrApi create(
                    Region region,
                    AwsCredentialsProvider credentials,
                    String registryId,
                    EcrApi.RepositoryDefaults defaults) {
                return EcrApi.create(region, credentials, registryId, defaults);
            }

            @Override
            public EcrApi create(
                    Region region,
                    AwsCredentialsProvider credentials,
                    String profile,
                    String registryId,
                    EcrApi.RepositoryDefaults defaults) {
                return EcrApi.create(region, credentials, profile, registryId, defaults);
            }
        };
    }
}
