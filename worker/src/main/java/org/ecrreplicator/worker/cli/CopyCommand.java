package org.ecrreplicator.worker.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.worker.engine.CopyResult;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.referrer.SkippedReferrer;
import org.ecrreplicator.worker.engine.transfer.ProgressListener;
import picocli.CommandLine.Model.CommandSpec;

/** {@code replicator copy [options] SOURCE DESTINATION}. */
final class CopyCommand implements Callable<Integer> {
    private static final String NO_REFERRERS = "--no-referrers";

    private final CommandSpec spec;
    private final Environment environment;
    private final EcrFactory ecrFactory;

    CopyCommand(Environment environment, EcrFactory ecrFactory) {
        this.environment = environment;
        this.ecrFactory = ecrFactory;
        spec = CommandSpecs.command(
                this,
                "copy",
                "Copies an image exactly: every platform, the same digests.",
                "SOURCE and DESTINATION are host[:port]/repository[:tag|@digest]; a tag is resolved when the copy"
                        + " starts.",
                "Manifests that refer to the image (signatures, SBOMs, attestations: OCI 1.1 subject) are copied"
                        + " with it, exact, unless --no-referrers; each one the destination refuses is named in a"
                        + " warning on stderr.");
        CommandSpecs.exitCodes(
                spec, "0:copied", "1:failed (one line on stderr)", "2:bad arguments", "3:the source does not exist");
        spec.addMixin("connection", ConnectionOptions.transferMixin(ImageCopier.Options.ONE_IMAGE_CONCURRENCY));
        spec.addMixin("sourceCredentials", CredentialsOption.SOURCE.mixin());
        spec.addMixin("destinationCredentials", CredentialsOption.DESTINATION.mixin());
        spec.addMixin("awsCredentials", AwsCredentialsOptions.mixin());
        spec.addOption(CommandSpecs.flag("--json", "Print exactly one JSON object with the result on stdout."));
        spec.addOption(
                CommandSpecs.flag(NO_REFERRERS, "Copy the image alone, without the manifests that refer to it."));
        spec.addOption(BlobLocationCache.flag());
        spec.addPositional(CommandSpecs.positional(0, "SOURCE", "The image to copy."));
        spec.addPositional(CommandSpecs.positional(1, "DESTINATION", "Where to copy it."));
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    // The interruption hook acts while it is open; the body never needs to name it.
    @SuppressWarnings("try")
    public Integer call() {
        ImageReference from = References.parse(CommandSpecs.positional(spec, 0), "SOURCE");
        ImageReference to = References.parse(CommandSpecs.positional(spec, 1), "DESTINATION");
        boolean insecure = ConnectionOptions.insecure(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Endpoint sourceEndpoint = null;
        Endpoint destinationEndpoint = null;
        ProgressDisplay display = ProgressDisplay.stderrIsTerminal() ? new ProgressDisplay(err) : null;
        ProgressListener progress =
                display != null ? display : new TransferLog(err, System::nanoTime, TransferLog.DEFAULT_INTERVAL);
        try (BlobLocationCache cache =
                        BlobLocationCache.forCommand(CommandSpecs.flag(spec, BlobLocationCache.NO_CACHE), environment);
                ImageCopier copier = new ImageCopier(
                        ImageCopier.Options.defaults()
                                .withConcurrency(ConnectionOptions.concurrency(spec))
                                .withMaxManifests(ConnectionOptions.maxManifests(spec))
                                .withProgress(progress)
                                .withCopyReferrers(!CommandSpecs.flag(spec, NO_REFERRERS)),
                        cache.locations());
                Interruption interruption = Interruption.install(err, display, copier::cancelOpenUploads)) {
            sourceEndpoint = CredentialsOption.SOURCE.endpoint(spec, environment, from.host(), insecure, ecrFactory);
            destinationEndpoint =
                    CredentialsOption.DESTINATION.endpoint(spec, environment, to.host(), insecure, ecrFactory);
            CopyResult result = copier.copy(from, sourceEndpoint, to, destinationEndpoint);
            if (display != null) {
                display.close();
            }
            for (SkippedReferrer skipped : result.referrersSkipped()) {
                err.println("warning: " + skipped(skipped));
            }
            err.flush();
            out.println(CommandSpecs.flag(spec, "--json") ? json(from, result) : summary(result) + defaulted(from, to));
            out.flush();
            return 0;
        } finally {
            if (display != null) {
                display.close();
            }
            Endpoints.close(sourceEndpoint, destinationEndpoint);
        }
    }

    /** The success object; a failure is the same object with {@code status} "failed" and {@code error}. */
    static String json(ImageReference from, CopyResult result) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("status", upToDate(result) ? "unchanged" : "copied");
        node.put("source", from.toString());
        node.put("destination", result.destination().toString());
        node.put("digest", result.digest().toString());
        node.put("mediaType", result.mediaType());
        node.put("manifests", result.manifests());
        node.put("blobsCopied", result.blobsCopied());
        node.put("blobsSkipped", result.blobsSkipped());
        node.put("bytesCopied", result.bytesCopied());
        node.put("blobsMounted", result.blobsMounted());
        node.put("bytesMounted", result.bytesMounted());
        node.put("seconds", Math.round(result.seconds() * 1000) / 1000.0);
        node.put("referrersCopied", result.referrersCopied());
        ArrayNode skipped = node.putArray("referrersSkipped");
        for (SkippedReferrer referrer : result.referrersSkipped()) {
            ObjectNode entry = skipped.addObject();
            entry.put("digest", referrer.digest().toString());
            entry.put("artifactType", referrer.artifactType());
            entry.put("subject", referrer.subject().toString());
            entry.put("reason", referrer.reason());
        }
        return Json.write(node);
    }

    /** {@code referrer sha256:... (application/vnd...) of sha256:... not copied: <reason>}. */
    static String skipped(SkippedReferrer referrer) {
        return "referrer " + referrer.digest()
                + (referrer.artifactType() == null ? "" : " (" + referrer.artifactType() + ")") + " of "
                + referrer.subject() + " not copied: " + referrer.reason();
    }

    /** What DESTINATION without a tag or digest became: the source's tag, or the digest alone. */
    static String defaulted(ImageReference from, ImageReference to) {
        if (to.tagValue().isPresent() || to.digestValue().isPresent()) {
            return "";
        }
        return from.tagValue()
                .map(tag -> " (DESTINATION had no tag: took the source's, " + tag + ")")
                .orElse(" (DESTINATION had no tag and the source was by digest: copied by digest, untagged)");
    }

    /**
     * Nothing written and nothing to warn about: the image and its referrers were all there. A skipped referrer
     * keeps the full line, which points at the warnings.
     */
    private static boolean upToDate(CopyResult result) {
        return !result.changed()
                && result.referrersCopied() == 0
                && result.referrersSkipped().isEmpty();
    }

    static String summary(CopyResult result) {
        if (upToDate(result)) {
            return String.format(
                    Locale.ROOT,
                    "%s is already up to date (%d manifests): nothing copied, in %.1f s",
                    result.destination(),
                    result.manifests(),
                    result.seconds());
        }
        return String.format(
                Locale.ROOT,
                "copied %s (%d manifests): %d blobs copied (%s)%s, %d already there, %d referrers copied%s, in %.1f s",
                result.destination(),
                result.manifests(),
                result.blobsCopied(),
                ProgressDisplay.size(result.bytesCopied()),
                result.blobsMounted() == 0
                        ? ""
                        : String.format(
                                Locale.ROOT,
                                ", %d mounted (%s)",
                                result.blobsMounted(),
                                ProgressDisplay.size(result.bytesMounted())),
                result.blobsSkipped(),
                result.referrersCopied(),
                result.referrersSkipped().isEmpty()
                        ? ""
                        : " and " + result.referrersSkipped().size() + " skipped (see the warnings)",
                result.seconds());
    }
}
