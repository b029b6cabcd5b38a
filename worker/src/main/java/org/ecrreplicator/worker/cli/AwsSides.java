package org.ecrreplicator.worker.cli;

import java.util.Optional;
import org.ecrreplicator.domain.EcrRegistry;
import picocli.CommandLine.Model.CommandSpec;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.profiles.ProfileFileLocation;

/**
 * Which AWS credentials each ECR side of an operator command signs its calls with, from {@link
 * AwsCredentialsOptions}: a named profile per side, or, for the destination, the keys in the deployment's
 * destination secret. Every conflict is a usage error, found before anything is copied.
 */
final class AwsSides {
    private AwsSides() {}

    /**
     * The identity the options give {@code side} at {@code host}; empty when they give none (USER:PASS, anonymous,
     * or the default AWS credentials for an ECR host).
     *
     * @param userPasswordOption whether the side's {@code --src-creds}/{@code --dest-creds} option was given
     */
    static Optional<AwsIdentity> identity(
            CredentialsOption side, CommandSpec command, String host, boolean userPasswordOption) {
        return side == CredentialsOption.SOURCE
                ? source(command, host, userPasswordOption)
                : destination(command, host, userPasswordOption);
    }

    private static Optional<AwsIdentity> source(CommandSpec command, String host, boolean userPasswordOption) {
        String profile = AwsCredentialsOptions.value(command, AwsCredentialsOptions.SOURCE_PROFILE);
        if (profile == null) {
            return Optional.empty();
        }
        if (userPasswordOption) {
            throw new UsageException(AwsCredentialsOptions.SOURCE_PROFILE + " and " + CredentialsOption.SOURCE.option()
                    + " both give the source's credentials: keep one");
        }
        // With --dest-secret the profile also reads the secret, which lives in the source partition.
        if (Endpoints.ecrRegistry(host).isEmpty()
                && AwsCredentialsOptions.value(command, AwsCredentialsOptions.DESTINATION_SECRET) == null) {
            throw notEcr(AwsCredentialsOptions.SOURCE_PROFILE, host, CredentialsOption.SOURCE);
        }
        return Optional.of(profile(profile, AwsCredentialsOptions.SOURCE_PROFILE, "source"));
    }

    private static Optional<AwsIdentity> destination(CommandSpec command, String host, boolean userPasswordOption) {
        String profile = AwsCredentialsOptions.value(command, AwsCredentialsOptions.DESTINATION_PROFILE);
        String secret = AwsCredentialsOptions.value(command, AwsCredentialsOptions.DESTINATION_SECRET);
        if (profile == null && secret == null) {
            return Optional.empty();
        }
        if (profile != null && secret != null) {
            throw new UsageException(AwsCredentialsOptions.DESTINATION_SECRET + " and "
                    + AwsCredentialsOptions.DESTINATION_PROFILE + " both give the destination's AWS credentials: keep"
                    + " one");
        }
        String option =
                secret != null ? AwsCredentialsOptions.DESTINATION_SECRET : AwsCredentialsOptions.DESTINATION_PROFILE;
        if (userPasswordOption) {
            throw new UsageException(option + " and " + CredentialsOption.DESTINATION.option()
                    + " both give the destination's credentials: keep one");
        }
        Optional<EcrRegistry> registry = Endpoints.ecrRegistry(host);
        if (registry.isEmpty()) {
            throw notEcr(option, host, CredentialsOption.DESTINATION);
        }
        if (profile != null) {
            return Optional.of(profile(profile, option, "destination"));
        }
        String sourceProfile = AwsCredentialsOptions.value(command, AwsCredentialsOptions.SOURCE_PROFILE);
        AwsIdentity reader = sourceProfile == null
                ? AwsIdentity.defaultChain("source")
                : profile(sourceProfile, AwsCredentialsOptions.SOURCE_PROFILE, "source");
        return Optional.of(DestinationSecretReader.read(secret, reader, registry.get()));
    }

    private static UsageException notEcr(String option, String host, CredentialsOption side) {
        return new UsageException(option + " applies to ECR hosts (ACCOUNT.dkr.ecr.REGION.amazonaws.com[.cn]) only,"
                + " and " + host + " is not one: drop it (" + side.option()
                + " USER:PASS gives another registry's credentials)");
    }

    /**
     * A named profile from the SDK's files ({@code AWS_CONFIG_FILE}, {@code AWS_SHARED_CREDENTIALS_FILE}, else
     * {@code ~/.aws/config} and {@code ~/.aws/credentials}); one that is in neither is a usage error naming them.
     */
    static AwsIdentity profile(String name, String option, String side) {
        ProfileFile files;
        try {
            files = ProfileFile.defaultProfileFile();
        } catch (RuntimeException e) {
            throw new UsageException(option + " " + name + ": the AWS config files (" + files("and")
                    + ") cannot be read: " + e.getMessage());
        }
        if (files.profile(name).isEmpty()) {
            throw new UsageException("profile '" + name + "' (" + option + ") is in neither " + files("nor")
                    + ": add it (aws configure --profile " + name
                    + "), or point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at the files that have it");
        }
        return new AwsIdentity(
                ProfileCredentialsProvider.builder()
                        .profileFile(files)
                        .profileName(name)
                        .build(),
                name,
                side + " side, profile '" + name + "'");
    }

    private static String files(String joiner) {
        return ProfileFileLocation.configurationFilePath() + " " + joiner + " "
                + ProfileFileLocation.credentialsFilePath();
    }
}
