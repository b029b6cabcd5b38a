package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.worker.engine.DeleteResult;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ImageCopier;
import picocli.CommandLine.Model.CommandSpec;

/** {@code replicator delete [options] REFERENCE}. */
final class DeleteCommand implements Callable<Integer> {
    private final CommandSpec spec;
    private final Environment environment;
    private final EcrFactory ecrFactory;

    DeleteCommand(Environment environment, EcrFactory ecrFactory) {
        this.environment = environment;
        this.ecrFactory = ecrFactory;
        spec = CommandSpecs.command(
                this,
                "delete",
                "Deletes a tag or a digest at a registry.",
                "ECR: BatchDeleteImage; others: the distribution API.",
                "A registry that cannot untag (the CNCF distribution registry before 3.0) has the digest deleted"
                        + " instead; every other tag that named it is then put back, with the same digest.",
                "Nothing to delete is not an error.");
        spec.addMixin("connection", ConnectionOptions.mixin());
        spec.addMixin("destinationCredentials", CredentialsOption.DESTINATION.mixin());
        spec.addMixin("awsCredentials", AwsCredentialsOptions.destinationMixin());
        spec.addPositional(CommandSpecs.positional(0, "REFERENCE", "host[:port]/repository:tag or @digest"));
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        ImageReference target = References.parse(CommandSpecs.positional(spec, 0), "REFERENCE");
        if (target.tag() == null && target.digest() == null) {
            throw new UsageException("REFERENCE must name a tag or a digest, e.g. " + target + ":1.0");
        }
        PrintWriter out = spec.commandLine().getOut();
        Endpoint endpoint = null;
        try (ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            endpoint = CredentialsOption.DESTINATION.endpoint(
                    spec, environment, target.host(), ConnectionOptions.insecure(spec), ecrFactory);
            DeleteResult result = copier.delete(target, endpoint);
            out.println(describe(target, result));
            out.flush();
            return 0;
        } finally {
            Endpoints.close(endpoint);
        }
    }

    /**
     * {@code deleted HOST/repo:gone (sha256:...); the registry cannot untag, so it deleted the digest and put back
     * 1 sibling tag: keep}.
     */
    static String describe(ImageReference target, DeleteResult result) {
        if (!result.deleted()) {
            return "nothing to delete: " + target + " does not exist";
        }
        String line = "deleted " + target + (result.digest() == null ? "" : " (" + result.digest() + ")");
        if (target.tag() != null && result.removedDigest() != null) {
            int restored = result.restoredTags().size();
            line += "; the registry cannot untag, so it deleted the digest"
                    + (restored == 0
                            ? " (no other tag of it to put back)"
                            : " and put back " + restored + " sibling tag" + (restored == 1 ? "" : "s") + ": "
                                    + String.join(", ", result.restoredTags()));
        }
        return line;
    }
}
