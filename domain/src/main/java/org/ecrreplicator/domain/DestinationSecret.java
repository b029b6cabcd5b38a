package org.ecrreplicator.domain;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The destination credentials kept in Secrets Manager: an IAM user of the other partition. Nothing here
 * ever prints a value: {@link #toString()} redacts the keys and validation errors name fields only.
 */
public final class DestinationSecret {
    public static final String USER = "user";
    public static final String ACCESS_KEY = "accesskey";
    public static final String SECRET_ACCESS_KEY = "secretaccesskey";
    public static final String PARTITION = "partition";
    public static final String ACCOUNT_ID = "accountid";
    public static final List<String> FIELDS = List.of(USER, ACCESS_KEY, SECRET_ACCESS_KEY, PARTITION, ACCOUNT_ID);

    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9+=,.@_-]{1,64}");
    private static final Pattern ACCESS_KEY_ID = Pattern.compile("[A-Z0-9]{16,128}");
    private static final Pattern SECRET_KEY = Pattern.compile("[A-Za-z0-9/+=]{16,128}");
    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");

    private final String user;
    private final String accessKey;
    private final String secretAccessKey;
    private final Partition partition;
    private final String accountId;

    private DestinationSecret(
            String user, String accessKey, String secretAccessKey, Partition partition, String accountId) {
        this.user = user;
        this.accessKey = accessKey;
        this.secretAccessKey = secretAccessKey;
        this.partition = partition;
        this.accountId = accountId;
    }

    /**
     * Parses and validates the secret string. Every missing or invalid field is reported at once, so an
     * operator fixes the secret in one go.
     */
    public static DestinationSecret parse(String secretString) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(secretString == null ? "" : secretString);
        } catch (Exception e) {
            // The parser's message can quote the input, which is the secret: say only that it is not JSON.
            throw new SecretValidationException(List.of(), List.of(), "the secret string is not a JSON object");
        }
        if (node == null || !node.isObject()) {
            throw new SecretValidationException(List.of(), List.of(), "the secret string is not a JSON object");
        }
        List<String> missing = new ArrayList<>();
        List<String> invalid = new ArrayList<>();
        String user = field(node, USER, USER_NAME, missing, invalid);
        String accessKey = field(node, ACCESS_KEY, ACCESS_KEY_ID, missing, invalid);
        String secretAccessKey = field(node, SECRET_ACCESS_KEY, SECRET_KEY, missing, invalid);
        String partitionId = field(node, PARTITION, null, missing, invalid);
        Partition partition = null;
        if (partitionId != null) {
            try {
                partition = Partition.fromId(partitionId);
            } catch (IllegalArgumentException e) {
                invalid.add(PARTITION);
            }
        }
        String accountId = field(node, ACCOUNT_ID, ACCOUNT, missing, invalid);
        if (!missing.isEmpty() || !invalid.isEmpty()) {
            throw new SecretValidationException(missing, invalid, null);
        }
        return new DestinationSecret(user, accessKey, secretAccessKey, partition, accountId);
    }

    private static String field(
            JsonNode node, String name, Pattern pattern, List<String> missing, List<String> invalid) {
        JsonNode value = node.get(name);
        if (value == null
                || value.isNull()
                || (value.isTextual() && value.textValue().isBlank())) {
            missing.add(name);
            return null;
        }
        if (!value.isTextual()
                || (pattern != null && !pattern.matcher(value.textValue()).matches())) {
            invalid.add(name);
            return null;
        }
        return value.textValue();
    }

    public String user() {
        return user;
    }

    public String accessKey() {
        return accessKey;
    }

    public String secretAccessKey() {
        return secretAccessKey;
    }

    public Partition partition() {
        return partition;
    }

    public String accountId() {
        return accountId;
    }

    /** The destination registry in the given region; the region must belong to the secret's partition. */
    public EcrRegistry registry(String region) {
        Partition regionPartition = Partition.fromRegion(region);
        if (regionPartition != partition) {
            throw new SecretValidationException(
                    List.of(),
                    List.of(PARTITION),
                    "the secret's partition " + partition.id() + " does not match the destination region " + region
                            + " (partition " + regionPartition.id() + ")");
        }
        return EcrRegistry.of(accountId, region);
    }

    @Override
    public String toString() {
        return "DestinationSecret[user=" + user + ", accesskey=<redacted>, secretaccesskey=<redacted>, partition="
                + partition.id() + ", accountid=" + accountId + "]";
    }
}
