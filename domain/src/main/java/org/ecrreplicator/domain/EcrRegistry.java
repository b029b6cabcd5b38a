package org.ecrreplicator.domain;

import java.net.URI;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private ECR registry: one account in one region. Recognises and produces the registry host in
 * every partition, FIPS included, and names the ECR API endpoint that hands out its tokens.
 */
public record EcrRegistry(String accountId, String region, boolean fips) {

    private static final Pattern ACCOUNT = Pattern.compile("\\d{12}");
    private static final Pattern HOST = Pattern.compile(
            "(\\d{12})\\.dkr\\.ecr(-fips)?\\.([a-z]{2}(?:-[a-z]+)+-\\d{1,2})\\.(amazonaws\\.com(?:\\.cn)?)");

    public EcrRegistry {
        requireAccountId(accountId);
        Partition.requireValidRegion(region);
        if (fips && partitionOf(region) == Partition.AWS_CN) {
            throw new IllegalArgumentException("ECR offers no FIPS endpoint in the China regions (" + region + ")");
        }
    }

    public static EcrRegistry of(String accountId, String region) {
        return new EcrRegistry(accountId, region, false);
    }

    /** The registry a host names, if it is an ECR host whose DNS suffix matches its region's partition. */
    public static Optional<EcrRegistry> fromHost(String host) {
        if (host == null) {
            return Optional.empty();
        }
        Matcher matcher = HOST.matcher(host.toLowerCase(java.util.Locale.ROOT));
        if (!matcher.matches()) {
            return Optional.empty();
        }
        String region = matcher.group(3);
        if (!partitionOf(region).dnsSuffix().equals(matcher.group(4))) {
            return Optional.empty();
        }
        return Optional.of(new EcrRegistry(matcher.group(1), region, matcher.group(2) != null));
    }

    public static boolean isEcrHost(String host) {
        return fromHost(host).isPresent();
    }

    public Partition partition() {
        return partitionOf(region);
    }

    public String host() {
        return accountId + ".dkr.ecr" + (fips ? "-fips" : "") + "." + region + "."
                + partition().dnsSuffix();
    }

    /** The ECR API endpoint (GetAuthorizationToken, CreateRepository, BatchDeleteImage) for this registry. */
    public URI apiEndpoint() {
        String name = fips ? "ecr-fips." + region : "api.ecr." + region;
        return URI.create("https://" + name + "." + partition().dnsSuffix());
    }

    public static String requireAccountId(String accountId) {
        if (accountId == null || !ACCOUNT.matcher(accountId).matches()) {
            throw new IllegalArgumentException("invalid account id: expected 12 digits");
        }
        return accountId;
    }

    private static Partition partitionOf(String region) {
        return Partition.fromRegion(region);
    }
}
