package org.ecrreplicator.domain;

import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** An AWS partition: the unit of trust that ECR's own replication cannot cross. */
public enum Partition {
    AWS("aws", "amazonaws.com"),
    AWS_US_GOV("aws-us-gov", "amazonaws.com"),
    AWS_CN("aws-cn", "amazonaws.com.cn");

    private static final Pattern REGION = Pattern.compile("[a-z]{2}(-[a-z]+)+-\\d{1,2}");

    private final String id;
    private final String dnsSuffix;

    Partition(String id, String dnsSuffix) {
        this.id = id;
        this.dnsSuffix = dnsSuffix;
    }

    /** The partition id as IAM ARNs and the destination secret spell it. */
    public String id() {
        return id;
    }

    public String dnsSuffix() {
        return dnsSuffix;
    }

    public static Partition fromId(String id) {
        for (Partition partition : values()) {
            if (partition.id.equals(id)) {
                return partition;
            }
        }
        throw new IllegalArgumentException("unknown partition '" + id + "': expected one of " + validIds());
    }

    /** Derives the partition of a region: {@code us-gov-*} is GovCloud, {@code cn-*} is China. */
    public static Partition fromRegion(String region) {
        requireValidRegion(region);
        if (region.startsWith("us-gov-")) {
            return AWS_US_GOV;
        }
        if (region.startsWith("cn-")) {
            return AWS_CN;
        }
        return AWS;
    }

    public static String requireValidRegion(String region) {
        if (region == null || !REGION.matcher(region).matches()) {
            throw new IllegalArgumentException("invalid region '" + region
                    + "': expected a region code such as us-east-1, us-gov-west-1 or cn-north-1");
        }
        return region;
    }

    public static String validIds() {
        return Arrays.stream(values()).map(Partition::id).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return id.toLowerCase(Locale.ROOT);
    }
}
