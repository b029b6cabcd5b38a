package org.ecrreplicator.functions;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Clock;
import java.util.function.Consumer;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * Secrets Manager's rotation function for the destination secret (decision 0075). In: {@code {"SecretId",
 * "ClientRequestToken", "Step"}} as Secrets Manager sends it; out: nothing. A step that fails throws, and Secrets
 * Manager retries it or gives up with AWSCURRENT unchanged.
 */
public final class RotateSecretHandler implements RequestStreamHandler {
    private final KeyRotation rotation;
    private final Log log;

    public RotateSecretHandler() {
        this(FunctionsConfig.fromEnvironment());
    }

    public RotateSecretHandler(FunctionsConfig config) {
        this(config, Clients.secretsManager(), Log.stdout(), Clock.systemUTC());
    }

    private RotateSecretHandler(
            FunctionsConfig config, SecretsManagerClient secrets, Consumer<String> sink, Clock clock) {
        this(
                secrets,
                Clients::iamWith,
                Clients::ecrWith,
                config.destinationRegion(),
                clock,
                duration -> Thread.sleep(duration),
                sink);
    }

    RotateSecretHandler(
            SecretsManagerClient secrets,
            KeyRotation.IamOpener iam,
            KeyRotation.EcrOpener ecr,
            String destinationRegion,
            Clock clock,
            KeyRotation.Sleeper sleeper,
            Consumer<String> sink) {
        this.log = new Log("rotate-secret", sink, clock);
        this.rotation = new KeyRotation(secrets, iam, ecr, destinationRegion, clock, sleeper, log);
    }

    @Override
    public void handleRequest(InputStream input, OutputStream output, Context context) {
        log.begin(context);
        handle(JsonIo.read(input));
    }

    void handle(JsonNode event) {
        String secretId = JsonIo.text(event, "SecretId");
        String token = JsonIo.text(event, "ClientRequestToken");
        String step = JsonIo.text(event, "Step");
        log.about("secretId", secretId, "versionId", token, "step", step);
        try {
            rotation.step(secretId, token, step);
        } catch (RuntimeException e) {
            log.error("rotation step failed", "error", e.getClass().getSimpleName(), "cause", e.getMessage());
            throw e;
        }
    }
}
