package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class WwwAuthenticateTest {

    @Test
    void shouldReadBearerParametersWhenTheyComeInAnyOrder() {
        List<WwwAuthenticate.Challenge> challenges =
                WwwAuthenticate.parse("Bearer scope=\"repository:team/app:pull,push\",service=\"registry.example\","
                        + "realm=\"https://auth.example/token\"");

        assertThat(challenges).hasSize(1);
        WwwAuthenticate.Challenge bearer = challenges.get(0);
        assertThat(bearer.scheme()).isEqualTo("bearer");
        assertThat(bearer.parameter("realm")).contains("https://auth.example/token");
        assertThat(bearer.parameter("service")).contains("registry.example");
        assertThat(bearer.parameter("scope")).contains("repository:team/app:pull,push");
    }

    @Test
    void shouldSeparateChallengesWhenOneHeaderCarriesSeveral() {
        List<WwwAuthenticate.Challenge> challenges =
                WwwAuthenticate.parse("Basic realm=\"ecr\", Bearer realm=\"https://a/token\",service=s");

        assertThat(challenges).extracting(WwwAuthenticate.Challenge::scheme).containsExactly("basic", "bearer");
        assertThat(challenges.get(0).parameter("realm")).contains("ecr");
        assertThat(challenges.get(1).parameter("service")).contains("s");
    }

    @Test
    void shouldHandleEscapesSpacesAndCaseWhenValuesAreQuoted() {
        WwwAuthenticate.Challenge challenge = WwwAuthenticate.parse(
                        "BEARER  Realm = \"https://a/t?x=1\" ,  error=\"invalid \\\"token\\\"\"")
                .get(0);

        assertThat(challenge.scheme()).isEqualTo("bearer");
        assertThat(challenge.parameter("realm")).contains("https://a/t?x=1");
        assertThat(challenge.parameter("error")).contains("invalid \"token\"");
    }

    @Test
    void shouldReturnNothingWhenTheHeaderIsMissingOrEmpty() {
        assertThat(WwwAuthenticate.parse((String) null)).isEmpty();
        assertThat(WwwAuthenticate.parse("  ")).isEmpty();
    }

    @Test
    void shouldKeepAChallengeWithoutParametersWhenItIsFollowedByAnother() {
        List<WwwAuthenticate.Challenge> challenges = WwwAuthenticate.parse(List.of("Negotiate", "Basic realm=x"));

        assertThat(challenges).extracting(WwwAuthenticate.Challenge::scheme).containsExactly("negotiate", "basic");
    }
}
