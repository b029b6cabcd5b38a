package org.ecrreplicator.infra.replication;

import java.util.Optional;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.Partition;
import org.ecrreplicator.infra.EnvironmentContext;
import org.ecrreplicator.infra.EnvironmentContext.Section;

/**
 * The destination-access stack's settings: its own {@code destinationAccess} section (where it is deployed,
 * the IAM user's name) plus what it shares with the replication side (destination region, repository filter,
 * and whether deletes and repository creation are on), taken from the validated {@link ReplicationSettings}
 * so the two stacks cannot disagree.
 */
public record DestinationAccessSettings(
        String environment,
        Optional<String> account,
        String region,
        String userName,
        String destinationRegion,
        RepositoryFilter repositories,
        boolean replicateDeletes,
        boolean createRepositories) {

    public static final String SECTION = "destinationAccess";

    /** IAM user names: up to 64 of letters, digits and {@code +=,.@_-}. */
    static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9+=,.@_-]{1,64}");

    public DestinationAccessSettings {
        account = account == null ? Optional.empty() : account;
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
                replication.createRepositories());
    }

    public Partition partition() {
        return Partition.fromRegion(region);
    }
}
