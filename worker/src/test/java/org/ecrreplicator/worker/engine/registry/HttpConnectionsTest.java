package org.ecrreplicator.worker.engine.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.ecrreplicator.worker.engine.registry.HttpConnections.Answer;
import org.ecrreplicator.worker.engine.registry.HttpConnections.Request;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Small exchanges on the JDK's blocking connections, against a loopback HTTP server. */
class HttpConnectionsTest {
    private final HttpConnections http = HttpConnections.forRegistries();
    private final Map<String, String> seen = new ConcurrentHashMap<>();
    private final CountDownLatch arrived = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor();
    private HttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/body/", exchange -> {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            answer(exchange, Integer.parseInt(parts[2]), new byte[Integer.parseInt(parts[3])]);
        });
        server.createContext("/redirect", exchange -> {
            exchange.getResponseHeaders().add("Location", "http://elsewhere.example/blob");
            answer(exchange, 307, new byte[0]);
        });
        server.createContext("/echo", exchange -> {
            seen.put("method", exchange.getRequestMethod());
            exchange.getRequestHeaders().forEach((name, values) -> seen.put(name.toLowerCase(), values.get(0)));
            seen.put("body", new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            answer(exchange, 202, new byte[0]);
        });
        server.createContext("/stall", exchange -> {
            arrived.countDown();
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            answer(exchange, 200, new byte[0]);
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        release.countDown();
        callers.shutdownNow();
        server.stop(0);
    }

    private static void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    @Test
    void shouldReadASuccessBodyOneBytePastItsLimitWhenTheRegistrySendsMore() throws Exception {
        Answer answer = http.exchange(Request.to(uri("/body/200/100000")), CappedBody.successUpTo(10));

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).hasSize(11);
    }

    @Test
    void shouldReadTheWholeBodyAndItsHeadersWhenWithinTheLimit() throws Exception {
        Answer answer = http.exchange(Request.to(uri("/body/200/10")), CappedBody.successUpTo(10));

        assertThat(answer.body()).hasSize(10);
        assertThat(answer.headers().firstValue("content-length")).contains("10");
        assertThat(answer.uri()).isEqualTo(uri("/body/200/10"));
    }

    @Test
    void shouldCutAnErrorBodyAt64KibWhenTheRegistrySendsMore() throws Exception {
        Answer answer = http.exchange(Request.to(uri("/body/500/200000")), CappedBody.successUpTo(4 << 20));

        assertThat(answer.status()).isEqualTo(500);
        assertThat(answer.body()).hasSize(CappedBody.ERROR_BODY_BYTES);
    }

    @Test
    void shouldAnswerTheRedirectWhenTheRegistryRedirects() throws Exception {
        Answer answer = http.exchange(Request.to(uri("/redirect")), CappedBody.cutAt(1024));

        assertThat(answer.status()).isEqualTo(307);
        assertThat(answer.headers().firstValue("Location")).contains("http://elsewhere.example/blob");
    }

    /** Other registry clients send an empty POST with its length; the JDK would call it a form unless told. */
    @Test
    void shouldSendAnEmptyBodyWithItsLengthAndNoFormTypeWhenPosting() throws Exception {
        Answer answer = http.exchange(Request.to(uri("/echo")).post(), CappedBody.cutAt(1024));

        assertThat(answer.status()).isEqualTo(202);
        assertThat(seen)
                .containsEntry("method", "POST")
                .containsEntry("content-length", "0")
                .containsEntry("content-type", "application/octet-stream")
                .containsEntry("body", "");
    }

    @Test
    void shouldSendTheBodyTypeAndHeadersWhenPutting() throws Exception {
        http.exchange(
                Request.to(uri("/echo"))
                        .header("Authorization", "Bearer fake-token")
                        .put("{}".getBytes(StandardCharsets.UTF_8), "application/vnd.oci.image.manifest.v1+json"),
                CappedBody.cutAt(1024));

        assertThat(seen)
                .containsEntry("method", "PUT")
                .containsEntry("content-type", "application/vnd.oci.image.manifest.v1+json")
                .containsEntry("authorization", "Bearer fake-token")
                .containsEntry("body", "{}");
    }

    @Test
    void shouldBreakAnExchangeInFlightAndRefuseNewOnesWhenShutDown() throws Exception {
        Future<Answer> waiting = callers.submit(() -> http.exchange(Request.to(uri("/stall")), CappedBody.cutAt(1)));
        assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();

        http.shutdownNow();

        assertThatThrownBy(() -> waiting.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(IOException.class);
        assertThatThrownBy(() -> http.exchange(Request.to(uri("/body/200/1")), CappedBody.cutAt(1)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("cancelled");
    }

    /** A cancelled copy interrupts its tasks: that is no broken connection to retry. */
    @Test
    void shouldThrowInterruptedWhenTheCallingThreadIsInterruptedWhileWaiting() throws Exception {
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                http.exchange(Request.to(uri("/stall")), CappedBody.cutAt(1));
            } catch (Throwable e) {
                thrown.set(e);
            }
        });
        assertThat(arrived.await(10, TimeUnit.SECONDS)).isTrue();

        caller.interrupt();

        assertThat(caller.join(Duration.ofSeconds(10))).isTrue();
        assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
    }

    /**
     * A virtual thread's blocking socket call starts the JDK's poller, which waits in native code and holds up
     * every exit of the CLI by 300 ms; the exchange, and a password source's own request (ECR's), block on a
     * platform thread instead. The plain connection shows that the probe sees a poller when there is one.
     */
    @Test
    void shouldStartNoPollerThreadWhenAVirtualThreadExchanges() throws Exception {
        assertThat(probe("engine")).isEqualTo("pollers=");
        assertThat(probe("issued")).isEqualTo("pollers=");
        assertThat(probe("direct")).startsWith("pollers=").isNotEqualTo("pollers=");
    }

    private static String probe(String mode) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process process = new ProcessBuilder(
                        java, "-cp", System.getProperty("java.class.path"), PollerProbe.class.getName(), mode)
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
