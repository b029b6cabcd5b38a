package org.ecrreplicator.worker.engine.registry;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.stream.Collectors;

/**
 * Run in a JVM of its own by {@link HttpConnectionsTest}: one exchange from a virtual thread, through {@link
 * HttpConnections} ({@code engine}), through a registry client whose password source asks a server itself
 * ({@code issued}), or on a plain connection ({@code direct}), then prints the names of the JDK's poller threads
 * alive. A poller waits in native code, which holds up the JVM's exit by 300 ms.
 */
public final class PollerProbe {
    private PollerProbe() {}

    private static void ask(URI uri) {
        try {
            HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
            connection.getResponseCode();
            InputStream error = connection.getErrorStream();
            if (error != null) {
                error.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(404, -1);
            exchange.close();
        });
        server.start();
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v2/");
        HttpConnections http = HttpConnections.forRegistries();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                switch (args[0]) {
                    case "engine" -> http.exchange(HttpConnections.Request.to(uri), CappedBody.cutAt(1024));
                    case "issued" -> {
                        // A password source that asks a server itself, as ECR's does through the AWS SDK.
                        PasswordSource source = new PasswordSource() {
                            @Override
                            public Password current() {
                                ask(uri);
                                return new Password("AWS", "fake-password");
                            }

                            @Override
                            public void refused(String password) {}
                        };
                        new RegistryClient(
                                        uri.getAuthority(),
                                        true,
                                        Credentials.issued(source),
                                        http,
                                        RetryPolicy.defaults())
                                .headManifest("team/app", "v1");
                    }
                    default -> ask(uri);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        caller.join();
        String pollers = Thread.getAllStackTraces().keySet().stream()
                .map(Thread::getName)
                .filter(name -> name.contains("Poller"))
                .sorted()
                .collect(Collectors.joining(","));
        System.out.println("pollers=" + pollers);
        http.shutdownNow();
        server.stop(0);
    }
}
