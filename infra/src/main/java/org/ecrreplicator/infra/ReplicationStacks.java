package org.ecrreplicator.infra;

import java.nio.file.Path;
import java.util.Optional;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.infra.replication.DeploymentArtifacts;
import org.ecrreplicator.infra.replication.DestinationAccessSettings;
import org.ecrreplicator.infra.replication.DestinationAccessStack;
import org.ecrreplicator.infra.replication.ReplicationSettings;
import org.ecrreplicator.infra.replication.ReplicationStack;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.StackProps;
import software.constructs.Construct;

/** The replication stack (source partition) and the destination-access stack (destination partition). */
public final class ReplicationStacks {
    private ReplicationStacks() {}

    /** The two stacks of one environment, by the names they deploy under. */
    public record Defined(ReplicationStack replication, DestinationAccessStack destinationAccess) {}

    public static Defined define(Construct scope, EnvironmentContext context) {
        return define(scope, context, DeploymentArtifacts.inRepository(Path.of("")));
    }

    public static Defined define(Construct scope, EnvironmentContext context, DeploymentArtifacts artifacts) {
        ReplicationSettings replication = ReplicationSettings.from(context);
        DestinationAccessSettings destination = DestinationAccessSettings.from(context, replication);
        ReplicationStack replicationStack = new ReplicationStack(
                scope,
                replicationStackName(context.name()),
                new ReplicationStack.Props(
                        replication,
                        artifacts,
                        stackProps(
                                replication.account(),
                                replication.region(),
                                "ECR replication to " + replication.destinationRegion() + " (" + context.name()
                                        + ")")));
        DestinationAccessStack destinationStack = new DestinationAccessStack(
                scope,
                destinationAccessStackName(context.name()),
                new DestinationAccessStack.Props(
                        destination,
                        stackProps(
                                destination.account(),
                                destination.region(),
                                "IAM user the ECR replication pushes with (" + context.name() + ")")));
        return new Defined(replicationStack, destinationStack);
    }

    /** The operator commands find the stack by this name too: it lives with the outputs' keys. */
    public static String replicationStackName(String environment) {
        return StackOutputs.replicationStackName(environment);
    }

    public static String destinationAccessStackName(String environment) {
        return "ecr-replicator-" + environment + "-destination-access";
    }

    private static StackProps stackProps(Optional<String> account, String region, String description) {
        // The region is fixed so region-dependent features and partition literals resolve at synth; the
        // account stays a deploy-time value unless configured, so synth needs no credentials.
        Environment.Builder environment = Environment.builder().region(region);
        account.ifPresent(environment::account);
        return StackProps.builder()
                .env(environment.build())
                .description(description)
                .build();
    }
}
