package org.ecrreplicator.worker.cli;

import java.util.Optional;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.worker.status.Deployment;
import org.ecrreplicator.worker.status.DeploymentLocator;
import picocli.CommandLine.Model.CommandSpec;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;

/**
 * {@code --env} or {@code --stack}, {@code --profile}, {@code --region}: how an operator command finds the
 * deployment it looks at, by the replication stack's outputs (decision 0065).
 */
final class DeploymentOptions {
    private static final String ENV = "--env";
    private static final String STACK = "--stack";
    private static final String PROFILE = "--profile";
    private static final String REGION = "--region";
    private static final Pattern ENVIRONMENT = Pattern.compile("[a-z][a-z0-9-]*");

    private DeploymentOptions() {}

    static CommandSpec mixin() {
        return CommandSpecs.mixin(
                CommandSpecs.option(
                                ENV,
                                "ENV",
                                String.class,
                                "The environment in cdk.json (dev, prod): its stack "
                                        + StackOutputs.replicationStackName("ENV") + ".")
                        .build(),
                CommandSpecs.option(STACK, "NAME", String.class, "The replication stack's name, instead of --env.")
                        .build(),
                CommandSpecs.option(PROFILE, "PROFILE", String.class, "The AWS profile (default: the SDK's chain).")
                        .build(),
                CommandSpecs.option(
                                REGION,
                                "REGION",
                                String.class,
                                "The stack's region (default: the profile's, or AWS_REGION).")
                        .build());
    }

    /** Exactly one of {@code --env} and {@code --stack}. */
    static String stackName(CommandSpec command) {
        String environment = CommandSpecs.value(command, ENV);
        String stack = CommandSpecs.value(command, STACK);
        if ((environment == null) == (stack == null)) {
            throw new UsageException("name the deployment with --env ENV (dev, prod) or --stack NAME, not "
                    + (environment == null ? "neither" : "both"));
        }
        if (stack != null) {
            return stack;
        }
        if (!ENVIRONMENT.matcher(environment).matches()) {
            throw new UsageException("--env " + environment + " is not an environment name such as dev or prod");
        }
        return StackOutputs.replicationStackName(environment);
    }

    static AwsClients clients(CommandSpec command) {
        return new AwsClients(
                Optional.ofNullable(CommandSpecs.value(command, PROFILE)),
                Optional.ofNullable(CommandSpecs.value(command, REGION)));
    }

    /**
     * The identity the deployment options give, for calls beyond the stack's own services ({@code status --live}:
     * the source registry's ECR API and the destination secret): {@code --profile}, else the default AWS
     * credentials.
     */
    static AwsIdentity identity(CommandSpec command) {
        String profile = CommandSpecs.value(command, PROFILE);
        return profile == null ? AwsIdentity.defaultChain("source") : AwsSides.profile(profile, PROFILE, "source");
    }

    /** Finds the stack and reads its outputs: one error line naming the fix when it or an output is missing. */
    static Deployment locate(CommandSpec command, AwsClients clients) {
        String stackName = stackName(command);
        try (CloudFormationClient cloudFormation = clients.cloudFormation()) {
            return DeploymentLocator.locate(cloudFormation, stackName);
        }
    }
}
