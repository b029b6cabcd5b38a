package org.ecrreplicator.worker.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.DestinationSecret;
import org.ecrreplicator.domain.EcrRegistry;
import org.ecrreplicator.domain.SecretValidationException;
import org.ecrreplicator.worker.engine.ReplicatorException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * {@code --dest-secret}: the destination's access keys from the deployment's destination secret (the JSON the
 * pipeline reads, {@link DestinationSecret}), read through Secrets Manager in the source partition with the
 * source side's credentials. Errors name the secret's ARN and what is wrong, never a value.
 */
final class DestinationSecretReader {
    private static final Pattern ARN = Pattern.compile(
            "arn:(aws|aws-us-gov|aws-cn):secretsmanager:([a-z]{2}(?:-[a-z]+)+-\\d{1,2}):(\\d{12}):secret:[^\\s]+");
    private static final Duration CONNECT = Duration.ofSeconds(5);
    private static final Duration SOCKET = Duration.ofSeconds(30);
    private static final Duration CALL = Duration.ofSeconds(60);

    private DestinationSecretReader() {}

    /**
     * @param reader the source side's identity, which reads the secret
     * @param destination the destination registry: the secret must be for its partition and account
     */
    static AwsIdentity read(String arn, AwsIdentity reader, EcrRegistry destination) {
        Matcher matcher = ARN.matcher(arn);
        if (!matcher.matches()) {
            throw new UsageException(AwsCredentialsOptions.DESTINATION_SECRET + " takes the secret's ARN"
                    + " (arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:NAME, the replication stack's"
                    + " DestinationSecretId output), not '" + arn + "'");
        }
        DestinationSecret secret =
                fetch(arn, Region.of(matcher.group(2)), reader, AwsCredentialsOptions.SOURCE_PROFILE);
        return identity(secret, arn, destination);
    }

    /**
     * The secret {@code secretId} names: its ARN (read in the ARN's region), or its name (read in {@code region}),
     * checked as ReadSecret checks it.
     *
     * @param readerOption the option that gives {@code reader} a profile, for the error that asks for one
     */
    static DestinationSecret fetch(String secretId, Region region, AwsIdentity reader, String readerOption) {
        Matcher matcher = ARN.matcher(secretId);
        Region where = matcher.matches() ? Region.of(matcher.group(2)) : region;
        String secretString;
        try (SecretsManagerClient client = client(where, reader)) {
            secretString =
                    client.getSecretValue(request -> request.secretId(secretId)).secretString();
        } catch (AwsServiceException e) {
            throw new ReplicatorException("destination secret " + secretId + " cannot be read with the "
                    + reader.description() + ": " + e.awsErrorDetails().errorCode() + " ("
                    + e.awsErrorDetails().errorMessage() + "); the secret lives in the source partition: give "
                    + readerOption + " a profile of it that may call secretsmanager:GetSecretValue");
        } catch (SdkException e) {
            throw new ReplicatorException("destination secret " + secretId + " cannot be read with the "
                    + reader.description() + ": " + e.getMessage());
        }
        if (secretString == null) {
            throw new ReplicatorException("destination secret " + secretId + " holds no secret string: put the JSON"
                    + " object with the fields " + String.join(", ", DestinationSecret.FIELDS) + " (docs/deploy.md)");
        }
        try {
            return DestinationSecret.parse(secretString);
        } catch (SecretValidationException e) {
            // The message names fields, never values.
            throw new ReplicatorException("destination secret " + secretId + ": " + e.getMessage());
        }
    }

    /** The registry of the secret's account in {@code region}, which must be of the secret's partition. */
    static EcrRegistry registry(DestinationSecret secret, String secretId, String region) {
        try {
            return secret.registry(region);
        } catch (SecretValidationException e) {
            throw new ReplicatorException("destination secret " + secretId + ": " + e.getMessage());
        }
    }

    /** The secret's keys, for {@code destination}: the secret must be for its partition and account. */
    static AwsIdentity identity(DestinationSecret secret, String secretId, EcrRegistry destination) {
        registry(secret, secretId, destination.region());
        if (!secret.accountId().equals(destination.accountId())) {
            throw new ReplicatorException("destination secret " + secretId + " is for account " + secret.accountId()
                    + ", the destination " + destination.host() + " is in account " + destination.accountId()
                    + ": name the registry of the secret's account, or the secret of this one");
        }
        return new AwsIdentity(
                StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(secret.accessKey(), secret.secretAccessKey())),
                null,
                "destination side, the keys of secret " + secretId);
    }

    private static SecretsManagerClient client(Region region, AwsIdentity reader) {
        return SecretsManagerClient.builder()
                .region(region)
                .credentialsProvider(reader.credentials())
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(CONNECT)
                        .socketTimeout(SOCKET))
                .overrideConfiguration(config -> {
                    config.apiCallTimeout(CALL);
                    if (reader.profile() != null) {
                        config.defaultProfileName(reader.profile());
                    }
                })
                .build();
    }
}
