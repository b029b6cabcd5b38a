package org.ecrreplicator.worker.cli;

import java.util.Optional;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.EcrRegistry;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ecr.EcrApi;
import org.ecrreplicator.worker.engine.registry.Credentials;
import org.ecrreplicator.worker.engine.registry.TrustedOrigins;
import software.amazon.awssdk.regions.Region;

/** Chooses how to authenticate to a registry: explicit USER:PASS, ECR for ECR hosts, else anonymous. */
final class Endpoints {
    private static final Pattern PORT = Pattern.compile(":\\d+$");

    private Endpoints() {}

    /**
     * @param userPassword {@code USER:PASS} or null
     * @param source where {@code userPassword} came from, for error messages
     * @param aws the credentials for an ECR host's API calls
     * @param anonymousHint how to give credentials, for the error when the registry requires them
     */
    static Endpoint forHost(
            String host,
            String userPassword,
            String source,
            boolean insecure,
            EcrFactory ecr,
            AwsIdentity aws,
            EcrApi.RepositoryDefaults defaults,
            String anonymousHint) {
        if (insecure && TrustedOrigins.insecureEcr(host)) {
            throw new UsageException("--insecure cannot be used with ECR host " + host
                    + ": ECR is HTTPS only, and plain HTTP would send its credentials in the clear; drop --insecure");
        }
        if (userPassword != null) {
            try {
                return Endpoint.of(Credentials.parseUserPassword(userPassword, source), insecure);
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
        }
        Optional<EcrRegistry> registry = ecrRegistry(host);
        if (registry.isPresent()) {
            EcrApi api = ecr.create(
                    Region.of(registry.get().region()),
                    aws.credentials(),
                    aws.profile(),
                    registry.get().accountId(),
                    defaults);
            return Endpoint.ecr(api.describedAs(aws.description()), insecure);
        }
        return Endpoint.anonymous(insecure, anonymousHint);
    }

    /** The ECR registry {@code host[:port]} names, if any (a port only ever appears in tests). */
    static Optional<EcrRegistry> ecrRegistry(String host) {
        return EcrRegistry.fromHost(PORT.matcher(host).replaceFirst(""));
    }

    static void close(Endpoint... endpoints) {
        for (Endpoint endpoint : endpoints) {
            if (endpoint != null && endpoint.ecr() != null) {
                endpoint.ecr().close();
            }
        }
    }
}
