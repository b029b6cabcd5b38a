package org.ecrreplicator.infra.replication;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.Partition;
import org.ecrreplicator.infra.EnvironmentContext;
import org.ecrreplicator.infra.EnvironmentContext.Section;

/**
 * The destination-access stack's settings: its own {@code destinationAccess} section (where it is deployed,
 * the IAM user's name) plus what it shares with the replication side (destination region, repository filter,
 * and whether deletes and repository creation are on), taken from the validated {@link ReplicationSettings}
 * so the two stacks cannot disagree.
 *
 * @param sourceIps the public IPv4 ranges the build reaches the destination from (its NAT gateways' addresses);
 *     when set, the user's keys work only from there (decision 0073); empty for no restriction
 */
public record DestinationAccessSettings(
        String environment,
        Optional<String> account,
        String region,
        String userName,
        String destinationRegion,
        RepositoryFilter repositories,
        boolean replicateDeletes,
        boolean createRepositories,
        List<String> sourceIps) {

    public static final String SECTION = "destinationAccess";

    /** IAM user names: up to 64 of letters, digits and {@code +=,.@_-}. */
    static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9+=,.@_-]{1,64}");

    static final String SOURCE_IPS = "sourceIps";

    /** An IPv4 CIDR block: four decimal octets and a prefix length (checked for range below). */
    private static final Pattern IPV4_CIDR =
            Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})/(\\d{1,2})");

    private static final String CIDR_EXAMPLE = "a public IPv4 CIDR block such as 203.0.113.10/32";

    public DestinationAccessSettings {
        account = account == null ? Optional.empty() : account;
        sourceIps = sourceIps == null ? List.of() : List.copyOf(sourceIps);
    }

    public static DestinationAccessSettings from(EnvironmentContext context, ReplicationSettings replication) {
        Section section = context.section(SECTION);
        String region = section.matching("region", ReplicationSettings.REGION, "a region code such as us-gov-west-1");
        Partition expected = replication.destinationPartition();
        if (Partition.fromRegion(region) != expected) {
            throw section.invalid(
                    "region",
                    region,
                    "a region of partition " + expected.id() + ", where replication.destinationRegion "
                            + replication.destinationRegion() + " is");
        }
        Optional<String> account = section.has("account")
                ? Optional.of(section.matching("account", ReplicationSettings.ACCOUNT, "a 12-digit AWS account id"))
                : Optional.empty();
        return new DestinationAccessSettings(
                context.name(),
                account,
                region,
                section.matching("userName", USER_NAME, "an IAM user name (letters, digits and +=,.@_-, at most 64)"),
                replication.destinationRegion(),
                replication.repositories(),
                replication.replicateDeletes(),
                replication.createRepositories(),
                sourceIps(section));
    }

    /**
     * The optional {@code sourceIps}: each a public IPv4 CIDR block in canonical form. Checked here because
     * IAM accepts any string in a condition, and a wrong range only shows up as a build refused at the
     * destination.
     */
    static List<String> sourceIps(Section section) {
        if (!section.has(SOURCE_IPS)) {
            return List.of();
        }
        List<String> ranges = section.stringList(SOURCE_IPS);
        if (ranges.isEmpty()) {
            throw section.invalid(
                    SOURCE_IPS,
                    ranges,
                    "a non-empty list of public IPv4 CIDR blocks such as [\"203.0.113.10/32\"], or no " + SOURCE_IPS
                            + " at all for keys usable from anywhere");
        }
        for (String range : ranges) {
            checkPublicCidr(section, range);
        }
        return ranges;
    }

    private static void checkPublicCidr(Section section, String range) {
        Matcher matcher = IPV4_CIDR.matcher(range);
        if (!matcher.matches()) {
            throw section.invalid(SOURCE_IPS, range, CIDR_EXAMPLE + " (NAT gateway addresses are IPv4)");
        }
        long address = 0;
        for (int octet = 1; octet <= 4; octet++) {
            int value = Integer.parseInt(matcher.group(octet));
            if (value > 255) {
                throw section.invalid(SOURCE_IPS, range, CIDR_EXAMPLE + ": each of the four numbers is 0..255");
            }
            address = (address << 8) | value;
        }
        int prefix = Integer.parseInt(matcher.group(5));
        if (prefix < 8 || prefix > 32) {
            throw section.invalid(
                    SOURCE_IPS, range, CIDR_EXAMPLE + " with a prefix length from /8 to /32 (one address is /32)");
        }
        long hostMask = (1L << (32 - prefix)) - 1;
        if ((address & hostMask) != 0) {
            long network = address & ~hostMask & 0xFFFFFFFFL;
            throw section.invalid(
                    SOURCE_IPS,
                    range,
                    dotted(network) + "/" + prefix + ", or " + dotted(address) + "/32 for the one address: the bits"
                            + " after the prefix must be zero");
        }
        if (isPrivate(address)) {
            throw section.invalid(
                    SOURCE_IPS,
                    range,
                    CIDR_EXAMPLE + ": the destination partition sees the public (Elastic IP) address of the build's"
                            + " NAT gateway, never a private one");
        }
    }

    /** RFC 1918, loopback, link-local and carrier-grade NAT: never the address another partition sees. */
    private static boolean isPrivate(long address) {
        return inRange(address, 10L << 24, 8)
                || inRange(address, (172L << 24) | (16L << 16), 12)
                || inRange(address, (192L << 24) | (168L << 16), 16)
                || inRange(address, 127L << 24, 8)
                || inRange(address, (169L << 24) | (254L << 16), 16)
                || inRange(address, (100L << 24) | (64L << 16), 10);
    }

    private static boolean inRange(long address, long network, int prefix) {
        return (address >>> (32 - prefix)) == (network >>> (32 - prefix));
    }

    private static String dotted(long address) {
        return ((address >> 24) & 0xFF) + "." + ((address >> 16) & 0xFF) + "." + ((address >> 8) & 0xFF) + "."
                + (address & 0xFF);
    }

    public Partition partition() {
        return Partition.fromRegion(region);
    }
}
