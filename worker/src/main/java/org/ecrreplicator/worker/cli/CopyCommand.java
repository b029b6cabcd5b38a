package org.ecrreplicator.worker.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.worker.engine.CopyResult;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ImageCopier;
import org.ecrreplicator.worker.engine.ProgressListener;
import picocli.CommandLine.Model.CommandSpec;

/** {@code replicator copy [options] SOURCE DESTINATION}. */
final class CopyCommand implements Callable<Integer> {
    private final CommandSpec spec;
    private final Environment environment;
    private final EcrFactory ecrFactory;

    CopyCommand(Environment environment, EcrFactory ecrFactory) {
        this.environment = environment;
        this.ecrFactory = ecrFactory;
        spec = CommandSpecs.command(
                this,
                "copy",
                "Copies an image exactly (every platform, same digests) from SOURCE to DESTINATION.",
                "References are host[:port]/repository[:tag|@digest]; a tag is resolved when the copy starts.");
        CommandSpecs.exitCodes(
                spec, "0:copied", "1:failed (one line on stderr)", "2:bad arguments", "3:the source does not exist");
        spec.addMixin("connection", ConnectionOptions.transferMixin());
        spec.addMixin("sourceCredentials", CredentialsOption.SOURCE.mixin());
        spec.addMixin("destinationCredentials", CredentialsOption.DESTINATION.mixin());
        spec.addOption(CommandSpecs.flag("--json", "Print exactly one JSON object with the result on stdout."));
        spec.addPositional(CommandSpecs.positional(0, "SOURCE", "The image to copy."));
        spec.addPositional(CommandSpecs.positional(1, "DESTINATION", "Where to copy it."));
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        ImageReference from = References.parse(CommandSpecs.positional(spec, 0), "SOURCE");
        ImageReference to = References.parse(CommandSpecs.positional(spec, 1), "DESTINATION");
        boolean insecure = ConnectionOptions.insecure(spec);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Endpoint sourceEndpoint = null;
        Endpoint destinationEndpoint = null;
        ProgressDisplay display = ProgressDisplay.stderrIsTerminal() ? new ProgressDisplay(err) : null;
        ProgressListener progress = display == null ? ProgressListener.none() : display;
        try (ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults()
                .withConcurrency(ConnectionOptions.concurrency(spec))
                .withProgress(progress))) {
            sourceEndpoint = CredentialsOption.SOURCE.endpoint(spec, environment, from.host(), insecure, ecrFactory);
            destinationEndpoint =
                    CredentialsOption.DESTINATION.endpoint(spec, environment, to.host(), insecure, ecrFactory);
            CopyResult result = copier.copy(from, sourceEndpoint, to, destinationEndpoint);
            if (display != null) {
                display.close();
            }
            out.println(CommandSpecs.flag(spec, "--json") ? json(result) : summary(result));
            out.flush();
            return 0;
        } finally {
            if (display != null) {
                display.close();
            }
            Endpoints.close(sourceEndpoint, destinationEndpoint);
        }
    }

    static String json(CopyResult result) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("digest", result.digest().toString());
        node.put("mediaType", result.mediaType());
        node.put("manifests", result.manifests());
        node.put("blobsCopied", result.blobsCopied());
        node.put("blobsSkipped", result.blobsSkipped());
        node.put("bytesCopied", result.bytesCopied());
        node.put("seconds", Math.round(result.seconds() * 1000) / 1000.0);
        return Json.write(node);
    }

    static String summary(CopyResult result) {
        return String.format(
                Locale.ROOT,
                "copied %s (%d manifests): %d blobs copied (%s), %d already there, in %.1f s",
                result.destination(),
                result.manifests(),
                result.blobsCopied(),
                ProgressDisplay.size(result.bytesCopied()),
                result.blobsSkipped(),
                result.seconds());
    }
}
