package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.ecrreplicator.domain.ImageReference;
import org.ecrreplicator.worker.engine.DeleteResult;
import org.ecrreplicator.worker.engine.EcrApi;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ImageCopier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
        name = "delete",
        mixinStandardHelpOptions = true,
        description = {
            "Deletes a tag or a digest at a registry (ECR: BatchDeleteImage; others: the distribution API).",
            "Nothing to delete is not an error."
        })
final class DeleteCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    DestinationCredentialsOption destinationCredentials;

    @Parameters(index = "0", paramLabel = "REFERENCE", description = "host[:port]/repository:tag or @digest")
    String reference;

    private final Environment environment;
    private final EcrFactory ecrFactory;

    DeleteCommand() {
        this(Environment.system(), EcrFactory.sdk());
    }

    DeleteCommand(Environment environment, EcrFactory ecrFactory) {
        this.environment = environment;
        this.ecrFactory = ecrFactory;
    }

    @Override
    public Integer call() {
        ImageReference target = References.parse(reference, "REFERENCE");
        if (target.tag() == null && target.digest() == null) {
            throw new UsageException("REFERENCE must name a tag or a digest, e.g. " + target + ":1.0");
        }
        PrintWriter out = spec.commandLine().getOut();
        Endpoint endpoint = null;
        try (ImageCopier copier = new ImageCopier(ImageCopier.Options.defaults())) {
            endpoint = Endpoints.forHost(
                    target.host(),
                    Endpoints.credentials(
                            destinationCredentials.value, environment, DestinationCredentialsOption.VARIABLE),
                    "--dest-creds/" + DestinationCredentialsOption.VARIABLE,
                    connection.insecure,
                    ecrFactory,
                    null,
                    EcrApi.RepositoryDefaults.noCreate());
            DeleteResult result = copier.delete(target, endpoint);
            out.println(
                    result.deleted()
                            ? "deleted " + target + (result.digest() == null ? "" : " (" + result.digest() + ")")
                            : "nothing to delete: " + target + " does not exist");
            out.flush();
            return 0;
        } finally {
            Endpoints.close(endpoint);
        }
    }
}
