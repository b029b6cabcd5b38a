package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageAction;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.Sha256;
import org.junit.jupiter.api.Test;

class ExecutionNamesTest {
    private static final Digest DIGEST =
            Digest.parse("sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378a0f0e0d0c0b0");
    private static final Instant TIME = Instant.parse("2026-11-22T10:00:00Z");

    private static ReplicationRequest request(String repository, String tag, String eventId) {
        return new ReplicationRequest(repository, tag, DIGEST, ImageAction.PUSH, TIME, eventId, "123456789012");
    }

    @Test
    void shouldNameTheExecutionAfterRepositoryTagActionAndEventHash() {
        String name = ExecutionNames.of(request("team/app", "1.4.2", "13cde686-328b-6117-af20-0e5566167482"));

        assertThat(name).matches("team-app_1\\.4\\.2_push_[0-9a-f]{12}");
        assertThat(name)
                .isEqualTo(ExecutionNames.of(request("team/app", "1.4.2", "13cde686-328b-6117-af20-0e5566167482")));
    }

    @Test
    void shouldGiveDifferentEventsDifferentNamesWhenTheTagIsTheSame() {
        assertThat(ExecutionNames.of(request("team/app", "1.4.2", "a")))
                .isNotEqualTo(ExecutionNames.of(request("team/app", "1.4.2", "b")));
    }

    @Test
    void shouldUseADigestPrefixWhenThePushIsUntagged() {
        assertThat(ExecutionNames.of(request("team/app", null, "a"))).startsWith("team-app_sha256-7f5b2640fe6f_push_");
    }

    @Test
    void shouldStayWithin80AllowedCharactersWhenNamesAreLong() {
        String repository = "a".repeat(100) + "/" + "b".repeat(100);
        String tag = "T".repeat(128);

        String name = ExecutionNames.of(request(repository, tag, "13cde686-328b-6117-af20-0e5566167482"));

        assertThat(name).hasSizeLessThanOrEqualTo(ExecutionNames.MAX_LENGTH).matches("[A-Za-z0-9_.-]+");
        assertThat(name)
                .endsWith("_push_"
                        + Sha256.hex("13cde686-328b-6117-af20-0e5566167482").substring(0, 12));
    }

    @Test
    void shouldReplaceCharactersTheExecutionNameRulesForbid() {
        assertThat(ExecutionNames.sanitise("a/b:c@d#e")).isEqualTo("a-b-c-d-e");
    }
}
