package org.ecrreplicator.worker.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.domain.ImageAction;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.contract.BuildResults;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.domain.state.Outcome;
import org.ecrreplicator.worker.engine.CopyResult;
import org.ecrreplicator.worker.engine.DeleteResult;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.SourceNotFoundException;
import org.ecrreplicator.worker.engine.ecr.EcrApi;
import org.ecrreplicator.worker.engine.referrer.SkippedReferrer;
import org.ecrreplicator.worker.engine.registry.Credentials;
import org.ecrreplicator.worker.engine.registry.RegistryClient;
import org.ecrreplicator.worker.engine.transfer.BlobLocations;
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
                "Converges one replication request on the source (run by CodeBuild).",
                "Makes the destination hold what the source holds now for the request in "
                        + BuildVariables.REPLICATION_REQUEST
                        + " (run by CodeBuild).",
                "Whatever the request's action, the tag (or digest) is copied, with the"
                        + " manifests that refer to it, when the source has it (" + BuildResults.OUTCOME + "="
                        + Outcome.REPLICATED + ", " + Outcome.UNCHANGED + ", or " + Outcome.KEPT
                        + " for a delete the source has overtaken); when the source lacks it, it is removed at the"
                        + " destination if " + BuildVariables.REPLICATE_DELETES + "=true (" + Outcome.DELETED + ", "
                        + Outcome.NOTHING_TO_DELETE + "), else left alone (" + Outcome.SOURCE_GONE + "). A tag"
                        + " removed where the registry cannot untag takes its digest along; sibling tags the source"
                        + " still has are put back.",
                "Environment: "
                        + String.join(
                                ", ",
                                BuildVariables.REPLICATION_REQUEST,
                                BuildVariables.SOURCE_REGISTRY,
                                BuildVariables.DESTINATION_REGISTRY,
                                BuildVariables.DESTINATION_REGION)
                        + ",",
                String.join(
                                ", ",
                                BuildVariables.CREATE_REPOSITORIES,
                                BuildVariables.IMAGE_TAG_MUTABILITY,
                                BuildVariables.SCAN_ON_PUSH,
                                BuildVariables.REGISTRY_INSECURE)
                        + ",",
                BuildVariables.REPLICATE_DELETES + " (default false), " + BuildVariables.COPY_REFERRERS
                        + " (default true),",
                String.join(
                                ", ",
                                BuildVariables.DESTINATION_ACCESS_KEY_ID,
                                BuildVariables.DESTINATION_SECRET_ACCESS_KEY,
                                CredentialsOption.SOURCE.variable(),
                                CredentialsOption.DESTINATION.variable())
                        + ".",
                "Writes " + String.join(", ", BuildResults.EXPORTED) + " to --output; each referrer left out is"
                        + " named on its own line of the log.",
                "Every outcome exits 0. A failure writes its one-line error as " + BuildResults.FAILURE_REASON
                        + " to --output as well, then exits non-zero.");
        spec.addMixin("connection", ConnectionOptions.transferMixin(ImageCopier.Options.ONE_IMAGE_CONCURRENCY));
        spec.addOption(CommandSpecs.option(OUTPUT, "FILE", Path.class, "Where to write the KEY=value results.")
                .required(true)
                .build());
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        try {
            return replicate();
        } catch (RuntimeException e) {
            writeFailure(CommandSpecs.value(spec, OUTPUT), e);
            throw e;
        }
    }

    private Integer replicate() {
        ReplicateConfig config = ReplicateConfig.from(environment);
        ReplicationRequest request = config.request();
        boolean insecure = config.insecure() || ConnectionOptions.insecure(spec);
        Endpoint source = null;
        Endpoint destination = null;
        Map<String, String> results;
        String detail;
        List<SkippedReferrer> skipped = List.of();
        // The build log is not a terminal: a long copy says every few seconds how far it has got.
        TransferLog progress =
                new TransferLog(spec.commandLine().getErr(), System::nanoTime, TransferLog.DEFAULT_INTERVAL);
        // The build's container starts empty: where earlier builds put blobs comes from the shared index in the
        // state table, when the build is told its name (decision 0072).
        Optional<String> table = environment.get(BuildVariables.TABLE_NAME).filter(name -> !name.isBlank());
        BlobLocations locations = new BlobLocations();
        try (SharedBlobIndex shared = table.map(name ->
                                SharedBlobIndex.opening(name, spec.commandLine().getErr()))
                        .orElse(null);
                ImageCopier copier = new ImageCopier(
                        ImageCopier.Options.defaults()
                                .withConcurrency(ConnectionOptions.concurrency(spec))
                                .withMaxManifests(ConnectionOptions.maxManifests(spec))
                                .withProgress(progress)
                                .withCopyReferrers(config.copyReferrers()),
                        locations)) {
            if (shared != null) {
                locations.index(shared);
            }
            source = sourceEndpoint(config, insecure, ecrFactory);
            destination = destinationEndpoint(config, insecure, ecrFactory);
            // Whatever the event said, the build makes the destination hold what the source holds now: a
            // tag (or digest) the source has is copied, one it lacks is removed where deletes replicate.
            ImageReference from = request.reference(config.sourceRegistry());
            ImageReference to = request.reference(config.destinationRegistry());
            try {
                CopyResult result = copier.copy(from, source, to, destination);
                Outcome outcome = request.action() == ImageAction.DELETE
                        ? Outcome.KEPT
                        : result.changed() ? Outcome.REPLICATED : Outcome.UNCHANGED;
                results = results(outcome, result.digest().toString(), null);
                results.put(BuildResults.BYTES_COPIED, Long.toString(result.bytesCopied()));
                results.put(BuildResults.BLOBS_COPIED, Integer.toString(result.blobsCopied()));
                results.put(BuildResults.BLOBS_SKIPPED, Integer.toString(result.blobsSkipped()));
                results.put(BuildResults.BLOBS_MOUNTED, Integer.toString(result.blobsMounted()));
                results.put(BuildResults.BYTES_MOUNTED, Long.toString(result.bytesMounted()));
                results.put(BuildResults.REFERRERS_COPIED, Integer.toString(result.referrersCopied()));
                results.put(
                        BuildResults.REFERRERS_SKIPPED,
                        Integer.toString(result.referrersSkipped().size()));
                skipped = result.referrersSkipped();
                detail = (outcome == Outcome.KEPT ? "the source holds it, so the destination keeps it; " : "")
                        + result.referrersCopied() + " referrers copied"
                        + (skipped.isEmpty() ? "" : ", " + skipped.size() + " skipped");
            } catch (SourceNotFoundException e) {
                if (!config.replicateDeletes()) {
                    results = results(Outcome.SOURCE_GONE, "", null);
                    detail = "source not found (SourceNotFound); deletes do not replicate";
                } else {
                    RegistryClient sourceRegistry = copier.client(from.authority(), source);
                    // A sibling tag comes back only while the source still has it.
                    DeleteResult deleted = copier.delete(to, destination, tag -> sourceRegistry
                            .headManifest(request.repository(), tag)
                            .isPresent());
                    if (deleted.deleted()) {
                        results = results(
                                Outcome.DELETED,
                                deleted.digest() == null ? "" : deleted.digest().toString(),
                                deleted.removedDigest());
                        detail = "source not found, so removed at the destination"
                                + (deleted.removedDigest() == null
                                        ? ""
                                        : "; digest " + deleted.removedDigest() + " deleted"
                                                + (deleted.restoredTags().isEmpty()
                                                        ? ""
                                                        : ", sibling tags put back: "
                                                                + String.join(", ", deleted.restoredTags())));
                    } else {
                        results = results(Outcome.NOTHING_TO_DELETE, "", null);
                        detail = "source not found, and the destination does not have it either";
                    }
                }
            }
        } finally {
            Endpoints.close(source, destination);
        }
        write(CommandSpecs.value(spec, OUTPUT), results);
        PrintWriter out = spec.commandLine().getOut();
        String digest = results.get(BuildResults.REPLICATED_DIGEST);
        out.println("replicate " + request.action() + " " + request.imageKey() + ": "
                + results.get(BuildResults.OUTCOME) + (digest.isEmpty() ? "" : " " + digest) + " (" + detail + ")");
        // The build log is the operator's record of what was left out, one line each.
        for (SkippedReferrer referrer : skipped) {
            out.println("skipped " + CopyCommand.skipped(referrer));
        }
        out.flush();
        return 0;
    }

    /** The build's source: named credentials, else the build's role for ECR, else anonymous. */
    static Endpoint sourceEndpoint(ReplicateConfig config, boolean insecure, EcrFactory ecrFactory) {
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

    /** The build's destination: the other partition's keys for ECR, else named credentials, else anonymous. */
    static Endpoint destinationEndpoint(ReplicateConfig config, boolean insecure, EcrFactory ecrFactory) {
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

    /** Every exported key, in the buildspec's order: counts 0 and digests empty unless set later. */
    private static Map<String, String> results(Outcome outcome, String digest, Digest removed) {
        Map<String, String> results = new LinkedHashMap<>();
        for (String key : BuildResults.EXPORTED) {
            results.put(key, "");
        }
        results.put(BuildResults.OUTCOME, outcome.name());
        results.put(BuildResults.REPLICATED_DIGEST, digest);
        results.put(BuildResults.BYTES_COPIED, "0");
        results.put(BuildResults.BLOBS_COPIED, "0");
        results.put(BuildResults.BLOBS_SKIPPED, "0");
        results.put(BuildResults.BLOBS_MOUNTED, "0");
        results.put(BuildResults.BYTES_MOUNTED, "0");
        results.put(BuildResults.REFERRERS_COPIED, "0");
        results.put(BuildResults.REFERRERS_SKIPPED, "0");
        results.put(BuildResults.REMOVED_DIGEST, removed == null ? "" : removed.toString());
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

    /** The longest reason written: a cause for Step Functions and the state table, not a log. */
    static final int MAX_FAILURE_REASON = 1000;

    /**
     * The build failed: the same one line the command prints after "error: " (our messages name hosts, users
     * and fixes, never a secret value) goes to the results file, for the buildspec's post_build to export.
     * A failure to write it is added to the original, which still decides the exit.
     */
    static void writeFailure(Path file, RuntimeException failure) {
        Map<String, String> results = new LinkedHashMap<>();
        BuildResults.EXPORTED.forEach(key -> results.put(key, ""));
        String reason = ReplicatorCommand.message(failure);
        results.put(
                BuildResults.FAILURE_REASON,
                reason.length() > MAX_FAILURE_REASON ? reason.substring(0, MAX_FAILURE_REASON - 3) + "..." : reason);
        try {
            write(file, results);
        } catch (RuntimeException e) {
            failure.addSuppressed(e);
        }
    }
}
