package org.ecrreplicator.engines;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

class AwsJsonEndpointTest {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> post(AwsJsonEndpoint endpoint, String target, String body) throws Exception {
        return http.send(
                HttpRequest.newBuilder(endpoint.endpoint())
                        .header("X-Amz-Target", target)
                        .header("Content-Type", "application/x-amz-json-1.1")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldDispatchOnTargetAndRecordTheCall() throws Exception {
        try (AwsJsonEndpoint endpoint = new AwsJsonEndpoint("secretsmanager", "1.1")
                .on(
                        "GetSecretValue",
                        request -> AwsJsonEndpoint.json(
                                "{\"Name\":\"" + request.get("SecretId").asText() + "\"}"))) {

            HttpResponse<String> response = post(endpoint, "secretsmanager.GetSecretValue", "{\"SecretId\":\"s1\"}");

            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo("{\"Name\":\"s1\"}");
            assertThat(response.headers().firstValue("Content-Type")).contains("application/x-amz-json-1.1");
            assertThat(endpoint.calls("GetSecretValue")).hasSize(1);
        }
    }

    @Test
    void shouldAnswerWithServiceErrorShapeWhenOperationFailsOrIsUnknown() throws Exception {
        try (AwsJsonEndpoint endpoint = new AwsJsonEndpoint("secretsmanager", "1.1").on("GetSecretValue", request -> {
            throw new AwsJsonEndpoint.AwsError("ResourceNotFoundException", "Secrets Manager can't find the secret.");
        })) {
            HttpResponse<String> failed = post(endpoint, "secretsmanager.GetSecretValue", "{}");
            HttpResponse<String> unknown = post(endpoint, "secretsmanager.DeleteSecret", "{}");

            assertThat(failed.statusCode()).isEqualTo(400);
            assertThat(failed.headers().firstValue("x-amzn-ErrorType")).contains("ResourceNotFoundException");
            assertThat(failed.body()).contains("\"__type\":\"ResourceNotFoundException\"");
            assertThat(unknown.body()).contains("UnknownOperationException");
        }
    }
}
