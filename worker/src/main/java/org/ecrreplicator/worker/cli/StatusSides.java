package org.ecrreplicator.worker.cli;

import java.util.List;
import org.ecrreplicator.domain.DestinationSecret;
import org.ecrreplicator.domain.EcrRegistry;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.engine.sync.RegistryLocation;
import org.ecrreplicator.worker.status.Deployment;
import org.ecrreplicator.worker.status.LiveLookup;
import picocli.CommandLine.Model.CommandSpec;
import software.amazon.awssdk.regions.Region;

/**
 * The two registries {@code status --live} asks, found as the deployment's builds find them: the source is the
 * stack's own ECR registry (the account in its id, its region), the destination the registry of the account in
 * the destination secret ({@code DestinationSecretId}) in the stack's {@code DestinationRegion}, reached with the
 * secret's keys. {@code --source} and {@code --dest} name others (a local pipeline's registries), and the
 * credentials options of {@code sync} apply; either way the endpoints are built by {@link CredentialsOption}, as
 * for every other command.
 */
final class StatusSides implements AutoCloseable {
    static final String SOURCE = "--source";
    static final String DEST = "--dest";

    private final ImageCopier copier;
    private final Endpoint sourceEndpoint;
    private final Endpoint destinationEndpoint;
    private final LiveLookup.Side source;
    private final LiveLookup.Side destination;

    /** {@code --source}, {@code --dest}, their credentials and {@code --insecure}. */
    static void addTo(CommandSpec spec) {
        spec.addOption(CommandSpecs.option(
                        SOURCE,
                        "HOST[/PREFIX]",
                        String.class,
                        "With --live: the source registry, instead of the stack's own ECR registry; repository R"
                                + " of the state table is PREFIX/R there.")
                .build());
        spec.addOption(CommandSpecs.option(
                        DEST,
                        "HOST[/PREFIX]",
                        String.class,
                        "With --live: the destination registry, instead of the secret's account in the stack's"
                                + " DestinationRegion (an ECR host is reached with the secret's keys unless"
                                + " --dest-profile or --dest-creds says otherwise).")
                .build());
        spec.addMixin("connection", ConnectionOptions.mixin());
        spec.addMixin("sourceCredentials", CredentialsOption.SOURCE.mixin());
        spec.addMixin("destinationCredentials", CredentialsOption.DESTINATION.mixin());
        spec.addMixin("awsCredentials", AwsCredentialsOptions.destinationMixin());
    }

    /** The options that only {@code --live} uses. */
    static List<String> options() {
        return List.of(
                SOURCE,
                DEST,
                "--insecure",
                CredentialsOption.SOURCE.option(),
                CredentialsOption.DESTINATION.option(),
                AwsCredentialsOptions.DESTINATION_PROFILE);
    }

    /** @param deploymentIdentity the deployment options' identity: the source's ECR calls, the secret's read */
    StatusSides(
            CommandSpec spec,
            Environment environment,
            EcrFactory ecrFactory,
            Deployment deployment,
            AwsIdentity deploymentIdentity) {
        boolean insecure = ConnectionOptions.insecure(spec);
        SecretOnce secret = new SecretOnce(deployment, deploymentIdentity);
        RegistryLocation from = CommandSpecs.value(spec, SOURCE) != null
                ? RegistrySides.location(CommandSpecs.value(spec, SOURCE), SOURCE)
                : new RegistryLocation(sourceHost(deployment), "");
        RegistryLocation to = CommandSpecs.value(spec, DEST) != null
                ? RegistrySides.location(CommandSpecs.value(spec, DEST), DEST)
                : new RegistryLocation(secret.registry().host(), "");
        copier = new ImageCopier(ImageCopier.Options.defaults());
        Endpoint opened = null;
        try {
            sourceEndpoint = opened = CredentialsOption.SOURCE.endpoint(
                    spec, environment, from.authority(), insecure, ecrFactory, () -> deploymentIdentity);
            destinationEndpoint = CredentialsOption.DESTINATION.endpoint(
                    spec,
                    environment,
                    to.authority(),
                    insecure,
                    ecrFactory,
                    () -> DestinationSecretReader.identity(
                            secret.value(),
                            secret.id(),
                            Endpoints.ecrRegistry(to.authority()).orElseThrow()));
        } catch (RuntimeException e) {
            Endpoints.close(opened);
            copier.close();
            throw e;
        }
        source = new LiveLookup.Side(copier.client(from.authority(), sourceEndpoint), from);
        destination = new LiveLookup.Side(copier.client(to.authority(), destinationEndpoint), to);
    }

    /** The ECR registry of the stack's account in the stack's region. */
    static String sourceHost(Deployment deployment) {
        String account = deployment
                .accountId()
                .orElseThrow(() -> new ReplicatorException("the id of stack " + deployment.stackName() + " ("
                        + deployment.stackId() + ") names no account: pass " + SOURCE + " HOST"));
        return EcrRegistry.of(account, deployment.region()).host();
    }

    LiveLookup lookup() {
        return new LiveLookup(source, destination, LiveLookup.ROWS_IN_FLIGHT);
    }

    @Override
    public void close() {
        copier.close();
        Endpoints.close(sourceEndpoint, destinationEndpoint);
    }

    /** The deployment's destination secret, read at most once, and only when something needs it. */
    private static final class SecretOnce {
        private final Deployment deployment;
        private final AwsIdentity reader;
        private DestinationSecret value;

        SecretOnce(Deployment deployment, AwsIdentity reader) {
            this.deployment = deployment;
            this.reader = reader;
        }

        String id() {
            return deployment.output(StackOutputs.DESTINATION_SECRET_ID);
        }

        DestinationSecret value() {
            if (value == null) {
                value = DestinationSecretReader.fetch(id(), Region.of(deployment.region()), reader, "--profile");
            }
            return value;
        }

        /** The secret's account in the stack's destination region. */
        EcrRegistry registry() {
            String region = deployment.output(StackOutputs.DESTINATION_REGION, "pass " + DEST + " HOST");
            return DestinationSecretReader.registry(value(), id(), region);
        }
    }
}
