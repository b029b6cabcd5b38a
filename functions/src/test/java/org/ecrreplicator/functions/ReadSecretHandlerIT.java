package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.contract.FunctionEnvironment;
import org.ecrreplicator.engines.LocalSecretsManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ReadSecretHandlerIT {
    private static final String SECRET_NAME = "ecr-replicator-dev/destination";
    private static final String REQUEST = "{\"request\":{\"repository\":\"team/app\",\"tag\":\"1.4.2\",\"digest\":"
            + "\"sha256:7f5b2640fe6fb4f46592dfd3410c4a79dac4f89e4782432e0378a0f0e0d0c0b0\",\"action\":\"PUSH\","
            + "\"eventTime\":\"2026-11-22T10:00:00Z\",\"eventId\":\"13cde686\",\"sourceRegistry\":\"123456789012\"}}";

    private final List<String> logs = new CopyOnWriteArrayList<>();
    private LocalSecretsManager secrets;
    private ReadSecretHandler handler;

    @BeforeEach
    void start() {
        secrets = new LocalSecretsManager("us-east-1", "123456789012");
        handler = new ReadSecretHandler(
                FunctionsConfig.from(Map.of(
                        FunctionEnvironment.SECRET_ID,
                        SECRET_NAME,
                        FunctionEnvironment.DESTINATION_REGION,
                        "us-gov-west-1")),
                LocalAws.secretsManager(secrets.endpoint()),
                logs::add,
                Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC));
    }

    @AfterEach
    void stop() {
        secrets.close();
    }

    private static String secret(String... without) {
        ObjectNode node = Json.MAPPER
                .createObjectNode()
                .put("user", "replicator")
                .put("accesskey", LocalAws.ACCESS_KEY)
                .put("secretaccesskey", LocalAws.SECRET_KEY)
                .put("partition", "aws-us-gov")
                .put("accountid", "210987654321");
        for (String field : without) {
            node.remove(field);
        }
        return Json.write(node);
    }

    private String invoke() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        handler.handleRequest(new ByteArrayInputStream(REQUEST.getBytes(StandardCharsets.UTF_8)), out, null);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldReturnOnlyNonSecretFactsWhenTheSecretIsValid() throws Exception {
        String arn = secrets.put(SECRET_NAME, secret());

        String output = invoke();

        JsonNode result = Json.parse(output);
        assertThat(result.fieldNames())
                .toIterable()
                .containsExactly("secretArn", "secretVersionId", "partition", "accountId", "region", "registry");
        assertThat(result.path("secretArn").asText()).isEqualTo(arn);
        assertThat(result.path("partition").asText()).isEqualTo("aws-us-gov");
        assertThat(result.path("accountId").asText()).isEqualTo("210987654321");
        assertThat(result.path("region").asText()).isEqualTo("us-gov-west-1");
        assertThat(result.path("registry").asText()).isEqualTo("210987654321.dkr.ecr.us-gov-west-1.amazonaws.com");
        assertThat(result.path("secretVersionId").asText()).isNotBlank();
        List<String> everything = new ArrayList<>(logs);
        everything.add(output);
        LocalAws.assertNoSecretIn(everything);
    }

    @Test
    void shouldFailWithSecretNotFoundNamingTheSecretWhenItDoesNotExist() {
        Throwable error = catchThrowable(this::invoke);

        assertThat(error.getClass().getName()).isEqualTo("SecretNotFound");
        assertThat(error).hasMessageContaining(SECRET_NAME).hasMessageContaining("accesskey");
    }

    @Test
    void shouldFailWithSecretNotFoundWhenTheSecretIsMarkedForDeletion() {
        secrets.put(SECRET_NAME, secret());
        secrets.delete(SECRET_NAME);

        Throwable error = catchThrowable(this::invoke);

        assertThat(error.getClass().getName()).isEqualTo("SecretNotFound");
        assertThat(error).hasMessageContaining("marked for deletion");
    }

    @Test
    void shouldFailWithSecretInvalidNamingTheMissingFieldButNoValue() {
        secrets.put(SECRET_NAME, secret("secretaccesskey"));

        Throwable error = catchThrowable(this::invoke);

        assertThat(error.getClass().getName()).isEqualTo("SecretInvalid");
        assertThat(error).hasMessageContaining("missing field(s) secretaccesskey");
        List<String> everything = new ArrayList<>(logs);
        everything.add(error.toString());
        LocalAws.assertNoSecretIn(everything);
        assertThat(logs).anySatisfy(line -> assertThat(line).contains("SecretInvalid"));
    }

    @Test
    void shouldFailWithSecretInvalidWhenThePartitionDoesNotMatchTheRegion() {
        secrets.put(SECRET_NAME, secret().replace("aws-us-gov", "aws-cn"));

        Throwable error = catchThrowable(this::invoke);

        assertThat(error.getClass().getName()).isEqualTo("SecretInvalid");
        assertThat(error).hasMessageContaining("partition");
        LocalAws.assertNoSecretIn(List.of(error.toString()));
    }

    @Test
    void shouldNotEchoTheSecretWhenItIsNotJson() {
        secrets.put(SECRET_NAME, "accesskey=" + LocalAws.ACCESS_KEY);

        Throwable error = catchThrowable(this::invoke);

        assertThat(error.getClass().getName()).isEqualTo("SecretInvalid");
        assertThat(error).hasMessageContaining("not a JSON object");
        List<String> everything = new ArrayList<>(logs);
        everything.add(error.toString());
        LocalAws.assertNoSecretIn(everything);
    }
}
