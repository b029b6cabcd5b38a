package org.ecrreplicator.engines;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ecrreplicator.engines.AwsQueryEndpoint.QueryError;
import org.ecrreplicator.engines.AwsQueryEndpoint.Xml;

/**
 * A loopback stand-in for the part of IAM a user needs to rotate its own access keys: {@code ListAccessKeys},
 * {@code CreateAccessKey} and {@code DeleteAccessKey} on the AWS Query protocol (version {@code 2010-05-08},
 * namespace {@code https://iam.amazonaws.com/doc/2010-05-08/}), with IAM's response shapes and error codes
 * ({@code NoSuchEntity} 404, {@code LimitExceeded} 409 at two keys, {@code InvalidClientTokenId} 403 for an
 * unknown key, {@code AccessDenied} 403). IAM has no local engine.
 *
 * <p>Callers are known by the access key id of their SigV4 signature. As the destination user's policy allows
 * it only its own keys, a {@code UserName} other than the caller's is {@code AccessDenied}. {@link #isActive}
 * is what {@link LocalEcrApi#acceptKeysOf} asks, so a created key authenticates at ECR and a deleted one stops.
 */
public final class LocalIam implements AutoCloseable {
    private static final String NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/";
    private static final String ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private static final String SECRET_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_KEYS = 2;

    /** An access key as IAM keeps it. */
    public record AccessKey(String userName, String accessKeyId, String secretAccessKey, Instant created) {
        @Override
        public String toString() {
            return "AccessKey[" + userName + ", " + accessKeyId + ", created " + created + "]";
        }
    }

    private final String accountId;
    private final Clock clock;
    private final AwsQueryEndpoint endpoint;
    /** The keys of every user, oldest first; guarded by itself. */
    private final List<AccessKey> keys = new ArrayList<>();

    public LocalIam(String accountId) {
        this(accountId, Clock.systemUTC());
    }

    public LocalIam(String accountId, Clock clock) {
        this.accountId = accountId;
        this.clock = clock;
        this.endpoint = new AwsQueryEndpoint("iam", NAMESPACE, "2010-05-08")
                .onCaller("ListAccessKeys", this::listAccessKeys)
                .onCaller("CreateAccessKey", this::createAccessKey)
                .onCaller("DeleteAccessKey", this::deleteAccessKey);
    }

    /** The endpoint to give a client, e.g. through {@code AWS_ENDPOINT_URL_IAM}. */
    public URI endpoint() {
        return endpoint.endpoint();
    }

    /** Gives the user a key directly, as an operator creating the first key by hand does. */
    public AccessKey addKey(String userName) {
        synchronized (keys) {
            return newKey(userName);
        }
    }

    /** Deletes a key directly, as an operator or a compromised-key response would. */
    public void removeKey(String accessKeyId) {
        synchronized (keys) {
            keys.removeIf(key -> key.accessKeyId().equals(accessKeyId));
        }
    }

    public List<AccessKey> keys(String userName) {
        synchronized (keys) {
            return keys.stream().filter(key -> key.userName().equals(userName)).toList();
        }
    }

    /** Whether the key exists (and so authenticates). */
    public boolean isActive(String accessKeyId) {
        return find(accessKeyId).isPresent();
    }

    /** The form parameters of every request received. */
    public List<Map<String, String>> requests() {
        return endpoint.requests();
    }

    private Optional<AccessKey> find(String accessKeyId) {
        synchronized (keys) {
            return keys.stream()
                    .filter(key -> key.accessKeyId().equals(accessKeyId))
                    .findFirst();
        }
    }

    private AccessKey newKey(String userName) {
        AccessKey key = new AccessKey(
                userName,
                "AKIA" + random(ID_CHARS, 16),
                random(SECRET_CHARS, 40),
                clock.instant().truncatedTo(ChronoUnit.SECONDS));
        keys.add(key);
        return key;
    }

    private static String random(String chars, int length) {
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            text.append(chars.charAt(RANDOM.nextInt(chars.length())));
        }
        return text.toString();
    }

    /** The user the request acts on: the caller's own, which is all its policy allows. */
    private String user(String caller, Map<String, String> form) {
        AccessKey callerKey = find(caller)
                .orElseThrow(() -> new QueryError(
                        403, "InvalidClientTokenId", "The security token included in the request is invalid."));
        String userName = form.get("UserName");
        if (userName != null && !userName.equals(callerKey.userName())) {
            throw new QueryError(
                    403,
                    "AccessDenied",
                    "User: arn:aws:iam::" + accountId + ":user/" + callerKey.userName() + " is not authorized to"
                            + " perform: iam:" + form.get("Action") + " on resource: user " + userName
                            + " because no identity-based policy allows the iam:" + form.get("Action") + " action");
        }
        return callerKey.userName();
    }

    private void listAccessKeys(String caller, Map<String, String> form, Xml xml) {
        String userName = user(caller, form);
        xml.open("AccessKeyMetadata");
        for (AccessKey key : keys(userName)) {
            xml.open("member")
                    .element("UserName", key.userName())
                    .element("AccessKeyId", key.accessKeyId())
                    .element("Status", "Active")
                    .element("CreateDate", key.created())
                    .close("member");
        }
        xml.close("AccessKeyMetadata").element("IsTruncated", false);
    }

    private void createAccessKey(String caller, Map<String, String> form, Xml xml) {
        String userName = user(caller, form);
        AccessKey key;
        synchronized (keys) {
            if (keys(userName).size() >= MAX_KEYS) {
                throw new QueryError(409, "LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: " + MAX_KEYS);
            }
            key = newKey(userName);
        }
        xml.open("AccessKey")
                .element("UserName", key.userName())
                .element("AccessKeyId", key.accessKeyId())
                .element("Status", "Active")
                .element("SecretAccessKey", key.secretAccessKey())
                .element("CreateDate", key.created())
                .close("AccessKey");
    }

    private void deleteAccessKey(String caller, Map<String, String> form, Xml xml) {
        String userName = user(caller, form);
        String accessKeyId = form.get("AccessKeyId");
        if (accessKeyId == null || accessKeyId.isEmpty()) {
            throw new QueryError(
                    "ValidationError",
                    "1 validation error detected: Value null at 'accessKeyId' failed to satisfy constraint: Member"
                            + " must not be null");
        }
        synchronized (keys) {
            if (!keys.removeIf(key ->
                    key.accessKeyId().equals(accessKeyId) && key.userName().equals(userName))) {
                throw new QueryError(
                        404, "NoSuchEntity", "The Access Key with id " + accessKeyId + " cannot be found.");
            }
        }
    }

    @Override
    public void close() {
        endpoint.close();
    }
}
