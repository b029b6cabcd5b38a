package org.ecrreplicator.engines;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real CNCF distribution registry (the Debian {@code docker-registry} binary) on 127.0.0.1 with a port
 * chosen at run time, filesystem storage in a temporary directory, and anonymous, htpasswd or token auth.
 * It can be stopped and started again on the same port and storage, to test failures mid-copy.
 */
public final class RegistryProcess implements AutoCloseable {
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path directory;
    private final Path config;
    private final Path log;
    private final int port;
    private final String binary;
    private final boolean ownsDirectory;
    private Process process;

    private RegistryProcess(Path directory, Path config, int port, String binary, boolean ownsDirectory) {
        this.directory = directory;
        this.config = config;
        this.log = directory.resolve("registry.log");
        this.port = port;
        this.binary = binary;
        this.ownsDirectory = ownsDirectory;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** An anonymous registry with deletes enabled. */
    public static RegistryProcess startAnonymous() {
        return builder().start();
    }

    /** The registry binary: {@code REGISTRY_BIN}, else {@code docker-registry} from Debian's package. */
    public static String binary() {
        String configured = System.getenv("REGISTRY_BIN");
        if (configured != null && !configured.isBlank()) {
            return configured;
        }
        for (String candidate : List.of("/usr/bin/docker-registry", "/usr/local/bin/docker-registry")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        throw new IllegalStateException("the CNCF distribution registry is not installed: run "
                + "'sudo apt-get install docker-registry' (Debian/Ubuntu) or set REGISTRY_BIN to a registry binary");
    }

    public static boolean isInstalled() {
        try {
            binary();
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    public int port() {
        return port;
    }

    /** {@code 127.0.0.1:port}: the host part of image references. */
    public String authority() {
        return "127.0.0.1:" + port;
    }

    public URI baseUri() {
        return URI.create("http://" + authority());
    }

    public Path directory() {
        return directory;
    }

    public Path storage() {
        return directory.resolve("storage");
    }

    public Path logFile() {
        return log;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    public synchronized RegistryProcess startProcess() {
        if (isRunning()) {
            return this;
        }
        try {
            process = new ProcessBuilder(binary, "serve", config.toString())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        awaitReady();
        return this;
    }

    /** Stops the process, keeping port and storage so {@link #startProcess()} brings the same registry back. */
    public synchronized void stopProcess() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private void awaitReady() {
        HttpClient client =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("registry exited with " + process.exitValue() + ": " + tail());
            }
            try {
                HttpResponse<Void> response = client.send(
                        HttpRequest.newBuilder(baseUri().resolve("/v2/"))
                                .timeout(Duration.ofSeconds(1))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200 || response.statusCode() == 401) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the registry", e);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for the registry", e);
            }
        }
        throw new IllegalStateException(
                "registry did not answer on " + baseUri() + " within " + START_TIMEOUT + ": " + tail());
    }

    /** The end of the registry's log, for failure messages. */
    public String tail() {
        try {
            List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        stopProcess();
        if (ownsDirectory) {
            deleteTree(directory);
        }
    }

    /**
     * Removes one tag and keeps the image and its other tags, as ECR's untag does: distribution 2.8 has no
     * untag call, so the tag's link is removed from the filesystem storage, which it reads afresh on every
     * request.
     */
    public void untag(String repository, String tag) {
        Path tagDirectory = storage()
                .resolve("docker/registry/v2/repositories")
                .resolve(repository)
                .resolve("_manifests/tags")
                .resolve(tag);
        deleteTree(tagDirectory);
        if (java.nio.file.Files.exists(tagDirectory)) {
            throw new IllegalStateException("cannot remove tag " + tag + " of " + repository);
        }
    }

    /** Deletes a directory tree, best effort. */
    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder())
                    .forEach(path -> path.toFile().delete());
        } catch (IOException e) {
            // best effort: a leftover temp directory is not worth failing a test over
        }
    }

    /** Builds the registry's config.yml. */
    public static final class Builder {
        private String htpasswdUser;
        private String htpasswdPassword;
        private TokenAuth tokenAuth;
        private final List<String> extraConfig = new ArrayList<>();
        private Path directory;
        private int port;

        private record TokenAuth(String realm, String service, String issuer, TokenIssuer signer) {}

        public Builder htpasswd(String user, String password) {
            this.htpasswdUser = user;
            this.htpasswdPassword = password;
            return this;
        }

        public Builder token(URI realm, String service, TokenIssuer issuer) {
            this.tokenAuth = new TokenAuth(realm.toString(), service, issuer.issuer(), issuer);
            return this;
        }

        /** Top-level YAML appended to the configuration, e.g. a {@code notifications:} block. */
        public Builder extraConfig(String yaml) {
            extraConfig.add(yaml);
            return this;
        }

        /** Keep storage in this directory (it is not deleted on close). */
        public Builder directory(Path directory) {
            this.directory = directory;
            return this;
        }

        public Builder port(int port) {
            this.port = port;
            return this;
        }

        public RegistryProcess start() {
            try {
                boolean owns = directory == null;
                Path dir = owns ? Files.createTempDirectory("registry-") : Files.createDirectories(directory);
                int chosenPort = port > 0 ? port : FreePorts.next();
                Files.createDirectories(dir.resolve("storage"));
                StringBuilder yaml = new StringBuilder();
                yaml.append("version: 0.1\n")
                        .append("log:\n  level: info\n  accesslog:\n    disabled: true\n")
                        .append("storage:\n  filesystem:\n    rootdirectory: ")
                        .append(dir.resolve("storage"))
                        .append("\n  delete:\n    enabled: true\n")
                        .append("  maintenance:\n    uploadpurging:\n      enabled: false\n")
                        .append("http:\n  addr: 127.0.0.1:")
                        .append(chosenPort)
                        .append("\n  secret: test-only-upload-state-secret\n")
                        .append("  headers:\n    X-Content-Type-Options: [nosniff]\n");
                if (htpasswdUser != null) {
                    Path file = dir.resolve("htpasswd");
                    Files.writeString(file, Htpasswd.line(htpasswdUser, htpasswdPassword));
                    yaml.append("auth:\n  htpasswd:\n    realm: test-realm\n    path: ")
                            .append(file)
                            .append('\n');
                } else if (tokenAuth != null) {
                    Path bundle = tokenAuth.signer().writeRootCertBundle(dir.resolve("token-root.pem"));
                    yaml.append("auth:\n  token:\n    realm: ")
                            .append(tokenAuth.realm())
                            .append("\n    service: ")
                            .append(tokenAuth.service())
                            .append("\n    issuer: ")
                            .append(tokenAuth.issuer())
                            .append("\n    rootcertbundle: ")
                            .append(bundle)
                            .append('\n');
                }
                extraConfig.forEach(fragment -> yaml.append(fragment).append('\n'));
                Path config = dir.resolve("config.yml");
                Files.writeString(config, yaml.toString());
                return new RegistryProcess(dir, config, chosenPort, binary(), owns).startProcess();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot prepare the registry directory", e);
            }
        }
    }
}
