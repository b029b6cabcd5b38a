package org.ecrreplicator.engines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.ecrreplicator.engines.AwsJsonEndpoint.AwsError;
import org.ecrreplicator.engines.AwsJsonEndpoint.Call;

/**
 * A loopback stand-in for AWS Secrets Manager ({@code GetSecretValue}, {@code CreateSecret}, {@code
 * PutSecretValue}, {@code DescribeSecret}, {@code UpdateSecretVersionStage}, {@code DeleteSecret}): the real
 * JSON 1.1 shapes and error codes, so the unmodified SDK client maps them to its exception classes. Secrets
 * Manager has no local engine.
 *
 * <p>Versions carry staging labels as in the real service: a label is on at most one version; moving {@code
 * AWSCURRENT} puts {@code AWSPREVIOUS} on the version it left; a version without labels is deprecated but
 * still read by its VersionId. That is what a rotation function relies on.
 */
public final class LocalSecretsManager implements AutoCloseable {
    public static final String CURRENT = "AWSCURRENT";
    public static final String PENDING = "AWSPENDING";
    public static final String PREVIOUS = "AWSPREVIOUS";

    private static final String CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static final SecureRandom RANDOM = new SecureRandom();

    private record Version(String versionId, String secretString, Instant created) {}

    private static final class Secret {
        final String name;
        final String arn;
        /**
         * Every version by id: as in Secrets Manager, one that lost its labels (deprecated) is still read by its
         * VersionId, which is what a build pinned to a version (secret-id:key::version-id) relies on.
         */
        final Map<String, Version> versions = new LinkedHashMap<>();
        /** Staging label to the version id it is on. */
        final Map<String, String> stages = new LinkedHashMap<>();

        volatile boolean deleted;
        volatile boolean rotationEnabled;
        volatile Integer rotationDays;

        Secret(String name, String arn) {
            this.name = name;
            this.arn = arn;
        }

        List<String> labelsOf(String versionId) {
            List<String> labels = new ArrayList<>();
            stages.forEach((label, id) -> {
                if (id.equals(versionId)) {
                    labels.add(label);
                }
            });
            return labels;
        }

        /** Puts the label on the version, taking it from whichever had it; AWSCURRENT leaves AWSPREVIOUS behind. */
        void label(String label, String versionId) {
            String from = stages.put(label, versionId);
            if (label.equals(CURRENT) && from != null && !from.equals(versionId)) {
                stages.put(PREVIOUS, from);
            }
        }
    }

    private final String region;
    private final String accountId;
    private final Clock clock;
    private final AwsJsonEndpoint endpoint = new AwsJsonEndpoint("secretsmanager", "1.1");
    private final Map<String, Secret> byName = new ConcurrentHashMap<>();

    public LocalSecretsManager(String region, String accountId) {
        this(region, accountId, Clock.systemUTC());
    }

    public LocalSecretsManager(String region, String accountId, Clock clock) {
        this.region = region;
        this.accountId = accountId;
        this.clock = clock;
        endpoint.on("GetSecretValue", this::getSecretValue)
                .on("CreateSecret", this::createSecret)
                .on("PutSecretValue", this::putSecretValue)
                .on("DescribeSecret", this::describeSecret)
                .on("UpdateSecretVersionStage", this::updateSecretVersionStage)
                .on("DeleteSecret", this::deleteSecret);
    }

    /** The endpoint to give a client, e.g. through {@code AWS_ENDPOINT_URL_SECRETS_MANAGER}. */
    public URI endpoint() {
        return endpoint.endpoint();
    }

    /** Answers only requests signed with these access key ids ({@code UnrecognizedClientException} otherwise). */
    public LocalSecretsManager acceptOnly(String... accessKeyIds) {
        endpoint.acceptOnly(Set.of(accessKeyIds));
        return this;
    }

    /**
     * Creates the secret or adds a version as {@code AWSCURRENT} (the one it replaces becomes {@code
     * AWSPREVIOUS}); returns the secret's ARN.
     */
    public String put(String name, String secretString) {
        Secret secret = byName.computeIfAbsent(name, this::newSecret);
        synchronized (secret) {
            Version version = new Version(UUID.randomUUID().toString(), secretString, clock.instant());
            secret.versions.put(version.versionId(), version);
            secret.label(CURRENT, version.versionId());
            secret.deleted = false;
        }
        return secret.arn;
    }

    /** Turns rotation on, as {@code RotateSecret} with a Lambda function does (without starting one). */
    public void enableRotation(String name) {
        secret(name).rotationEnabled = true;
    }

    /** Turns rotation on with {@code RotationRules.AutomaticallyAfterDays}, as a rotation schedule sets it. */
    public void enableRotation(String name, int automaticallyAfterDays) {
        Secret secret = secret(name);
        secret.rotationDays = automaticallyAfterDays;
        secret.rotationEnabled = true;
    }

    /** Like {@link #put(String, String)}, with the new version created at {@code created}: for tests of age. */
    public String put(String name, String secretString, Instant created) {
        Secret secret = byName.computeIfAbsent(name, this::newSecret);
        synchronized (secret) {
            Version version = new Version(UUID.randomUUID().toString(), secretString, created);
            secret.versions.put(version.versionId(), version);
            secret.label(CURRENT, version.versionId());
            secret.deleted = false;
        }
        return secret.arn;
    }

    /**
     * What {@code RotateSecret} does before it invokes the rotation function: rotation on, and a new version
     * without a value yet staged AWSPENDING, whose id is the {@code ClientRequestToken} every step receives.
     */
    public String startRotation(String name) {
        Secret secret = secret(name);
        String token = UUID.randomUUID().toString();
        synchronized (secret) {
            secret.rotationEnabled = true;
            secret.versions.put(token, new Version(token, null, clock.instant()));
            secret.label(PENDING, token);
        }
        return token;
    }

    /** The id of the secret's {@code AWSCURRENT} version, as DescribeSecret or GetSecretValue would report it. */
    public String currentVersionId(String name) {
        return versionIdOf(name, CURRENT)
                .orElseThrow(() -> new IllegalArgumentException("no current version of " + name));
    }

    /** The id of the version the staging label is on, if any. */
    public Optional<String> versionIdOf(String name, String label) {
        Secret secret = secret(name);
        synchronized (secret) {
            return Optional.ofNullable(secret.stages.get(label));
        }
    }

    /** The secret string of the version the label is on: for tests of what a rotation stored. */
    public String valueOf(String name, String label) {
        Secret secret = secret(name);
        synchronized (secret) {
            String id = secret.stages.get(label);
            if (id == null) {
                throw new IllegalArgumentException("no version of " + name + " is labelled " + label);
            }
            return secret.versions.get(id).secretString();
        }
    }

    /** Marks the secret for deletion, as DeleteSecret with a recovery window does. */
    public void delete(String name) {
        Secret secret = byName.get(name);
        if (secret != null) {
            secret.deleted = true;
        }
    }

    /** The calls received, so a test can assert what was asked (never the secret strings: requests only). */
    public List<Call> calls() {
        return endpoint.calls();
    }

    private Secret secret(String name) {
        Secret secret = byName.get(name);
        if (secret == null) {
            throw new IllegalArgumentException("no secret " + name);
        }
        return secret;
    }

    private Secret newSecret(String name) {
        StringBuilder suffix = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            suffix.append(CHARS.charAt(RANDOM.nextInt(CHARS.length())));
        }
        return new Secret(
                name, "arn:aws:secretsmanager:" + region + ":" + accountId + ":secret:" + name + "-" + suffix);
    }

    private Secret find(JsonNode request) {
        String id = text(request, "SecretId");
        if (id == null || id.isEmpty()) {
            throw new AwsError("InvalidParameterException", "Invalid parameter: SecretId must not be empty.");
        }
        Secret secret = byName.get(id);
        if (secret == null) {
            // A full ARN or a partial ARN (without the random suffix) names the secret too.
            secret = byName.values().stream()
                    .filter(candidate -> candidate.arn.equals(id)
                            || candidate
                                    .arn
                                    .substring(0, candidate.arn.length() - 7)
                                    .equals(id))
                    .findFirst()
                    .orElse(null);
        }
        if (secret == null) {
            throw new AwsError("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
        }
        return secret;
    }

    private static void requireNotDeleted(Secret secret) {
        if (secret.deleted) {
            throw new AwsError(
                    "InvalidRequestException",
                    "You can't perform this operation on the secret because it was marked for deletion.");
        }
    }

    private JsonNode getSecretValue(JsonNode request) {
        Secret secret = find(request);
        requireNotDeleted(secret);
        String versionId = text(request, "VersionId");
        String stage = text(request, "VersionStage");
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        synchronized (secret) {
            Version version = versionId != null ? secret.versions.get(versionId) : null;
            String staged = secret.stages.get(stage == null ? CURRENT : stage);
            if (versionId == null) {
                version = staged == null ? null : secret.versions.get(staged);
            } else if (stage != null && (version == null || !version.versionId().equals(staged))) {
                // Both given: they must name the same version.
                version = null;
            }
            // A version RotateSecret staged has no value until createSecret puts one.
            if (version == null || version.secretString() == null) {
                throw new AwsError(
                        "ResourceNotFoundException",
                        "Secrets Manager can't find the specified secret value for "
                                + (versionId != null ? "VersionId: " + versionId : "staging label: " + stage));
            }
            response.put("ARN", secret.arn);
            response.put("Name", secret.name);
            response.put("VersionId", version.versionId());
            response.put("SecretString", version.secretString());
            var stages = response.putArray("VersionStages");
            secret.labelsOf(version.versionId()).forEach(stages::add);
            response.put("CreatedDate", version.created().toEpochMilli() / 1000.0);
        }
        return response;
    }

    private JsonNode createSecret(JsonNode request) {
        String name = text(request, "Name");
        if (name == null || name.isEmpty()) {
            throw new AwsError("InvalidParameterException", "Invalid parameter: Name must not be empty.");
        }
        if (byName.containsKey(name)) {
            throw new AwsError(
                    "ResourceExistsException", "The operation failed because the secret " + name + " already exists.");
        }
        String arn = put(name, text(request, "SecretString"));
        Secret secret = byName.get(name);
        return versionResponse(secret, arn, secret.stages.get(CURRENT));
    }

    /**
     * A new version with {@code ClientRequestToken} as its id (a random one without) and the labels of {@code
     * VersionStages} (AWSCURRENT without). The same token with the same value again changes nothing; with another
     * value it is {@code ResourceExistsException}, as in the real API.
     */
    private JsonNode putSecretValue(JsonNode request) {
        Secret secret = find(request);
        requireNotDeleted(secret);
        String token = text(request, "ClientRequestToken");
        String value = text(request, "SecretString");
        List<String> labels = new ArrayList<>();
        request.path("VersionStages").forEach(label -> labels.add(label.asText()));
        if (labels.isEmpty()) {
            labels.add(CURRENT);
        }
        String versionId = token != null ? token : UUID.randomUUID().toString();
        synchronized (secret) {
            Version existing = secret.versions.get(versionId);
            if (existing != null && existing.secretString() != null) {
                if (!java.util.Objects.equals(existing.secretString(), value)) {
                    throw new AwsError(
                            "ResourceExistsException",
                            "You can't modify an existing version, you can only create a new version.");
                }
            } else {
                secret.versions.put(versionId, new Version(versionId, value, clock.instant()));
                labels.forEach(label -> secret.label(label, versionId));
            }
        }
        return versionResponse(secret, secret.arn, versionId);
    }

    private JsonNode describeSecret(JsonNode request) {
        Secret secret = find(request);
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        response.put("ARN", secret.arn);
        response.put("Name", secret.name);
        response.put("RotationEnabled", secret.rotationEnabled);
        if (secret.rotationDays != null) {
            response.putObject("RotationRules").put("AutomaticallyAfterDays", secret.rotationDays);
        }
        ObjectNode stages = response.putObject("VersionIdsToStages");
        synchronized (secret) {
            // Deprecated versions (no labels) are not listed, as DescribeSecret leaves them out.
            for (String versionId : secret.versions.keySet()) {
                List<String> labels = secret.labelsOf(versionId);
                if (!labels.isEmpty()) {
                    labels.forEach(stages.putArray(versionId)::add);
                }
            }
        }
        return response;
    }

    /**
     * Moves a label: onto {@code MoveToVersionId}, off {@code RemoveFromVersionId}. A label that is on another
     * version can be moved only by naming that version in {@code RemoveFromVersionId}, and AWSCURRENT can only be
     * moved, never just removed, as in the real API.
     */
    private JsonNode updateSecretVersionStage(JsonNode request) {
        Secret secret = find(request);
        requireNotDeleted(secret);
        String label = text(request, "VersionStage");
        String moveTo = text(request, "MoveToVersionId");
        String removeFrom = text(request, "RemoveFromVersionId");
        if (label == null || label.isEmpty()) {
            throw new AwsError("InvalidParameterException", "Invalid parameter: VersionStage must not be empty.");
        }
        synchronized (secret) {
            String on = secret.stages.get(label);
            if (moveTo != null && !secret.versions.containsKey(moveTo)) {
                throw new AwsError(
                        "ResourceNotFoundException",
                        "Secrets Manager can't find the specified secret value for VersionId: " + moveTo);
            }
            if (removeFrom != null && !removeFrom.equals(on)) {
                throw new AwsError(
                        "InvalidParameterException",
                        "The parameter RemoveFromVersionId doesn't match the current version with the staging label "
                                + label + ".");
            }
            if (moveTo != null && on != null && !on.equals(moveTo) && removeFrom == null) {
                throw new AwsError(
                        "InvalidParameterException",
                        "The staging label " + label + " is currently attached to version " + on + ". To move it,"
                                + " specify that version in RemoveFromVersionId.");
            }
            if (moveTo == null && label.equals(CURRENT)) {
                throw new AwsError(
                        "InvalidParameterException",
                        "You can only move staging label AWSCURRENT to a different secret version. It can't be"
                                + " completely removed.");
            }
            if (moveTo != null) {
                secret.label(label, moveTo);
            } else if (on != null) {
                secret.stages.remove(label);
            }
        }
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        response.put("ARN", secret.arn);
        response.put("Name", secret.name);
        return response;
    }

    private JsonNode deleteSecret(JsonNode request) {
        Secret secret = find(request);
        secret.deleted = true;
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        response.put("ARN", secret.arn);
        response.put("Name", secret.name);
        response.put("DeletionDate", clock.instant().plusSeconds(30L * 86400).getEpochSecond());
        return response;
    }

    private static JsonNode versionResponse(Secret secret, String arn, String versionId) {
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        response.put("ARN", arn);
        response.put("Name", secret.name);
        response.put("VersionId", versionId);
        var stages = response.putArray("VersionStages");
        synchronized (secret) {
            secret.labelsOf(versionId).forEach(stages::add);
        }
        return response;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
