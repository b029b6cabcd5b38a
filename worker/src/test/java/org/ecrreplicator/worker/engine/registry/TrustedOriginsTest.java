package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Where a registry's credentials may go: its realm and upload locations, judged without a network. */
class TrustedOriginsTest {
    private final TrustedOrigins none = TrustedOrigins.none();

    @Test
    void shouldAllowTheRegistrysOwnHostAndItsSiblingsWhenTheRealmIsHttps() {
        assertThat(none.refusal(URI.create("https://ghcr.io/token"), "ghcr.io", false))
                .isNull();
        assertThat(none.refusal(URI.create("https://auth.docker.io/token"), "registry-1.docker.io", false))
                .isNull();
        assertThat(none.refusal(
                        URI.create("https://auth.registry.example.com:8443/token"), "registry.example.com:5000", false))
                .isNull();
    }

    @Test
    void shouldRefuseAnotherDomainAndNameTheVariableWhenTheRealmIsElsewhere() {
        assertThat(none.refusal(URI.create("https://auth.example.net/token"), "registry.example.com", false))
                .contains("neither on the registry's host nor in its domain")
                .contains("REPLICATOR_TRUSTED_REALMS=auth.example.net");
        assertThat(new TrustedOrigins(Set.of(" Auth.Example.NET "))
                        .refusal(URI.create("https://auth.example.net/token"), "registry.example.com", false))
                .isNull();
    }

    @Test
    void shouldRefuseSharedParentsWhenTheyAreNoSignOfTheSameOwner() {
        // Anyone can serve HTTPS under execute-api.<region>.amazonaws.com, or have a host under co.uk.
        assertThat(TrustedOrigins.sameDomain(
                        "123456789012.dkr.ecr.us-east-1.amazonaws.com", "abc.execute-api.us-east-1.amazonaws.com"))
                .isFalse();
        assertThat(TrustedOrigins.sameDomain("example.co.uk", "evil.co.uk")).isFalse();
        assertThat(TrustedOrigins.sameDomain("mine.github.io", "theirs.github.io"))
                .isFalse();
        assertThat(TrustedOrigins.sameDomain("ghcr.io", "evil.io")).isFalse();
        assertThat(TrustedOrigins.sameDomain("127.0.0.1", "127.0.0.2")).isFalse();
        assertThat(TrustedOrigins.sameDomain(
                        "123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn",
                        "210987654321.dkr.ecr.cn-north-1.amazonaws.com.cn"))
                .isTrue();
    }

    @Test
    void shouldAllowPlainHttpOnlyToLoopbackWhenTheRegistryIsInsecure() {
        URI loopback = URI.create("http://127.0.0.1:5001/token");
        assertThat(none.refusal(loopback, "127.0.0.1:5000", true)).isNull();
        assertThat(none.refusal(loopback, "127.0.0.1:5000", false)).contains("is plain HTTP");
        assertThat(none.refusal(URI.create("http://auth.example.com/token"), "registry.example.com", true))
                .contains("is plain HTTP");
        assertThat(none.refusal(URI.create("http://auth.example.com/token"), "registry.example.com", false))
                .contains("is plain HTTP");
        assertThat(none.refusal(URI.create("http://localhost:5001/token"), "127.0.0.1:5000", true))
                .contains("neither on the registry's host");
        assertThat(none.refusal(URI.create("ftp://registry.example.com/token"), "registry.example.com", false))
                .contains("neither HTTPS nor HTTP");
    }

    @Test
    void shouldRecogniseEcrHostsWhenTheyHaveAnAccountAndRegion() {
        assertThat(TrustedOrigins.isEcrHost("123456789012.dkr.ecr.us-east-1.amazonaws.com"))
                .isTrue();
        assertThat(TrustedOrigins.isEcrHost("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn:443"))
                .isTrue();
        assertThat(TrustedOrigins.isEcrHost("123456789012.dkr.ecr-fips.us-gov-west-1.amazonaws.com"))
                .isTrue();
        assertThat(TrustedOrigins.isEcrHost("registry.example.com")).isFalse();
        assertThat(TrustedOrigins.isEcrHost("127.0.0.1:5000")).isFalse();
    }
}
