package org.ecrreplicator.functions;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.ecrreplicator.domain.contract.BuildVariables;
import org.ecrreplicator.state.AttemptStore;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.codebuild.CodeBuildClient;
import software.amazon.awssdk.services.codebuild.model.EnvironmentVariable;
import software.amazon.awssdk.services.codebuild.model.EnvironmentVariableType;

/**
 * Starts builds of the project for StartBuild and StartReconcileBuild: one build per attempt (the task token's
 * hash is the idempotency token), throttling retried briefly and then handed to the workflow as {@code
 * BuildThrottled}; the attempt id the build carries instead of the task token (decision 0071); and the
 * environment both kinds of build share (docs/contracts.md).
 */
final class BuildStarter {
    /**
     * How long an attempt's token is kept beyond the task timeout: Completion or the sweep may report a build
     * that ended just before the timeout a little after it, and must then still find the token (to be told the
     * task is closed) rather than nothing.
     */
    static final Duration ATTEMPT_MARGIN = Duration.ofHours(1);

    private final String projectName;
    private final CodeBuildClient codeBuild;
    private final AttemptStore attempts;
    private final Duration taskTimeout;
    private final Clock clock;
    private final StartBuildHandler.Sleeper sleeper;
    private final Log log;

    BuildStarter(
            FunctionsConfig config,
            CodeBuildClient codeBuild,
            AttemptStore attempts,
            StartBuildHandler.Sleeper sleeper,
            Clock clock,
            Log log) {
        this.projectName = config.buildProjectName();
        this.taskTimeout = config.buildTaskTimeout();
        this.codeBuild = codeBuild;
        this.attempts = attempts;
        this.clock = clock;
        this.sleeper = sleeper;
        this.log = log;
    }

    /**
     * The attempt id of {@code taskToken}, its token stored under it before any build can carry it: the same
     * id for a retried invocation of the same attempt, so a build an earlier try started stays reportable.
     */
    String attemptFor(String taskToken) {
        return attempts.attemptFor(taskToken, clock.instant().plus(taskTimeout).plus(ATTEMPT_MARGIN));
    }

    String start(List<EnvironmentVariable> environment, String tokenHash) {
        // CodeBuild keeps an idempotency token for 5 minutes: enough for Lambda's own retries of this call.
        String idempotencyToken = tokenHash.substring(0, 32);
        for (int attempt = 1; ; attempt++) {
            try {
                return codeBuild
                        .startBuild(start -> start.projectName(projectName)
                                .idempotencyToken(idempotencyToken)
                                .environmentVariablesOverride(environment))
                        .build()
                        .id();
            } catch (SdkException e) {
                String code = e instanceof AwsServiceException service && service.awsErrorDetails() != null
                        ? service.awsErrorDetails().errorCode()
                        : e.getClass().getSimpleName();
                boolean throttled = StartBuildHandler.THROTTLING.contains(code);
                if (!throttled && !StartBuildHandler.isTransient(e)) {
                    throw e;
                }
                if (attempt >= StartBuildHandler.MAX_START_ATTEMPTS) {
                    if (!throttled) {
                        throw e;
                    }
                    throw WorkflowErrors.buildThrottled("CodeBuild refused StartBuild for project " + projectName + " "
                            + attempt + " times (" + code
                            + "); raise the account's concurrent build limit or redrive later");
                }
                Duration pause = StartBuildHandler.BACKOFF.delay(attempt, ThreadLocalRandom.current()::nextDouble);
                log.warn(
                        throttled ? "CodeBuild throttled StartBuild; retrying" : "StartBuild failed; retrying",
                        "error",
                        code,
                        "attempt",
                        attempt,
                        "pauseMillis",
                        pause.toMillis());
                try {
                    sleeper.sleep(pause);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while backing off from CodeBuild throttling", e);
                }
            }
        }
    }

    /**
     * What every build gets: its attempt (never the task token), both registries, the stack's copy settings and
     * the destination keys.
     */
    static List<EnvironmentVariable> common(
            FunctionsConfig config,
            JsonNode destination,
            String executionArn,
            String attemptId,
            String sourceRegistry) {
        String secretArn = JsonIo.optionalText(destination, "secretArn");
        if (secretArn == null) {
            secretArn = config.secretId();
        }
        String destinationRegistry = JsonIo.optionalText(destination, "registry");
        if (destinationRegistry == null) {
            throw new IllegalArgumentException("payload field 'destination.registry' is missing: pass ReadSecret's"
                    + " output as \"destination\"");
        }
        List<EnvironmentVariable> variables = new ArrayList<>();
        plain(variables, BuildVariables.ATTEMPT_ID, attemptId);
        plain(variables, BuildVariables.EXECUTION_ARN, executionArn);
        plain(variables, BuildVariables.SOURCE_REGISTRY, sourceRegistry);
        plain(variables, BuildVariables.DESTINATION_REGISTRY, destinationRegistry);
        plain(variables, BuildVariables.DESTINATION_REGION, config.destinationRegion());
        plain(variables, BuildVariables.CREATE_REPOSITORIES, Boolean.toString(config.createRepositories()));
        plain(variables, BuildVariables.IMAGE_TAG_MUTABILITY, config.imageTagMutability());
        plain(variables, BuildVariables.SCAN_ON_PUSH, Boolean.toString(config.scanOnPush()));
        plain(variables, BuildVariables.REGISTRY_INSECURE, Boolean.toString(config.registryInsecure()));
        plain(variables, BuildVariables.REPLICATE_DELETES, Boolean.toString(config.replicateDeletes()));
        plain(variables, BuildVariables.COPY_REFERRERS, Boolean.toString(config.copyReferrers()));
        // CodeBuild's reference is secret-id:json-key:version-stage:version-id. Pinning the version ReadSecret
        // validated means a rotation between ReadSecret and the build's start cannot hand the build keys that
        // nobody checked; without a version id (an execution started before the field existed) it reads
        // AWSCURRENT, as before.
        String versionId = JsonIo.optionalText(destination, "secretVersionId");
        String pin = versionId == null || versionId.isBlank() ? "" : "::" + versionId;
        secret(variables, BuildVariables.DESTINATION_ACCESS_KEY_ID, secretArn + ":accesskey" + pin);
        secret(variables, BuildVariables.DESTINATION_SECRET_ACCESS_KEY, secretArn + ":secretaccesskey" + pin);
        return variables;
    }

    static void plain(List<EnvironmentVariable> variables, String name, String value) {
        variables.add(EnvironmentVariable.builder()
                .name(name)
                .value(value)
                .type(EnvironmentVariableType.PLAINTEXT)
                .build());
    }

    private static void secret(List<EnvironmentVariable> variables, String name, String reference) {
        variables.add(EnvironmentVariable.builder()
                .name(name)
                .value(reference)
                .type(EnvironmentVariableType.SECRETS_MANAGER)
                .build());
    }
}
