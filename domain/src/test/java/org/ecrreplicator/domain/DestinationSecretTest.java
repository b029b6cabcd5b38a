package org.ecrreplicator.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DestinationSecretTest {
    // Obviously fake values from the AWS documentation's examples.
    private static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
    private static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private static String secret(String user, String accessKey, String secretKey, String partition, String account) {
        StringBuilder json = new StringBuilder("{");
        append(json, "user", user);
        append(json, "accesskey", accessKey);
        append(json, "secretaccesskey", secretKey);
        append(json, "partition", partition);
        append(json, "accountid", account);
        if (json.charAt(json.length() - 1) == ',') {
            json.setLength(json.length() - 1);
        }
        return json.append('}').toString();
    }

    private static void append(StringBuilder json, String name, String value) {
        if (value != null) {
            json.append('"').append(name).append("\":\"").append(value).append("\",");
        }
    }

    @Test
    void shouldParseWhenEveryFieldIsValid() {
        DestinationSecret secret =
                DestinationSecret.parse(secret("replicator", ACCESS_KEY, SECRET_KEY, "aws-us-gov", "210987654321"));

        assertThat(secret.user()).isEqualTo("replicator");
        assertThat(secret.accessKey()).isEqualTo(ACCESS_KEY);
        assertThat(secret.secretAccessKey()).isEqualTo(SECRET_KEY);
        assertThat(secret.partition()).isEqualTo(Partition.AWS_US_GOV);
        assertThat(secret.registry("us-gov-west-1").host())
                .isEqualTo("210987654321.dkr.ecr.us-gov-west-1.amazonaws.com");
    }

    @Test
    void shouldRedactKeysWhenPrinted() {
        DestinationSecret secret =
                DestinationSecret.parse(secret("replicator", ACCESS_KEY, SECRET_KEY, "aws", "210987654321"));

        assertThat(secret.toString())
                .doesNotContain(ACCESS_KEY)
                .doesNotContain(SECRET_KEY)
                .contains("accesskey=<redacted>");
    }

    @Test
    void shouldNameEveryMissingFieldWhenSeveralAreAbsent() {
        assertThatThrownBy(() -> DestinationSecret.parse(secret("replicator", null, SECRET_KEY, null, null)))
                .isInstanceOfSatisfying(SecretValidationException.class, e -> {
                    assertThat(e.missingFields()).containsExactly("accesskey", "partition", "accountid");
                    assertThat(e.invalidFields()).isEmpty();
                })
                .hasMessageContaining("missing field(s) accesskey, partition, accountid")
                .hasMessageNotContaining(SECRET_KEY);
    }

    @Test
    void shouldNameInvalidFieldsWithoutTheirValues() {
        String badSecretKey = "has spaces in it and is secret";
        assertThatThrownBy(() ->
                        DestinationSecret.parse(secret("replicator", "akia-lower", badSecretKey, "aws-iso", "12")))
                .isInstanceOfSatisfying(SecretValidationException.class, e -> assertThat(e.invalidFields())
                        .containsExactly("accesskey", "secretaccesskey", "partition", "accountid"))
                .hasMessageNotContaining("akia-lower")
                .hasMessageNotContaining(badSecretKey)
                .hasMessageNotContaining("aws-iso");
    }

    @Test
    void shouldNotEchoTheSecretWhenItIsNotJson() {
        String broken = "{\"secretaccesskey\":\"" + SECRET_KEY + "\"";
        assertThatThrownBy(() -> DestinationSecret.parse(broken))
                .isInstanceOf(SecretValidationException.class)
                .hasMessageContaining("not a JSON object")
                .hasMessageNotContaining(SECRET_KEY);
    }

    @Test
    void shouldTreatBlankValueAsMissing() {
        assertThatThrownBy(() -> DestinationSecret.parse(secret(" ", ACCESS_KEY, SECRET_KEY, "aws", "210987654321")))
                .isInstanceOfSatisfying(SecretValidationException.class, e -> assertThat(e.missingFields())
                        .containsExactly("user"));
    }

    @Test
    void shouldRefuseRegionOfAnotherPartition() {
        DestinationSecret secret =
                DestinationSecret.parse(secret("replicator", ACCESS_KEY, SECRET_KEY, "aws-cn", "210987654321"));

        assertThatThrownBy(() -> secret.registry("us-east-1"))
                .isInstanceOf(SecretValidationException.class)
                .hasMessageContaining("partition aws-cn does not match the destination region us-east-1");
    }
}
