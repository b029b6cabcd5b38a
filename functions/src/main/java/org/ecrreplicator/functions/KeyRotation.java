package org.ecrreplicator.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.DestinationSecret;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.Partition;
import org.ecrreplicator.domain.SecretValidationException;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.AccessKeyMetadata;
import software.amazon.awssdk.services.iam.model.CreateAccessKeyResponse;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.DescribeSecretResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Rotates the destination user's access key with the four steps Secrets Manager drives (decision 0075). The
 * key lives in IAM of another partition, so the only credentials that can manage it are the key itself: the
 * current key creates its successor, and the successor must prove itself at the destination's ECR before it is
 * promoted. The previous key is left alive until the next rotation, so a build that read it still finishes.
 *
 * <p>No step ever logs or throws a secret value: messages name versions, fields and error codes only.
 */
final class KeyRotation {
    static final String CURRENT = "AWSCURRENT";
    static final String PENDING = "AWSPENDING";
    /** How long a new key may take to work everywhere: IAM is eventually consistent across its regions. */
    static final Duration PROPAGATION = Duration.ofMinutes(1);

    private static final Duration FIRST_WAIT = Duration.ofSeconds(2);
    private static final Duration LONGEST_WAIT = Duration.ofSeconds(15);

    /** An IAM client of the destination partition signed with the given key. */
    @FunctionalInterface
    interface IamOpener {
        IamClient open(AwsBasicCredentials key, Region signingRegion);
    }

    /** An ECR client of the destination region signed with the given key. */
    @FunctionalInterface
    interface EcrOpener {
        EcrClient open(AwsBasicCredentials key, String region);
    }

    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    private final SecretsManagerClient secrets;
    private final IamOpener iam;
    private final EcrOpener ecr;
    private final String destinationRegion;
    private final Clock clock;
    private final Sleeper sleeper;
    private final Log log;

    KeyRotation(
            SecretsManagerClient secrets,
            IamOpener iam,
            EcrOpener ecr,
            String destinationRegion,
            Clock clock,
            Sleeper sleeper,
            Log log) {
        this.secrets = secrets;
        this.iam = iam;
        this.ecr = ecr;
        this.destinationRegion = destinationRegion;
        this.clock = clock;
        this.sleeper = sleeper;
        this.log = log;
    }

    /**
     * The region IAM requests of the partition are signed for: IAM is global within a partition, with one
     * endpoint each (iam.amazonaws.com, iam.us-gov.amazonaws.com, iam.cn-north-1.amazonaws.com.cn), signed for
     * us-east-1, us-gov-west-1 and cn-north-1. The SDK's global pseudo-regions resolve to exactly those.
     */
    static Region iamRegion(Partition partition) {
        return switch (partition) {
            case AWS -> Region.AWS_GLOBAL;
            case AWS_US_GOV -> Region.AWS_US_GOV_GLOBAL;
            case AWS_CN -> Region.AWS_CN_GLOBAL;
        };
    }

    /** Runs one step for the version {@code token} of the secret {@code secretId}. */
    void step(String secretId, String token, String step) {
        if (!requireRotating(secretId, token)) {
            return;
        }
        switch (step) {
            case "createSecret" -> createSecret(secretId, token);
            case "setSecret" -> setSecret();
            case "testSecret" -> testSecret(secretId, token);
            case "finishSecret" -> finishSecret(secretId, token);
            default -> throw new IllegalArgumentException("unknown rotation step '" + step + "'");
        }
    }

    /**
     * The checks every step makes first, as Secrets Manager's own rotation templates do: rotation is on, and the
     * version exists and is staged AWSPENDING. False when the version is already AWSCURRENT: a step repeated
     * after the rotation finished has nothing to do.
     */
    private boolean requireRotating(String secretId, String token) {
        DescribeSecret metadata = describe(secretId);
        if (!metadata.rotationEnabled()) {
            throw new IllegalStateException("secret " + secretId + " does not have rotation enabled");
        }
        List<String> stages = metadata.stages().get(token);
        if (stages == null) {
            throw new IllegalStateException(
                    "version " + token + " of secret " + secretId + " has no stage for rotation");
        }
        if (stages.contains(CURRENT)) {
            log.info("version is already current: nothing to do", "versionId", token);
            return false;
        }
        if (!stages.contains(PENDING)) {
            throw new IllegalStateException(
                    "version " + token + " of secret " + secretId + " is not staged " + PENDING);
        }
        return true;
    }

    private record DescribeSecret(boolean rotationEnabled, Map<String, List<String>> stages) {}

    private DescribeSecret describe(String secretId) {
        DescribeSecretResponse response = secrets.describeSecret(describe -> describe.secretId(secretId));
        return new DescribeSecret(Boolean.TRUE.equals(response.rotationEnabled()), response.versionIdsToStages());
    }

    /**
     * With the current key, makes room for and creates the new key, and stores it as AWSPENDING. A repeated call
     * for a version that already holds a value does nothing. When the user already has two keys (IAM's limit),
     * the one that is not current goes: that is the previous rotation's AWSPREVIOUS, which has had a whole
     * rotation period to drain, or a key a failed attempt created and never stored.
     */
    private void createSecret(String secretId, String token) {
        GetSecretValueResponse current =
                secrets.getSecretValue(get -> get.secretId(secretId).versionStage(CURRENT));
        try {
            secrets.getSecretValue(
                    get -> get.secretId(secretId).versionId(token).versionStage(PENDING));
            log.info("pending version already holds a key: nothing to create", "versionId", token);
            return;
        } catch (ResourceNotFoundException e) {
            // The version has no value yet: create the key.
        }
        DestinationSecret parsed = parse(current, secretId);
        CreateAccessKeyResponse created;
        try (IamClient client = iam.open(credentials(parsed), iamRegion(parsed.partition()))) {
            List<AccessKeyMetadata> keys =
                    client.listAccessKeys(list -> list.userName(parsed.user())).accessKeyMetadata();
            if (keys.size() >= 2) {
                AccessKeyMetadata stale = keys.stream()
                        .filter(key -> !key.accessKeyId().equals(parsed.accessKey()))
                        .min(Comparator.comparing(
                                AccessKeyMetadata::createDate, Comparator.nullsFirst(Comparator.naturalOrder())))
                        .orElseThrow();
                client.deleteAccessKey(delete -> delete.userName(parsed.user()).accessKeyId(stale.accessKeyId()));
                // Key ids are treated like the keys: never in a log line, only their dates.
                log.info(
                        "deleted the user's key that is not current, to make room",
                        "user",
                        parsed.user(),
                        "deletedKeyCreated",
                        String.valueOf(stale.createDate()));
            }
            created = client.createAccessKey(create -> create.userName(parsed.user()));
        }
        ObjectNode value = (ObjectNode) readJson(current.secretString());
        value.put(DestinationSecret.ACCESS_KEY, created.accessKey().accessKeyId());
        value.put(DestinationSecret.SECRET_ACCESS_KEY, created.accessKey().secretAccessKey());
        secrets.putSecretValue(put -> put.secretId(secretId)
                .clientRequestToken(token)
                .secretString(value.toString())
                .versionStages(PENDING));
        log.info("created the new key and stored it as pending", "versionId", token, "user", parsed.user());
    }

    /**
     * Nothing to set: IAM generates a key's secret itself, so createSecret could only store a key IAM had
     * already made and activated. There is no second system (a database's password) to bring in line.
     */
    private void setSecret() {
        log.info("setSecret: nothing to do, IAM activated the key when it created it");
    }

    /**
     * Proves the pending key at the destination: ECR's GetAuthorizationToken in the destination region, which
     * is the first call every build makes with it. A new key can be refused for a while as IAM propagates it,
     * so refusals are retried with backoff for up to {@link #PROPAGATION}; after that the step fails and
     * Secrets Manager leaves AWSCURRENT where it was.
     */
    private void testSecret(String secretId, String token) {
        GetSecretValueResponse pending = secrets.getSecretValue(
                get -> get.secretId(secretId).versionId(token).versionStage(PENDING));
        DestinationSecret parsed = parse(pending, secretId);
        Instant deadline = clock.instant().plus(PROPAGATION);
        Duration wait = FIRST_WAIT;
        int attempts = 0;
        try (EcrClient client = ecr.open(credentials(parsed), destinationRegion)) {
            while (true) {
                attempts++;
                try {
                    client.getAuthorizationToken(get -> {});
                    log.info(
                            "the pending key authenticates at the destination's ECR",
                            "versionId",
                            token,
                            "attempts",
                            attempts);
                    return;
                } catch (SdkException e) {
                    Instant now = clock.instant();
                    if (!now.plus(wait).isBefore(deadline)) {
                        throw new IllegalStateException("the pending key (version " + token + ") did not authenticate"
                                + " at ECR in " + destinationRegion + " within " + PROPAGATION.toSeconds()
                                + " s (" + attempts + " attempts): " + describe(e));
                    }
                    log.warn(
                            "the pending key is not accepted yet; retrying",
                            "attempts",
                            attempts,
                            "error",
                            describe(e));
                    sleep(wait);
                    wait = wait.multipliedBy(2).compareTo(LONGEST_WAIT) > 0 ? LONGEST_WAIT : wait.multipliedBy(2);
                }
            }
        }
    }

    /**
     * Moves AWSCURRENT to the new version; Secrets Manager puts AWSPREVIOUS on the one it leaves. The previous
     * key is not deleted: builds that read it before this moment still use it, and the next rotation's
     * createSecret deletes it when it needs the room.
     */
    private void finishSecret(String secretId, String token) {
        String current = describe(secretId).stages().entrySet().stream()
                .filter(version -> version.getValue().contains(CURRENT))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElse(null);
        if (token.equals(current)) {
            return;
        }
        secrets.updateSecretVersionStage(update -> update.secretId(secretId)
                .versionStage(CURRENT)
                .moveToVersionId(token)
                .removeFromVersionId(current));
        log.info("the new key is current", "versionId", token, "previousVersionId", current);
    }

    private static DestinationSecret parse(GetSecretValueResponse version, String secretId) {
        try {
            return DestinationSecret.parse(version.secretString());
        } catch (SecretValidationException e) {
            // The domain's message names fields only, never a value.
            throw new IllegalStateException(
                    "version " + version.versionId() + " of secret " + secretId + " is invalid: " + e.getMessage());
        }
    }

    private static JsonNode readJson(String text) {
        try {
            return Json.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("the current secret string is not a JSON object");
        }
    }

    private static AwsBasicCredentials credentials(DestinationSecret secret) {
        return AwsBasicCredentials.create(secret.accessKey(), secret.secretAccessKey());
    }

    private static String describe(SdkException e) {
        if (e instanceof software.amazon.awssdk.awscore.exception.AwsServiceException service
                && service.awsErrorDetails() != null) {
            return service.awsErrorDetails().errorCode() + " (HTTP " + service.statusCode() + ")";
        }
        return e.getClass().getSimpleName();
    }

    private void sleep(Duration duration) {
        try {
            sleeper.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the pending key to propagate", e);
        }
    }
}
