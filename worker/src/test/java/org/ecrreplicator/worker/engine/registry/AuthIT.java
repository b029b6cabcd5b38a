package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.ecrreplicator.worker.engine.RegistryAssertions.assertExactCopy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.engines.TokenIssuer;
import org.ecrreplicator.engines.TokenServer;
import org.ecrreplicator.worker.engine.CopyResult;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.junit.jupiter.api.Test;

/** Basic (htpasswd) and bearer-token registries on both sides of a copy. */
class AuthIT {
    private static final String USER = "replicator";
    private static final String PASSWORD = "fake-password-123";

    @Test
    void shouldCopyBetweenHtpasswdRegistriesWhenBasicCredentialsAreGiven() throws Exception {
        try (RegistryProcess source =
                        RegistryProcess.builder().htpasswd(USER, PASSWORD).start();
                RegistryProcess destination = RegistryProcess.builder()
                        .htpasswd("other", "fake-other-pass")
                        .start();
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            SampleImages.Target push = SampleImages.Target.basic(source.baseUri(), USER, PASSWORD);
            SampleImages.Image image = SampleImages.seed(21).pushDockerManifestList(push, "team/app", "1");

            CopyResult result = copier.copy(
                    ImageReference.parse(source.authority() + "/team/app:1"),
                    Endpoint.of(Credentials.basic(USER, PASSWORD), true),
                    ImageReference.parse(destination.authority() + "/team/app:1"),
                    Endpoint.of(Credentials.basic("other", "fake-other-pass"), true));

            assertThat(result.digest().toString()).isEqualTo(image.digest());
            assertExactCopy(
                    destination.baseUri(),
                    SampleImages.Target.basic(destination.baseUri(), "other", "fake-other-pass")
                            .authorization(),
                    "team/app",
                    "1",
                    image);
        }
    }

    @Test
    void shouldFailWithoutRevealingThePasswordWhenBasicCredentialsAreWrong() {
        try (RegistryProcess source =
                        RegistryProcess.builder().htpasswd(USER, PASSWORD).start();
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            assertThatThrownBy(() -> copier.copy(
                            ImageReference.parse(source.authority() + "/team/app:1"),
                            Endpoint.of(Credentials.basic(USER, "fake-wrong-secret"), true),
                            ImageReference.parse(source.authority() + "/copy/app:1"),
                            Endpoint.of(Credentials.basic(USER, PASSWORD), true)))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining(source.authority())
                    .hasMessageContaining("refused the credentials of user '" + USER + "'")
                    .hasMessageNotContaining("fake-wrong-secret");
            assertThatThrownBy(() -> copier.copy(
                            ImageReference.parse(source.authority() + "/team/app:1"),
                            Endpoint.anonymous(true),
                            ImageReference.parse(source.authority() + "/copy/app:1"),
                            Endpoint.anonymous(true)))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageContaining("requires authentication and no credentials were given");
        }
    }

    @Test
    void shouldRequestTheScopeEachSideNeedsAndReuseTokensWhenRegistriesUseTokenAuth() throws Exception {
        TokenIssuer issuer = TokenIssuer.create("test-issuer");
        try (TokenServer tokens =
                        TokenServer.start(issuer, "test-registry", Map.of(USER, PASSWORD), Duration.ofMinutes(5));
                RegistryProcess source = RegistryProcess.builder()
                        .token(tokens.realm(), "test-registry", issuer)
                        .start();
                RegistryProcess destination = RegistryProcess.builder()
                        .token(tokens.realm(), "test-registry", issuer)
                        .start();
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            String pushToken = issuer.token(
                    "test-registry",
                    USER,
                    Duration.ofMinutes(5),
                    List.of(TokenIssuer.Access.repository("team/app", "pull", "push")));
            SampleImages.Image image = SampleImages.seed(22)
                    .pushOciIndex(new SampleImages.Target(source.baseUri(), "Bearer " + pushToken), "team/app", "2.0");
            int before = tokens.requestCount();

            CopyResult result = copier.copy(
                    ImageReference.parse(source.authority() + "/team/app:2.0"),
                    Endpoint.of(Credentials.basic(USER, PASSWORD), true),
                    ImageReference.parse(destination.authority() + "/mirror/app:2.0"),
                    Endpoint.of(Credentials.basic(USER, PASSWORD), true));

            assertThat(result.digest().toString()).isEqualTo(image.digest());
            assertThat(tokens.scopesRequested())
                    .contains("repository:team/app:pull", "repository:mirror/app:pull,push");
            // One token per registry and scope, reused for every request of the copy.
            assertThat(tokens.requestCount() - before).isEqualTo(2);
            String readToken = issuer.token(
                    "test-registry",
                    USER,
                    Duration.ofMinutes(5),
                    List.of(TokenIssuer.Access.repository("mirror/app", "pull")));
            assertExactCopy(destination.baseUri(), "Bearer " + readToken, "mirror/app", "2.0", image);
        }
    }

    @Test
    void shouldAskForPushOnTheDestinationAndPullOnTheOtherRepositoryWhenMountingUnderTokenAuth() {
        TokenIssuer issuer = TokenIssuer.create("test-issuer");
        try (TokenServer tokens =
                        TokenServer.start(issuer, "test-registry", Map.of(USER, PASSWORD), Duration.ofMinutes(5));
                RegistryProcess source = RegistryProcess.builder()
                        .token(tokens.realm(), "test-registry", issuer)
                        .start();
                RegistryProcess destination = RegistryProcess.builder()
                        .token(tokens.realm(), "test-registry", issuer)
                        .start();
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            String pushToken = issuer.token(
                    "test-registry",
                    USER,
                    Duration.ofMinutes(5),
                    List.of(TokenIssuer.Access.repository("team/app", "pull", "push")));
            SampleImages.Image image = SampleImages.seed(23)
                    .pushOciIndex(new SampleImages.Target(source.baseUri(), "Bearer " + pushToken), "team/app", "3.0");
            Endpoint endpoint = Endpoint.of(Credentials.basic(USER, PASSWORD), true);

            copier.copy(
                    ImageReference.parse(source.authority() + "/team/app:3.0"),
                    endpoint,
                    ImageReference.parse(destination.authority() + "/mirror/a:3.0"),
                    endpoint);
            CopyResult second = copier.copy(
                    ImageReference.parse(source.authority() + "/team/app:3.0"),
                    endpoint,
                    ImageReference.parse(destination.authority() + "/mirror/b:3.0"),
                    endpoint);

            assertThat(second.blobsMounted()).isEqualTo(image.blobs().size());
            assertThat(second.blobsCopied()).isZero();
            assertThat(tokens.scopesRequested()).contains("repository:mirror/b:pull,push", "repository:mirror/a:pull");
        }
    }
}
