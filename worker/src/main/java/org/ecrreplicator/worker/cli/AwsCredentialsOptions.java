package org.ecrreplicator.worker.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --src-profile}, {@code --dest-profile} and {@code --dest-secret}: the AWS credentials of each ECR side,
 * for copies between partitions, which share no credentials. {@link AwsSides} turns them into identities.
 */
final class AwsCredentialsOptions {
    static final String SOURCE_PROFILE = "--src-profile";
    static final String DESTINATION_PROFILE = "--dest-profile";
    static final String DESTINATION_SECRET = "--dest-secret";

    private AwsCredentialsOptions() {}

    /** All three: for the commands that read one registry and write another (copy, diff, sync). */
    static CommandSpec mixin() {
        return CommandSpecs.mixin(
                profile(SOURCE_PROFILE, "source"),
                profile(DESTINATION_PROFILE, "destination"),
                CommandSpecs.option(
                                DESTINATION_SECRET,
                                "ARN",
                                String.class,
                                "ECR destination: its access keys from the deployment's destination secret (the"
                                        + " replication stack's DestinationSecretId), read with the source side's"
                                        + " AWS credentials. Not with --dest-profile or --dest-creds.")
                        .build());
    }

    /** {@code --dest-profile} alone: for the commands that only reach the destination (delete). */
    static CommandSpec destinationMixin() {
        return CommandSpecs.mixin(profile(DESTINATION_PROFILE, "destination"));
    }

    private static OptionSpec profile(String option, String side) {
        return CommandSpecs.option(
                        option,
                        "NAME",
                        String.class,
                        "ECR " + side + ": the named AWS profile (AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE) for"
                                + " its ECR API calls; the region stays the host's. Without it: the default AWS"
                                + " credentials.")
                .build();
    }

    /** The option's value, or null when it was not given or the command does not have it. */
    static String value(CommandSpec command, String option) {
        OptionSpec spec = command.findOption(option);
        return spec == null ? null : spec.getValue();
    }
}
