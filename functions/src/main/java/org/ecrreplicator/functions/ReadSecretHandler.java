package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.function.Consumer;
import org.ecrreplicator.domain.DestinationSecret;
import org.ecrreplicator.domain.EcrRegistry;
import org.ecrreplicator.domain.ReplicationRequest;
import org.ecrreplicator.domain.SecretValidationException;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.InvalidRequestException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/**
 * Reads and validates the destination secret. Its output holds only non-secret facts, because Step
 * Functions keeps every state's output in the execution history.
 *
 * <p>In: {@code {"request":{...}}}. Out: {@code {"secretArn","secretVersionId","partition","accountId","region",
 * "registry"}}. Errors: {@code SecretNotFound}, {@code SecretInvalid} (messages name the secret and fields).
 */
public final class ReadSecretHandler implements RequestStreamHandler {
    private final String secretId;
    private final String region;
    private final String registryOverride;
    private final SecretsManagerClient secrets;
    private final Log log;

    public ReadSecretHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public ReadSecretHandler(FunctionsConfig config) {
        this(config, Clients.secretsManager(), Log.stdout(), Clock.systemUTC());
    }

    ReadSecretHandler(FunctionsConfig config, SecretsManagerClient secrets, Consumer<String> logSink, Clock clock) {
        this.secretId = config.secretId();
        this.region = config.destinationRegion();
        this.registryOverride = config.destinationRegistry();
        this.secrets = secrets;
        this.log = new Log("read-secret", logSink, clock);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        log.begin(context);
        JsonIo.write(output, handle(JsonIo.read(input)));
    }

    JsonNode handle(JsonNode payload) {
        // The reconcile workflow validates the secret for a whole run, not for one request.
        ReplicationRequest request = payload.has("request") ? JsonIo.request(payload) : null;
        if (request != null) {
            log.about("imageKey", request.imageKey());
        } else {
            log.about("runId", JsonIo.optionalText(payload, "runId"));
        }
        GetSecretValueResponse secret;
        try {
            secret = secrets.getSecretValue(get -> get.secretId(secretId));
        } catch (ResourceNotFoundException e) {
            throw fail(
                    request,
                    WorkflowErrors.secretNotFound("destination secret '" + secretId + "' does not exist in "
                            + "Secrets Manager: create it with the fields user, accesskey, secretaccesskey,"
                            + " partition, accountid (an IAM user of the destination partition)"));
        } catch (InvalidRequestException e) {
            throw fail(
                    request,
                    WorkflowErrors.secretNotFound("destination secret '" + secretId + "' cannot be read: "
                            + e.awsErrorDetails().errorMessage()
                            + " (restore it with RestoreSecret if it was marked for deletion)"));
        }
        String arn = secret.arn();
        try {
            DestinationSecret parsed = DestinationSecret.parse(secret.secretString());
            EcrRegistry registry = parsed.registry(region);
            ObjectNode out = JsonIo.object();
            out.put("secretArn", arn);
            out.put("secretVersionId", secret.versionId());
            out.put("partition", parsed.partition().id());
            out.put("accountId", parsed.accountId());
            out.put("region", region);
            out.put("registry", registryOverride != null ? registryOverride : registry.host());
            log.info(
                    "destination secret is valid",
                    "secretArn",
                    arn,
                    "secretVersionId",
                    secret.versionId(),
                    "partition",
                    parsed.partition().id());
            return out;
        } catch (SecretValidationException e) {
            // The domain's message names fields only, never a value.
            throw fail(request, WorkflowErrors.secretInvalid("secret '" + arn + "': " + e.getMessage()));
        }
    }

    private RuntimeException fail(ReplicationRequest request, RuntimeException error) {
        log.error("destination secret unusable", "error", WorkflowErrors.nameOf(error), "cause", error.getMessage());
        return error;
    }
}
