package org.ecrreplicator.worker.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.ecrreplicator.domain.ImageAction;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.worker.engine.CopyResult;
import org.ecrreplicator.worker.engine.Credentials;
import org.ecrreplicator.worker.engine.DeleteResult;
import org.ecrreplicator.worker.engine.EcrApi;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.SourceNotFoundException;
import picocli.CommandLine.Model.CommandSpec;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * The build's step: carries out one replication request from the environment CodeBuild sets and writes the
 * outcome as {@code KEY=value} lines for the buildspec to export.
 */
final class ReplicateCommand implements Callable<Integer> {
    private static final String OUTPUT = "--output";

    private final CommandSpec spec;
    private final Environment environment;
    private final EcrFactory ecrFactory;

    ReplicateCommand(Environment environment, EcrFactory ecrFactory) {
        this.environment = environment;
        this.ecrFactory = ecrFactory;
        spec = CommandSpecs.command(
                this,
                "replicate",
                "Carries out the replication request in REPLICATION_REQUEST (run by CodeBuild).",
                "Environment: REPLICATION_REQUEST, SOURCE_REGISTRY, DESTINATION_REGISTRY, DESTINATION_REGION,",
                "CREATE_REPOSITORIES, IMAGE_TAG_MUTABILITY, SCAN_ON_PUSH, REGISTRY_INSECURE,",
                "DESTINATION_ACCESS_KEY_ID, DESTINATION_SECRET_ACCESS_KEY, REPLICATOR_SRC_CREDS, REPLICATOR_DEST_CREDS.",
                "Writes OUTCOME, REPLICATED_DIGEST, BYTES_COPIED, BLOBS_COPIED, BLOBS_SKIPPED to --output.",
                "A source that no longer exists is OUTCOME=SOURCE_GONE and exit 0.");
        spec.addMixin("connection", ConnectionOptions.transferMixin());
        spec.addOption(CommandSpecs.option(OUTPUT, "FILE", Path.class, "Where to write the KEY=value results.")
                .required(true)
                .build());
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        ReplicateConfig config = ReplicateConfig.from(environment);
        ReplicationRequest request = config.request();
        boolean insecure = config.insecure() || ConnectionOptions.insecure(spec);
        Endpoint source = null;
        Endpoint destination = null;
        Map<String, String> results;
        try (ImageCopier copier =
                new ImageCopier(ImageCopier.Options.defaults().withConcurrency(ConnectionOptions.concurrency(spec)))) {
            destination = destinationEndpoint(config, insecure);
            ImageReference target = ImageReference.parse(config.destinationRegistry() + "/" + request.repository());
            if (request.action() == ImageAction.DELETE) {
                ImageReference doomed =
                        request.tag() != null ? target.withTag(request.tag()) : target.withDigest(request.digest());
                DeleteResult result = copier.delete(doomed, destination);
                results = outcome(
                        result.deleted() ? "DELETED" : "NOTHING_TO_DELETE",
                        String.valueOf(result.digest() == null ? request.digest() : result.digest()),
                        0,
                        0,
                        0);
            } else {
                source = sourceEndpoint(config, insecure);
                ImageReference from = ImageReference.parse(config.sourceRegistry() + "/" + request.repository());
                from = request.tag() != null ? from.withTag(request.tag()) : from.withDigest(request.digest());
                ImageReference to =
                        request.tag() != null ? target.withTag(request.tag()) : target.withDigest(request.digest());
                try {
                    CopyResult result = copier.copy(from, source, to, destination);
                    results = outcome(
                            "REPLICATED",
                            result.digest().toString(),
                            result.bytesCopied(),
                            result.blobsCopied(),
                            result.blobsSkipped());
                } catch (SourceNotFoundException e) {
                    results = outcome("SOURCE_GONE", "", 0, 0, 0);
                }
            }
        } finally {
            Endpoints.close(source, destination);
        }
        write(CommandSpecs.value(spec, OUTPUT), results);
        PrintWriter out = spec.commandLine().getOut();
        out.println("replicate " + request.action() + " " + request.imageKey() + ": " + results.get("OUTCOME")
                + (results.get("REPLICATED_DIGEST").isEmpty() ? "" : " " + results.get("REPLICATED_DIGEST")));
        out.flush();
        return 0;
    }

    private Endpoint sourceEndpoint(ReplicateConfig config, boolean insecure) {
        if (config.sourceCredentials() != null) {
            return Endpoint.of(
                    Credentials.parseUserPassword(config.sourceCredentials(), CredentialsOption.SOURCE.variable()),
                    insecure);
        }
        if (config.sourceIsEcr()) {
            // The build's own role, through the default chain.
            EcrApi api = ecrFactory.create(
                    Region.of(config.sourceRegion()),
                    DefaultCredentialsProvider.builder().build(),
                    ReplicateConfig.accountOf(config.sourceRegistry()),
                    EcrApi.RepositoryDefaults.noCreate());
            return Endpoint.ecr(api, insecure);
        }
        return Endpoint.anonymous(insecure);
    }

    private Endpoint destinationEndpoint(ReplicateConfig config, boolean insecure) {
        if (config.destinationIsEcr()) {
            // The other partition's IAM user: its keys, never the build's role.
            EcrApi api = ecrFactory.create(
                    Region.of(config.destinationRegion()),
                    StaticCredentialsProvider.create(AwsBasicCredentials.create(
                            config.destinationAccessKeyId(), config.destinationSecretAccessKey())),
                    ReplicateConfig.accountOf(config.destinationRegistry()),
                    config.repositoryDefaults());
            return Endpoint.ecr(api, insecure);
        }
        if (config.destinationCredentials() != null) {
            return Endpoint.of(
                    Credentials.parseUserPassword(
                            config.destinationCredentials(), CredentialsOption.DESTINATION.variable()),
                    insecure);
        }
        return Endpoint.anonymous(insecure);
    }

    private static Map<String, String> outcome(
            String outcome, String digest, long bytes, int blobsCopied, int blobsSkipped) {
        Map<String, String> results = new LinkedHashMap<>();
        results.put("OUTCOME", outcome);
        results.put("REPLICATED_DIGEST", digest);
        results.put("BYTES_COPIED", Long.toString(bytes));
        results.put("BLOBS_COPIED", Integer.toString(blobsCopied));
        results.put("BLOBS_SKIPPED", Integer.toString(blobsSkipped));
        return results;
    }

    /** Written to a temporary file and moved, so a reader never sees half the results. */
    static void write(Path file, Map<String, String> results) {
        StringBuilder text = new StringBuilder();
        results.forEach(
                (key, value) -> text.append(key).append('=').append(value).append('\n'));
        try {
            Path absolute = file.toAbsolutePath();
            Path temporary = Files.createTempFile(absolute.getParent(), ".replicate-", ".tmp");
            Files.writeString(temporary, text, StandardCharsets.UTF_8);
            Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the results to " + file + ": " + e.getMessage(), e);
        }
    }
}
