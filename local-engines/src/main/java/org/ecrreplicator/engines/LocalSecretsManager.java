package org.ecrreplicator.engines;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.ecrreplicator.engines.AwsJsonEndpoint.AwsError;
import org.ecrreplicator.engines.AwsJsonEndpoint.Call;

/**
 * A loopback stand-in for AWS Secrets Manager ({@code GetSecretValue}, {@code CreateSecret}, {@code
 * PutSecretValue}, {@code DeleteSecret}): the real JSON 1.1 shapes and error codes, so the unmodified SDK
 * client maps them to its exception classes. Secrets Manager has no local engine.
 */
public final class LocalSecretsManager implements AutoCloseable {
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
        final Map<String, Version> versions = new ConcurrentHashMap<>();

        volatile Version current;
        volatile Version previous;
        volatile boolean deleted;

        Secret(String name, String arn) {
            this.name = name;
            this.arn = arn;
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
            secret.previous = secret.current;
            secret.current = version;
            secret.deleted = false;
        }
        return secret.arn;
    }

    /** The id of the secret's {@code AWSCURRENT} version, as DescribeSecret or GetSecretValue would report it. */
    public String currentVersionId(String name) {
        Secret secret = byName.get(name);
        if (secret == null) {
            throw new IllegalArgumentException("no secret " + name);
        }
        return secret.current.versionId();
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

    private JsonNode getSecretValue(JsonNode request) {
        Secret secret = find(request);
        if (secret.deleted) {
            throw new AwsError(
                    "InvalidRequestException",
                    "You can't perform this operation on the secret because it was marked for deletion.");
        }
        String versionId = text(request, "VersionId");
        String stage = text(request, "VersionStage");
        Version version;
        Version staged;
        synchronized (secret) {
            version = versionId != null ? secret.versions.get(versionId) : null;
            staged = stage == null || stage.equals("AWSCURRENT")
                    ? secret.current
                    : stage.equals("AWSPREVIOUS") ? secret.previous : null;
            if (versionId == null) {
                version = staged;
            } else if (stage != null && version != staged) {
                // Both given: they must name the same version.
                version = null;
            }
        }
        if (version == null) {
            throw new AwsError(
                    "ResourceNotFoundException",
                    "Secrets Manager can't find the specified secret value for "
                            + (versionId != null ? "VersionId: " + versionId : "staging label: " + stage));
        }
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        response.put("ARN", secret.arn);
        response.put("Name", secret.name);
        response.put("VersionId", version.versionId());
        response.put("SecretString", version.secretString());
        var stages = response.putArray("VersionStages");
        if (version == secret.current) {
            stages.add("AWSCURRENT");
        } else if (version == secret.previous) {
            stages.add("AWSPREVIOUS");
        }
        response.put("CreatedDate", version.created().toEpochMilli() / 1000.0);
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
        return versionResponse(byName.get(name), arn);
    }

    private JsonNode putSecretValue(JsonNode request) {
        Secret secret = find(request);
        String arn = put(secret.name, text(request, "SecretString"));
        return versionResponse(secret, arn);
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

    private static JsonNode versionResponse(Secret secret, String arn) {
        ObjectNode response = AwsJsonEndpoint.mapper().createObjectNode();
        response.put("ARN", arn);
        response.put("Name", secret.name);
        response.put("VersionId", secret.current.versionId());
        response.putArray("VersionStages").add("AWSCURRENT");
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
