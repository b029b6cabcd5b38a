package org.ecrreplicator.worker.doctor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.worker.doctor.Check.Status;
import org.junit.jupiter.api.Test;

/** The parts of doctor that need no AWS: the filter output, the probes, the stack states, the report. */
class DoctorTest {
    @Test
    void shouldReadTheFilterTheStackWritesWhenItIsPrefixesOrWildcards() {
        RepositoryPatterns prefixes =
                RepositoryPatterns.parse(StackOutputs.repositoryFilter("PREFIX", List.of("team/", "apps-")));
        RepositoryPatterns wildcards =
                RepositoryPatterns.parse(StackOutputs.repositoryFilter("WILDCARD", List.of("team/*/app")));

        assertThat(prefixes.wildcard()).isFalse();
        assertThat(prefixes.patterns()).containsExactly("team/", "apps-");
        assertThat(prefixes.probe("team/")).isEqualTo("team/ecr-replicator-doctor-probe");
        assertThat(prefixes.probe("apps-")).isEqualTo("apps-ecr-replicator-doctor-probe");
        assertThat(wildcards.wildcard()).isTrue();
        assertThat(wildcards.probe("team/*/app")).isEqualTo("team/ecr-replicator-doctor-probe/app");
    }

    @Test
    void shouldRefuseAFilterWhenItHasNoKindOrNoValidPattern() {
        assertThatThrownBy(() -> RepositoryPatterns.parse("team/")).hasMessageContaining("prefix:PATTERNS");
        assertThatThrownBy(() -> RepositoryPatterns.parse("prefix:")).hasMessageContaining("no valid repository");
        assertThatThrownBy(() -> RepositoryPatterns.parse("prefix:Team/")).hasMessageContaining("no valid");
    }

    @Test
    void shouldPassASettledStackWarnAMovingOneAndFailABrokenOne() {
        assertThat(Doctor.stackHealth("s", "us-east-1", "UPDATE_COMPLETE").status())
                .isEqualTo(Status.PASS);
        assertThat(Doctor.stackHealth("s", "us-east-1", "UPDATE_IN_PROGRESS").status())
                .isEqualTo(Status.WARN);
        assertThat(Doctor.stackHealth("s", "us-east-1", "UPDATE_ROLLBACK_COMPLETE")
                        .status())
                .isEqualTo(Status.WARN);
        Check broken = Doctor.stackHealth("s", "us-east-1", "ROLLBACK_COMPLETE");
        assertThat(broken.status()).isEqualTo(Status.FAIL);
        assertThat(broken.fix()).contains("describe-stack-events --stack-name s --region us-east-1");
    }

    @Test
    void shouldCountOnlySnsArnsAsTopicsWhenAnAlarmHasActions() {
        assertThat(Doctor.isTopic("arn:aws-us-gov:sns:us-gov-west-1:123456789012:ops"))
                .isTrue();
        assertThat(Doctor.isTopic("arn:aws:automate:us-east-1:ec2:stop")).isFalse();
        assertThat(Doctor.isTopic("arn:aws:ssm:us-east-1:123456789012:opsitem:3"))
                .isFalse();
    }

    @Test
    void shouldSayAgesCoarselyWhenTheyArePrinted() {
        assertThat(Doctor.ago(Duration.ofSeconds(20))).isEqualTo("under a minute ago");
        assertThat(Doctor.ago(Duration.ofMinutes(5))).isEqualTo("5m ago");
        assertThat(Doctor.ago(Duration.ofMinutes(192))).isEqualTo("3h 12m ago");
        assertThat(Doctor.ago(Duration.ofHours(52))).isEqualTo("2d 4h ago");
    }

    @Test
    void shouldPassTheReportWithWarningsAndPrintTheFixUnderTheFailureWhenOneFails() {
        DoctorReport warned = new DoctorReport(
                "s", List.of(Check.pass("stacks", "ok"), Check.warn("last reconcile", "old", "run one")));
        DoctorReport failed = new DoctorReport(
                "s", List.of(Check.pass("stacks", "ok"), Check.fail("event rules", "off", "enable it")));

        assertThat(warned.passed()).isTrue();
        assertThat(failed.passed()).isFalse();
        assertThat(failed.text())
                .isEqualTo("PASS  stacks       ok\n"
                        + "FAIL  event rules  off\n"
                        + "      fix: enable it\n"
                        + "s: 2 checks, 1 failing, 0 with a warning\n");
        assertThat(failed.json())
                .isEqualTo("{\"checks\":[{\"name\":\"stacks\",\"status\":\"PASS\",\"detail\":\"ok\",\"fix\":null},"
                        + "{\"name\":\"event rules\",\"status\":\"FAIL\",\"detail\":\"off\",\"fix\":\"enable it\"}],"
                        + "\"passed\":false}");
    }
}
