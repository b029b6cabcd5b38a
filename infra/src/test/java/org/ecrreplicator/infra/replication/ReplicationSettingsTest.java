package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.ecrreplicator.infra.EnvironmentContext;
import org.ecrreplicator.infra.EnvironmentContext.InvalidContextException;
import org.junit.jupiter.api.Test;

class ReplicationSettingsTest {
    private static ReplicationSettings dev(Consumer<Map<String, Object>> change) {
        return ReplicationSettings.from(TestApps.environmentContext("dev", change));
    }

    @Test
    void shouldReadTheCheckedInSettingsWithRegionDefaultsWhenValid() {
        ReplicationSettings settings = dev(replication -> {});

        assertThat(settings.environment()).isEqualTo("dev");
        assertThat(settings.region()).isEqualTo("us-east-1");
        assertThat(settings.destinationRegion()).isEqualTo("us-gov-west-1");
        assertThat(settings.repositories())
                .isEqualTo(new RepositoryFilter(RepositoryFilter.Kind.PREFIX, List.of("team/")));
        assertThat(settings.lambdaArchitecture()).isEqualTo("arm64");
        assertThat(settings.snapStart()).isTrue();
        assertThat(settings.copyReferrers()).isTrue();
        assertThat(settings.buildCompute()).isEqualTo(BuildCompute.BUILD_GENERAL1_SMALL);
        assertThat(settings.buildTaskTimeoutSeconds()).isEqualTo(60 * 60 + 300);
        assertThat(settings.leaseSeconds()).isGreaterThan(settings.buildTaskTimeoutSeconds());
        assertThat(settings.maxLeaseWaits() * settings.leaseWaitSeconds())
                .isGreaterThanOrEqualTo(settings.leaseSeconds());
        assertThat(settings.destinationSecretName()).isEmpty();
        assertThat(settings.alarmTopicArn()).isEmpty();
    }

    @Test
    void shouldDefaultToFeaturesOfferedEverywhereWhenTheRegionIsGovCloudOrChina() {
        for (String region : List.of("us-gov-west-1", "cn-north-1", "ca-west-1")) {
            ReplicationSettings settings = dev(replication -> replication.put("region", region));
            assertThat(settings.lambdaArchitecture()).as(region).isEqualTo("x86_64");
            assertThat(settings.snapStart()).as(region).isFalse();
            assertThat(settings.buildCompute().lambda()).as(region).isFalse();
        }
    }

    @Test
    void shouldRefuseBothPrefixesAndWildcardsWhenSetTogether() {
        assertThatThrownBy(() -> dev(replication -> replication.put("repositoryWildcards", List.of("team/*"))))
                .isInstanceOf(InvalidContextException.class)
                .hasMessageContaining("'environments.dev.replication' sets both repositoryPrefixes and"
                        + " repositoryWildcards: set only one of them");
    }

    @Test
    void shouldAskForAFilterWhenNeitherIsSet() {
        assertThatThrownBy(() -> dev(replication -> replication.remove("repositoryPrefixes")))
                .hasMessageContaining("sets neither repositoryPrefixes nor repositoryWildcards")
                .hasMessageContaining("\"repositoryWildcards\": [\"*\"] replicates every repository");
    }

    @Test
    void shouldNameTheBadPatternWhenAPrefixIsNotARepositoryName() {
        assertThatThrownBy(() -> dev(replication -> replication.put("repositoryPrefixes", List.of("Team/"))))
                .hasMessageContaining("environments.dev.replication.repositoryPrefixes")
                .hasMessageContaining("'Team/' is not a valid repository prefix");
        assertThatThrownBy(() -> dev(replication -> {
                    replication.remove("repositoryPrefixes");
                    replication.put("repositoryWildcards", List.of("team/?"));
                }))
                .hasMessageContaining("'team/?' is not a valid repository wildcard");
    }

    @Test
    void shouldRefuseFeaturesTheRegionDoesNotOfferWhenSwitchedOn() {
        assertThatThrownBy(() -> dev(replication -> {
                    replication.put("region", "us-gov-west-1");
                    replication.put("lambdaArchitecture", "arm64");
                }))
                .hasMessage("context 'environments.dev.replication.lambdaArchitecture' is 'arm64': expected"
                        + " x86_64: arm64 Lambda functions are not offered in us-gov-west-1"
                        + " (see RegionFeatures.LAMBDA_ARM64)");
        assertThatThrownBy(() -> dev(replication -> {
                    replication.put("region", "cn-north-1");
                    replication.put("snapStart", true);
                }))
                .hasMessageContaining("Lambda SnapStart is not offered in cn-north-1");
        assertThatThrownBy(() -> dev(replication -> {
                    replication.put("region", "us-gov-east-1");
                    replication.put("buildComputeType", "BUILD_LAMBDA_2GB");
                }))
                .hasMessageContaining("CodeBuild Lambda compute is not offered in us-gov-east-1");
    }

    @Test
    void shouldListTheChoicesWhenAValueIsUnknownOrOutOfRange() {
        assertThatThrownBy(() -> dev(replication -> replication.put("buildComputeType", "BUILD_GENERAL1_HUGE")))
                .hasMessageContaining("'BUILD_GENERAL1_HUGE': expected one of [BUILD_GENERAL1_SMALL,"
                        + " BUILD_GENERAL1_MEDIUM, BUILD_LAMBDA_1GB, BUILD_LAMBDA_2GB, BUILD_LAMBDA_4GB]");
        assertThatThrownBy(() -> dev(replication -> replication.put("buildComputeType", "BUILD_LAMBDA_2GB")))
                .as("Lambda compute runs builds for at most 15 minutes")
                .hasMessageContaining("buildTimeoutMinutes' is 30: expected a whole number from 5 to 15");
        assertThatThrownBy(() -> dev(replication -> replication.put("logRetentionDays", 45)))
                .hasMessageContaining("logRetentionDays' is 45: expected one of [1, 3, 5, 7, 14, 30,");
        assertThatThrownBy(() -> dev(replication -> replication.put("imageTagMutability", "mutable")))
                .hasMessageContaining("expected one of [MUTABLE, IMMUTABLE]");
        assertThatThrownBy(() -> dev(replication -> replication.put("region", "US-EAST-1")))
                .hasMessageContaining("replication.region' is 'US-EAST-1': expected a region code");
    }

    @Test
    void shouldCopyReferrersWhenTheSettingIsAbsent() {
        assertThat(dev(replication -> replication.remove("copyReferrers")).copyReferrers())
                .isTrue();
    }

    @Test
    void shouldNotCopyReferrersWhenSetToFalse() {
        ReplicationSettings settings = dev(replication -> replication.put("copyReferrers", false));

        assertThat(settings.copyReferrers()).isFalse();
        assertThat(settings.replicateDeletes()).as("an independent setting").isTrue();
    }

    @Test
    void shouldRefuseCopyReferrersWhenNotABoolean() {
        assertThatThrownBy(() -> dev(replication -> replication.put("copyReferrers", "yes")))
                .isInstanceOf(InvalidContextException.class)
                .hasMessage("context 'environments.dev.replication.copyReferrers' is 'yes': expected true or false");
    }

    @Test
    void shouldRefuseALeaseShorterThanTheLongestBuildWait() {
        assertThatThrownBy(() -> dev(replication -> replication.put("leaseSeconds", 600)))
                .hasMessageContaining("leaseSeconds' is 600: expected a whole number from 3900 to 86400");
    }

    @Test
    void shouldRefuseAnAlarmTopicOfAnotherRegion() {
        assertThatThrownBy(() ->
                        dev(replication -> replication.put("alarmTopicArn", "arn:aws:sns:eu-west-1:111122223333:ops")))
                .hasMessageContaining("expected a topic in the stack's region us-east-1 (partition aws)");
        assertThat(dev(replication -> replication.put("alarmTopicArn", "arn:aws:sns:us-east-1:111122223333:ops"))
                        .alarmTopicArn())
                .contains("arn:aws:sns:us-east-1:111122223333:ops");
    }

    @Test
    void shouldTakeTheDestinationAccessSettingsFromBothSections() {
        EnvironmentContext context = TestApps.environmentContext("prod", replication -> {});
        DestinationAccessSettings destination =
                DestinationAccessSettings.from(context, ReplicationSettings.from(context));

        assertThat(destination.region()).isEqualTo("us-gov-west-1");
        assertThat(destination.userName()).isEqualTo("ecr-replicator-prod");
        assertThat(destination.destinationRegion()).isEqualTo("us-gov-west-1");
        assertThat(destination.repositories().patterns()).containsExactly("team/");
    }

    @Test
    void shouldRefuseADestinationAccessRegionOutsideTheDestinationPartition() {
        EnvironmentContext context =
                TestApps.environmentContext("dev", replication -> replication.put("destinationRegion", "cn-north-1"));
        assertThatThrownBy(() -> DestinationAccessSettings.from(context, ReplicationSettings.from(context)))
                .hasMessage("context 'environments.dev.destinationAccess.region' is 'us-gov-west-1': expected a"
                        + " region of partition aws-cn, where replication.destinationRegion cn-north-1 is");
    }

    private static DestinationAccessSettings destination(Consumer<Map<String, Object>> change) {
        EnvironmentContext context = TestApps.environmentContext("dev", replication -> {}, change);
        return DestinationAccessSettings.from(context, ReplicationSettings.from(context));
    }

    @Test
    void shouldTakeSourceIpsWhenTheyArePublicIpv4Ranges() {
        assertThat(destination(access -> {}).sourceIps()).isEmpty();
        assertThat(destination(access -> access.put("sourceIps", List.of("203.0.113.10/32", "198.51.100.0/24")))
                        .sourceIps())
                .containsExactly("203.0.113.10/32", "198.51.100.0/24");
    }

    @Test
    void shouldNameTheFixInOneLineWhenASourceIpIsNotAPublicIpv4Range() {
        String path = "context 'environments.dev.destinationAccess.sourceIps' is ";
        assertThatThrownBy(() -> destination(access -> access.put("sourceIps", List.of("203.0.113.10"))))
                .hasMessage(path + "'203.0.113.10': expected a public IPv4 CIDR block such as 203.0.113.10/32"
                        + " (NAT gateway addresses are IPv4)");
        assertThatThrownBy(() -> destination(access -> access.put("sourceIps", List.of("2001:db8::/32"))))
                .hasMessageContaining("(NAT gateway addresses are IPv4)");
        assertThatThrownBy(() -> destination(access -> access.put("sourceIps", List.of("203.0.113.256/32"))))
                .hasMessageContaining("each of the four numbers is 0..255");
        assertThatThrownBy(() -> destination(access -> access.put("sourceIps", List.of("203.0.0.0/4"))))
                .hasMessageContaining("a prefix length from /8 to /32");
        assertThatThrownBy(() -> destination(access -> access.put("sourceIps", List.of("203.0.113.10/24"))))
                .hasMessage(path + "'203.0.113.10/24': expected 203.0.113.0/24, or 203.0.113.10/32 for the one"
                        + " address: the bits after the prefix must be zero");
        assertThatThrownBy(() -> destination(access -> access.put("sourceIps", List.of("10.20.0.0/16"))))
                .hasMessageContaining("'10.20.0.0/16'")
                .hasMessageContaining("the public (Elastic IP) address of the build's NAT gateway");
        assertThatThrownBy(() -> destination(access -> access.put("sourceIps", List.of())))
                .hasMessage(path + "[]: expected a non-empty list of public IPv4 CIDR blocks such as"
                        + " [\"203.0.113.10/32\"], or no sourceIps at all for keys usable from anywhere");
        assertThatThrownBy(() -> destination(access -> access.put("sourceIps", "203.0.113.10/32")))
                .hasMessageContaining("expected a list of strings");
    }

    @Test
    void shouldReconcileDailyInShardsOf500TagsBelowTheBuildLimitWhenTheSettingsAreAbsent() {
        ReplicationSettings settings = dev(replication -> {});

        assertThat(settings.reconcileSchedule()).contains("rate(1 day)");
        assertThat(settings.reconcileConcurrency())
                .as("dev's buildConcurrency is 2: one slot stays for events")
                .isEqualTo(1);
        assertThat(settings.reconcileShardSize()).isEqualTo(500);
        assertThat(dev(replication -> replication.put("buildConcurrency", 10)).reconcileConcurrency())
                .isEqualTo(4);
    }

    @Test
    void shouldNameBuildConcurrencyWhenTheReconcileWouldTakeEverySlot() {
        assertThatThrownBy(() -> dev(replication -> {
                    replication.put("buildConcurrency", 3);
                    replication.put("reconcileConcurrency", 3);
                }))
                .hasMessage("context 'environments.dev.replication.reconcileConcurrency' is 3: expected a number"
                        + " below buildConcurrency (3), so that event builds keep a slot while a reconcile runs:"
                        + " lower it or raise buildConcurrency");
        assertThat(dev(replication -> {
                            replication.put("buildConcurrency", 3);
                            replication.put("reconcileConcurrency", 2);
                        })
                        .reconcileConcurrency())
                .isEqualTo(2);
    }

    @Test
    void shouldTakeRateAndCronSchedulesWhenEventBridgeAcceptsTheirShape() {
        for (String schedule : List.of(
                "rate(1 minute)",
                "rate(12 hours)",
                "rate(7 days)",
                "cron(0 3 * * ? *)",
                "cron(15 2 ? * MON-FRI *)",
                "cron(0/30 8-17 1,15 * ? 2027)")) {
            assertThat(dev(replication -> replication.put("reconcileSchedule", schedule))
                            .reconcileSchedule())
                    .as(schedule)
                    .contains(schedule);
        }
    }

    @Test
    void shouldRotateTheKeyEvery90DaysWhenRotationDaysIsAbsent() {
        assertThat(dev(replication -> {}).rotationDays()).hasValue(90);
        assertThat(dev(replication -> replication.put("rotationDays", 30)).rotationDays())
                .hasValue(30);
    }

    @Test
    void shouldNotRotateWhenRotationDaysIsOff() {
        assertThat(dev(replication -> replication.put("rotationDays", "off")).rotationDays())
                .isEmpty();
    }

    @Test
    void shouldNameTheChoicesWhenRotationDaysIsNeitherDaysNorOff() {
        assertThatThrownBy(() -> dev(replication -> replication.put("rotationDays", "never")))
                .hasMessage("context 'environments.dev.replication.rotationDays' is 'never': expected a whole"
                        + " number of days from 1 to 1000, or off");
        assertThatThrownBy(() -> dev(replication -> replication.put("rotationDays", 0)))
                .hasMessageContaining("expected a whole number from 1 to 1000");
        assertThatThrownBy(() -> dev(replication -> replication.put("rotationDays", 2.5)))
                .hasMessageContaining("expected a whole number from 1 to 1000");
    }

    @Test
    void shouldScheduleNoReconcileWhenTheScheduleIsOff() {
        assertThat(dev(replication -> replication.put("reconcileSchedule", "off"))
                        .reconcileSchedule())
                .isEmpty();
    }

    @Test
    void shouldNameTheExpectedShapesInOneLineWhenTheScheduleIsMalformed() {
        for (String schedule : List.of("daily", "rate(1 days)", "rate(0 days)", "cron(0 3 * * *)", "Off", "")) {
            assertThatThrownBy(() -> dev(replication -> replication.put("reconcileSchedule", schedule)))
                    .as(schedule)
                    .isInstanceOf(InvalidContextException.class)
                    .hasMessageStartingWith("context 'environments.dev.replication.reconcileSchedule' is ")
                    .hasMessageNotContaining("\n");
        }
        assertThatThrownBy(() -> dev(replication -> replication.put("reconcileSchedule", "daily")))
                .hasMessage("context 'environments.dev.replication.reconcileSchedule' is 'daily': expected"
                        + " rate(<n> <minutes|hours|days>) such as rate(1 day), cron(<minutes> <hours>"
                        + " <day-of-month> <month> <day-of-week> <year>) such as cron(0 3 * * ? *), or off");
        assertThatThrownBy(() -> dev(replication -> replication.put("reconcileSchedule", "rate(1 days)")))
                .hasMessage("context 'environments.dev.replication.reconcileSchedule' is 'rate(1 days)': expected"
                        + " rate(1 day): EventBridge takes the singular unit for 1 and the plural otherwise");
        assertThatThrownBy(() -> dev(replication -> replication.put("reconcileSchedule", "rate(2 hour)")))
                .hasMessageContaining("expected rate(2 hours)");
        assertThatThrownBy(() -> dev(replication -> replication.put("reconcileSchedule", "cron(0 3 * * MON *)")))
                .hasMessageContaining("'?' in exactly one of day-of-month and day-of-week");
    }

    @Test
    void shouldGiveTheRangeWhenReconcileConcurrencyOrShardSizeIsOutOfIt() {
        assertThatThrownBy(() -> dev(replication -> replication.put("reconcileConcurrency", 41)))
                .hasMessage("context 'environments.dev.replication.reconcileConcurrency' is 41: expected a whole"
                        + " number from 1 to 40");
        assertThatThrownBy(() -> dev(replication -> replication.put("reconcileConcurrency", 0)))
                .hasMessageContaining("expected a whole number from 1 to 40");
        assertThatThrownBy(() -> dev(replication -> replication.put("reconcileShardSize", 9)))
                .hasMessage("context 'environments.dev.replication.reconcileShardSize' is 9: expected a whole"
                        + " number from 10 to 10000");
        ReplicationSettings settings = dev(replication -> {
            replication.put("buildConcurrency", 100);
            replication.put("reconcileConcurrency", 40);
            replication.put("reconcileShardSize", 10_000);
        });
        assertThat(settings.reconcileConcurrency()).isEqualTo(40);
        assertThat(settings.reconcileShardSize()).isEqualTo(10_000);
    }
}
