package org.ecrreplicator.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ReplicationRequestTest {
    private static final String DIGEST = "sha256:" + "a".repeat(64);

    private static ReplicationRequest request(String repository, String tag) {
        return new ReplicationRequest(
                repository,
                tag,
                Digest.parse(DIGEST),
                ImageAction.PUSH,
                Instant.parse("2026-11-22T10:00:00Z"),
                "13cde686-328b-6117-af20-0e5566167482",
                "123456789012");
    }

    @Test
    void shouldRoundTripThroughJsonWhenTagged() {
        ReplicationRequest original = request("team/app", "1.4.2");

        String json = original.toJson();

        assertThat(json)
                .isEqualTo("{\"repository\":\"team/app\",\"tag\":\"1.4.2\",\"digest\":\"" + DIGEST
                        + "\",\"action\":\"PUSH\",\"eventTime\":\"2026-11-22T10:00:00Z\","
                        + "\"eventId\":\"13cde686-328b-6117-af20-0e5566167482\",\"sourceRegistry\":\"123456789012\"}");
        assertThat(ReplicationRequest.fromJson(json)).isEqualTo(original);
    }

    @Test
    void shouldRoundTripAndOmitTagWhenDigestOnly() {
        ReplicationRequest original = request("team/app", null);

        assertThat(original.toJson()).doesNotContain("\"tag\"");
        assertThat(ReplicationRequest.fromJson(original.toJson())).isEqualTo(original);
        assertThat(original.imageKey()).isEqualTo("team/app@" + DIGEST);
    }

    @Test
    void shouldUseRepositoryAndTagAsGroupWhenShort() {
        assertThat(request("team/app", "1.4.2").messageGroupId()).isEqualTo("team/app:1.4.2");
    }

    @Test
    void shouldHashGroupIdWhenKeyExceeds128Characters() {
        String repository = "team/" + "a".repeat(200);
        ReplicationRequest one = request(repository, "v1");
        ReplicationRequest two = request(repository, "v2");

        assertThat(one.messageGroupId()).hasSize(128).startsWith("team/aaaa").contains("#");
        assertThat(one.messageGroupId()).isNotEqualTo(two.messageGroupId());
        assertThat(one.messageGroupId()).isEqualTo(request(repository, "v1").messageGroupId());
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "action         | \"COPY\"            | is not one of PUSH, DELETE",
                "repository     |                   | is missing",
                "repository     | \"Team/App\"        | component 'Team'",
                "tag            | \".hidden\"         | '.hidden' is invalid",
                "digest         | \"sha256:1234\"     | 64 lowercase hex",
                "digest         |                   | is missing",
                "eventTime      | \"yesterday\"       | is not an ISO-8601 instant",
                "eventId        | \"\"                | is missing",
                "sourceRegistry | \"abc\"             | 12 digits",
                "tag            | 42                | must be a string"
            })
    void shouldNameTheFieldWhenJsonHasBadValue(String field, String value, String reason) {
        ObjectNode node = request("team/app", "1.4.2").toJsonNode();
        if (value == null) {
            node.remove(field);
        } else {
            node.set(field, Json.parse(value));
        }

        assertThatThrownBy(() -> ReplicationRequest.fromJsonNode(node))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field())
                        .isEqualTo(field))
                .hasMessageContaining(reason);
    }

    @Test
    void shouldRejectUnknownFieldByName() {
        ObjectNode node = request("team/app", "1.4.2").toJsonNode();
        node.put("priority", "high");

        assertThatThrownBy(() -> ReplicationRequest.fromJsonNode(node))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field())
                        .isEqualTo("priority"));
    }

    @Test
    void shouldRejectMalformedAndDuplicateKeyedBodies() {
        assertThatThrownBy(() -> ReplicationRequest.fromJson("{\"repository\":"))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field())
                        .isEqualTo("body"));
        assertThatThrownBy(() -> ReplicationRequest.fromJson("{\"repository\":\"a\",\"repository\":\"b\"}"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("Duplicate field 'repository'");
        assertThatThrownBy(() -> ReplicationRequest.fromJson("[]"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("must be a JSON object");
    }

    @Test
    void shouldBuildSourceReferenceFromTagOrDigest() {
        assertThat(request("team/app", "1.4.2").reference("127.0.0.1:5000").toString())
                .isEqualTo("127.0.0.1:5000/team/app:1.4.2");
        assertThat(request("team/app", null).reference("127.0.0.1:5000").toString())
                .isEqualTo("127.0.0.1:5000/team/app@" + DIGEST);
    }
}
