package org.ecrreplicator.worker.cli;

import java.util.Optional;
import org.ecrreplicator.domain.EcrRegistry;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ecr.EcrApi;
import org.ecrreplicator.worker.engine.registry.Credentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** Chooses how to authenticate to a registry: explicit USER:PASS, ECR for ECR hosts, else anonymous. */
final class Endpoints {
    private Endpoints() {}

    /**
     * @param userPassword {@code USER:PASS} or null
     * @param source where {@code userPassword} came from, for error messages
     */
    static Endpoint forHost(
            String host,
            String userPassword,
            String source,
            boolean insecure,
            EcrFactory ecr,
            AwsCredentialsProvider awsCredentials,
            EcrApi.RepositoryDefaults defaults) {
        if (userPassword != null) {
            try {
                return Endpoint.of(Credentials.parseUserPassword(userPassword, source), insecure);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        Optional<EcrRegistry> registry = EcrRegistry.fromHost(host);
        if (registry.isPresent()) {
            EcrApi api = ecr.create(
                    Region.of(registry.get().region()),
                    awsCredentials == null
                            ? DefaultCredentialsProvider.builder().build()
                            : awsCredentials,
                    registry.get().accountId(),
                    defaults);
            return Endpoint.ecr(api, insecure);
        }
        return Endpoint.anonymous(insecure);
    }

    static void close(Endpoint... endpoints) {
        for (Endpoint endpoint : endpoints) {
            if (endpoint != null && endpoint.ecr() != null) {
                endpoint.ecr().close();
            }
        }
    }
}
