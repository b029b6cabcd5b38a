package org.ecrreplicator.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.ecrreplicator.domain.EcrImageActionEvents.Accepted;
import org.ecrreplicator.domain.EcrImageActionEvents.Rejected;
import org.ecrreplicator.domain.EcrImageActionEvents.Rejection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EcrImageActionEventsTest {
    private static final String DIGEST = "sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378a0f0e0d0c0b0";

    static String event(String name) {
        try (InputStream in = EcrImageActionEventsTest.class.getResourceAsStream("/events/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("missing test event " + name, e);
        }
    }

    private static ReplicationRequest accepted(String name) {
        EcrImageActionEvents.Mapping mapping = EcrImageActionEvents.map(event(name));
        assertThat(mapping).isInstanceOf(Accepted.class);
        return ((Accepted) mapping).request();
    }

    @Test
    void shouldMapTaggedPushToRequest() {
        ReplicationRequest request = accepted("push-tag.json");

        assertThat(request)
                .isEqualTo(new ReplicationRequest(
                        "team/app",
                        "1.4.2",
                        Digest.parse(DIGEST),
                        ImageAction.PUSH,
                        Instant.parse("2026-11-22T10:00:00Z"),
                        "13cde686-328b-6117-af20-0e5566167482",
                        "123456789012"));
    }

    @Test
    void shouldMapDigestOnlyPushWithoutTag() {
        ReplicationRequest request = accepted("push-digest.json");

        assertThat(request.tag()).isNull();
        assertThat(request.messageGroupId()).isEqualTo("team/app@" + DIGEST);
    }

    @Test
    void shouldMapAReferrerActionToTheSameRequestAsAnImageAction() {
        ReplicationRequest referrer = accepted("referrer-push.json");

        assertThat(referrer.tag()).isNull();
        assertThat(referrer.action()).isEqualTo(ImageAction.PUSH);
        assertThat(referrer.digest()).isEqualTo(Digest.parse(DIGEST));
        assertThat(referrer.imageKey()).isEqualTo("team/app@" + DIGEST);
    }

    @Test
    void shouldMapDeletesByTagAndByDigest() {
        ReplicationRequest byTag = accepted("delete-tag.json");
        ReplicationRequest byDigest = accepted("delete-digest.json");

        assertThat(byTag.action()).isEqualTo(ImageAction.DELETE);
        assertThat(byTag.tag()).isEqualTo("1.4.2");
        assertThat(byDigest.action()).isEqualTo(ImageAction.DELETE);
        assertThat(byDigest.tag()).isNull();
    }

    @ParameterizedTest
    @CsvSource({
        "push-failed.json, NOT_SUCCESSFUL, result is 'FAILURE'",
        "image-scan.json, WRONG_DETAIL_TYPE, detail-type is 'ECR Image Scan'",
        "action-replicate.json, UNSUPPORTED_ACTION, action-type is 'REPLICATE'"
    })
    void shouldRejectWithNamedReasonWhenEventDoesNotReplicate(String name, Rejection reason, String detail) {
        assertThat(EcrImageActionEvents.map(event(name))).isInstanceOfSatisfying(Rejected.class, rejected -> {
            assertThat(rejected.reason()).isEqualTo(reason);
            assertThat(rejected.detail()).contains(detail);
            assertThat(rejected.eventId()).isNotBlank();
        });
    }

    @Test
    void shouldRejectMalformedJsonAndForeignSources() {
        assertThat(EcrImageActionEvents.map("{not json"))
                .isInstanceOfSatisfying(
                        Rejected.class, r -> assertThat(r.reason()).isEqualTo(Rejection.MALFORMED_JSON));
        assertThat(EcrImageActionEvents.map(event("push-tag.json").replace("\"aws.ecr\"", "\"custom.app\"")))
                .isInstanceOfSatisfying(
                        Rejected.class, r -> assertThat(r.reason()).isEqualTo(Rejection.NOT_AN_ECR_EVENT));
    }

    @Test
    void shouldRejectInvalidFieldNamingIt() {
        String badTag = event("push-tag.json").replace("\"1.4.2\"", "\"-bad\"");
        String noDigest = event("push-tag.json").replace("\"image-digest\"", "\"other-digest\"");

        assertThat(EcrImageActionEvents.map(badTag)).isInstanceOfSatisfying(Rejected.class, r -> {
            assertThat(r.reason()).isEqualTo(Rejection.INVALID_FIELD);
            assertThat(r.detail()).contains("tag");
        });
        assertThat(EcrImageActionEvents.map(noDigest))
                .isInstanceOfSatisfying(
                        Rejected.class, r -> assertThat(r.detail()).contains("digest"));
    }
}
