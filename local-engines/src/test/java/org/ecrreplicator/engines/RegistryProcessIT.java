package org.ecrreplicator.engines;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryProcessIT {
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(URI uri, String authorization) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri);
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeAnonymouslyAndComeBackAfterRestartWhenStopped() throws Exception {
        try (RegistryProcess registry = RegistryProcess.startAnonymous()) {
            assertThat(get(registry.baseUri().resolve("/v2/"), null).statusCode())
                    .isEqualTo(200);

            registry.stopProcess();
            assertThat(registry.isRunning()).isFalse();
            registry.startProcess();

            assertThat(get(registry.baseUri().resolve("/v2/"), null).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void shouldRequireBasicCredentialsWhenHtpasswdIsConfigured() throws Exception {
        try (RegistryProcess registry =
                RegistryProcess.builder().htpasswd("AWS", "fake-password").start()) {
            String good =
                    "Basic " + Base64.getEncoder().encodeToString("AWS:fake-password".getBytes(StandardCharsets.UTF_8));
            String bad = "Basic " + Base64.getEncoder().encodeToString("AWS:wrong".getBytes(StandardCharsets.UTF_8));

            assertThat(get(registry.baseUri().resolve("/v2/"), null).statusCode())
                    .isEqualTo(401);
            assertThat(get(registry.baseUri().resolve("/v2/"), bad).statusCode())
                    .isEqualTo(401);
            assertThat(get(registry.baseUri().resolve("/v2/"), good).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void shouldAcceptTokensFromIssuerAndRefuseOtherRepositoriesWhenTokenAuthIsConfigured() throws Exception {
        TokenIssuer issuer = TokenIssuer.create("test-issuer");
        try (TokenServer tokens = TokenServer.start(issuer, "test-registry", Map.of(), Duration.ofMinutes(5));
                RegistryProcess registry = RegistryProcess.builder()
                        .token(tokens.realm(), "test-registry", issuer)
                        .start()) {
            URI tags = registry.baseUri().resolve("/v2/team/app/tags/list");

            HttpResponse<String> challenge = get(tags, null);
            assertThat(challenge.statusCode()).isEqualTo(401);
            assertThat(challenge.headers().firstValue("WWW-Authenticate").orElseThrow())
                    .startsWith("Bearer ")
                    .contains("realm=\"" + tokens.realm() + "\"")
                    .contains("scope=\"repository:team/app:pull\"");

            String allowed = issuer.token(
                    "test-registry",
                    "tester",
                    Duration.ofMinutes(5),
                    List.of(TokenIssuer.Access.repository("team/app", "pull")));
            String other = issuer.token(
                    "test-registry",
                    "tester",
                    Duration.ofMinutes(5),
                    List.of(TokenIssuer.Access.repository("team/other", "pull")));

            // The repository does not exist yet: a valid token reaches the handler (404), a wrong one does not.
            assertThat(get(tags, "Bearer " + allowed).statusCode()).isEqualTo(404);
            assertThat(get(tags, "Bearer " + other).statusCode()).isEqualTo(401);
        }
    }
}
