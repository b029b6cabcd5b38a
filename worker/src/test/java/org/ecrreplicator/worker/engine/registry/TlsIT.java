package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.engines.FreePorts;
import org.ecrreplicator.engines.RegistryProcess;
import org.ecrreplicator.engines.SampleImages;
import org.ecrreplicator.worker.engine.CopyResult;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.FaultProxy;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.RegistryAssertions;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS goes through the JDK's default trust store even though the copier creates its TLS context only on the
 * first TLS connection ({@link LazyTls}): a registry whose certificate nothing trusts is refused at once.
 */
class TlsIT {
    private static final String STORE_PASSWORD = "fake-test-store-password";

    @TempDir
    Path temp;

    /** A TLS context serving a new self-signed certificate for 127.0.0.1; its certificate in {@code trusted}. */
    private SSLContext serverContext(KeyStore trusted) throws Exception {
        Path keyStore = temp.resolve("registry-" + System.nanoTime() + ".p12");
        Process keytool = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "keytool")
                                .toString(),
                        "-genkeypair",
                        "-alias",
                        "registry",
                        "-keyalg",
                        "EC",
                        "-groupname",
                        "secp256r1",
                        "-dname",
                        "CN=127.0.0.1",
                        "-ext",
                        "SAN=IP:127.0.0.1",
                        "-validity",
                        "2",
                        "-storetype",
                        "PKCS12",
                        "-keystore",
                        keyStore.toString(),
                        "-storepass",
                        STORE_PASSWORD)
                .redirectErrorStream(true)
                .start();
        String keytoolOutput = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(keytoolOutput).isZero();

        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, STORE_PASSWORD.toCharArray());
        }
        if (trusted != null) {
            trusted.setCertificateEntry("registry-" + trusted.size(), store.getCertificate("registry"));
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, STORE_PASSWORD.toCharArray());
        SSLContext serverContext = SSLContext.getInstance("TLS");
        serverContext.init(keys.getKeyManagers(), null, null);
        return serverContext;
    }

    @Test
    void shouldRefuseTheRegistryWithoutRetryingWhenItsCertificateIsNotTrusted() throws Exception {
        SSLContext serverContext = serverContext(null);

        AtomicInteger served = new AtomicInteger();
        HttpsServer server =
                HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), FreePorts.next()), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
        server.createContext("/", exchange -> {
            served.incrementAndGet();
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        try (ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            String authority = "127.0.0.1:" + server.getAddress().getPort();
            assertThatThrownBy(() -> copier.copy(
                            ImageReference.parse(authority + "/tls/app:1"),
                            Endpoint.anonymous(false),
                            ImageReference.parse(authority + "/tls/copy:1"),
                            Endpoint.anonymous(false)))
                    .isInstanceOf(ReplicatorException.class)
                    .hasMessageContaining("GET manifest tls/app:1 from " + authority)
                    .hasMessageContaining("TLS failed")
                    .hasMessageNotContaining("attempts");
            assertThat(served.get()).as("no request got past the handshake").isZero();
        } finally {
            server.stop(0);
        }
    }

    /**
     * Blobs travel over the blocking connections (decision 0076) and everything else over the JDK's HTTP
     * client: both must verify the registries' certificates and host names with the same default context.
     */
    @Test
    void shouldCopyAnImageBetweenTlsRegistriesWhenTheirCertificatesAreTrusted() throws Exception {
        KeyStore trusted = KeyStore.getInstance("PKCS12");
        trusted.load(null, null);
        SSLContext sourceTls = serverContext(trusted);
        SSLContext destinationTls = serverContext(trusted);
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, trust.getTrustManagers(), null);
        SSLContext previous = SSLContext.getDefault();
        SSLContext.setDefault(client);
        try (RegistryProcess source = RegistryProcess.startAnonymous();
                RegistryProcess destination = RegistryProcess.startAnonymous();
                FaultProxy sourceFront = FaultProxy.tls(source.baseUri(), sourceTls);
                FaultProxy destinationFront = FaultProxy.tls(destination.baseUri(), destinationTls);
                ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            SampleImages.Image image = SampleImages.seed(38)
                    .layerSizes(3_000_000, 500_000)
                    .pushOciIndex(SampleImages.Target.anonymous(source.baseUri()), "tls/app", "1");

            CopyResult result = copier.copy(
                    ImageReference.parse(sourceFront.authority() + "/tls/app:1"),
                    Endpoint.anonymous(false),
                    ImageReference.parse(destinationFront.authority() + "/tls/app:1"),
                    Endpoint.anonymous(false));

            assertThat(result.blobsCopied()).isEqualTo(image.blobs().size());
            assertThat(sourceFront.requests("GET", "/blobs/sha256:"))
                    .isEqualTo(image.blobs().size());
            assertThat(destinationFront.requests("PUT", "/blobs/uploads/"))
                    .isEqualTo(image.blobs().size());
            RegistryAssertions.assertExactCopy(destination.baseUri(), null, "tls/app", "1", image);
        } finally {
            SSLContext.setDefault(previous);
        }
    }
}
