package org.ecrreplicator.functions;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.ecrreplicator.domain.Json;
import org.ecrreplicator.domain.state.StateTable;
import org.ecrreplicator.engines.AwsJsonEndpoint;
import org.ecrreplicator.engines.AwsJsonEndpoint.AwsError;
import org.ecrreplicator.engines.LocalStateTable;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.codebuild.CodeBuildClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sfn.SfnClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Clients for the local engines, and small stand-ins for the control-plane APIs without one. */
final class LocalAws {
    static final String REGION = "us-east-1";
    static final String ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE";
    static final String SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    private LocalAws() {}

    private static <B extends AwsClientBuilder<B, C> & AwsSyncClientBuilder<B, C>, C> C client(
            B builder, URI endpoint) {
        return builder.endpointOverride(endpoint)
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDLOCALTESTONLY000", "local-test-only-not-a-key")))
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(20))
                        .build())
                // The handlers' own retries are under test; the SDK's would multiply the calls counted here.
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    static DynamoDbClient dynamo(URI endpoint) {
        return client(DynamoDbClient.builder(), endpoint);
    }

    static SqsClient sqs(URI endpoint) {
        return client(SqsClient.builder(), endpoint);
    }

    static SfnClient sfn(URI endpoint) {
        return client(SfnClient.builder(), endpoint);
    }

    static SecretsManagerClient secretsManager(URI endpoint) {
        return client(SecretsManagerClient.builder(), endpoint);
    }

    static CodeBuildClient codeBuild(URI endpoint) {
        return client(CodeBuildClient.builder(), endpoint);
    }

    /** A new state table, named for this test alone. */
    static String createStateTable(DynamoDbClient dynamo) {
        String name = "state-" + UUID.randomUUID();
        LocalStateTable.create(dynamo, name, StateTable.KEY);
        return name;
    }

    /** Fails if a destination key's value shows in any of the texts. */
    static void assertNoSecretIn(Iterable<String> texts) {
        for (String text : texts) {
            assertThat(text).doesNotContain(ACCESS_KEY).doesNotContain(SECRET_KEY);
        }
    }

    /**
     * CodeBuild's API (JSON 1.1, target CodeBuild_20161006): StartBuild honours the idempotency token as
     * CodeBuild does, can answer with throttling errors first, and BatchGetBuilds returns what was started.
     */
    static final class FakeCodeBuild implements AutoCloseable {
        final AwsJsonEndpoint endpoint = new AwsJsonEndpoint("CodeBuild_20161006", "1.1");
        final Map<String, ObjectNode> builds = new ConcurrentHashMap<>();
        private final Map<String, String> byIdempotencyToken = new ConcurrentHashMap<>();
        final AtomicInteger throttleNext = new AtomicInteger();
        volatile String throttleCode = "AccountLimitExceededException";
        volatile int throttleStatus = 400;

        FakeCodeBuild() {
            endpoint.on("StartBuild", this::startBuild)
                    .on("BatchGetBuilds", this::batchGetBuilds)
                    .on("ListBuildsForProject", this::listBuildsForProject);
        }

        /** Newest first (CodeBuild's default), in pages of {@code pageSize} with an opaque next token. */
        volatile int pageSize = 100;

        private JsonNode listBuildsForProject(JsonNode request) {
            String project = request.path("projectName").asText();
            List<ObjectNode> ordered = builds.values().stream()
                    .filter(build -> build.path("projectName").asText().equals(project))
                    .sorted(java.util.Comparator.comparingDouble(
                            (ObjectNode build) -> build.path("startTime").asDouble()))
                    .toList();
            List<ObjectNode> sorted = new java.util.ArrayList<>(ordered);
            if (!"ASCENDING".equals(request.path("sortOrder").asText("DESCENDING"))) {
                java.util.Collections.reverse(sorted);
            }
            int from = request.hasNonNull("nextToken")
                    ? Integer.parseInt(request.path("nextToken").asText())
                    : 0;
            int to = Math.min(sorted.size(), from + pageSize);
            ObjectNode response = Json.MAPPER.createObjectNode();
            ArrayNode ids = response.putArray("ids");
            sorted.subList(from, to).forEach(build -> ids.add(build.path("id").asText()));
            if (to < sorted.size()) {
                response.put("nextToken", Integer.toString(to));
            }
            return response;
        }

        private JsonNode startBuild(JsonNode request) {
            if (throttleNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new AwsError(
                        throttleStatus, throttleCode, "Cannot have more than 1 builds in queue for the account");
            }
            String project = request.path("projectName").asText();
            String token = request.path("idempotencyToken").asText(null);
            String existing = token == null ? null : byIdempotencyToken.get(token);
            ObjectNode build;
            if (existing != null) {
                build = builds.get(existing);
            } else {
                String id = project + ":" + UUID.randomUUID();
                build = Json.MAPPER.createObjectNode();
                build.put("id", id);
                build.put("arn", "arn:aws:codebuild:us-east-1:123456789012:build/" + id);
                build.put("projectName", project);
                build.put("buildStatus", "IN_PROGRESS");
                build.put("buildComplete", false);
                build.put("startTime", startClock.get().toEpochMilli() / 1000.0);
                build.putObject("environment")
                        .put("type", "LINUX_CONTAINER")
                        .put("image", "aws/codebuild/amazonlinux-x86_64-standard:5.0")
                        .put("computeType", "BUILD_GENERAL1_SMALL")
                        .set(
                                "environmentVariables",
                                request.path("environmentVariablesOverride").deepCopy());
                build.putArray("exportedEnvironmentVariables");
                builds.put(id, build);
                if (token != null) {
                    byIdempotencyToken.put(token, id);
                }
            }
            ObjectNode response = Json.MAPPER.createObjectNode();
            response.set("build", build);
            return response;
        }

        private JsonNode batchGetBuilds(JsonNode request) {
            ObjectNode response = Json.MAPPER.createObjectNode();
            ArrayNode found = response.putArray("builds");
            ArrayNode missing = response.putArray("buildsNotFound");
            for (JsonNode id : request.path("ids")) {
                ObjectNode build = builds.get(id.asText());
                if (build == null) {
                    missing.add(id.asText());
                } else {
                    found.add(build);
                }
            }
            return response;
        }

        /** When builds start and end: the test's clock, so the sweep's windows can be tested. */
        volatile java.util.function.Supplier<java.time.Instant> startClock = java.time.Instant::now;

        /** Ends a build as CodeBuild would, with the variables the worker exports. */
        void finish(String buildId, String status, Map<String, String> exported) {
            ObjectNode build = builds.get(buildId);
            build.put("buildStatus", status);
            build.put("buildComplete", true);
            build.put("endTime", startClock.get().toEpochMilli() / 1000.0);
            ArrayNode variables = build.putArray("exportedEnvironmentVariables");
            exported.forEach(
                    (name, value) -> variables.addObject().put("name", name).put("value", value));
        }

        /** The override environment of a started build, by name. */
        Map<String, String> environment(String buildId) {
            Map<String, String> environment = new java.util.LinkedHashMap<>();
            for (JsonNode variable : builds.get(buildId).path("environment").path("environmentVariables")) {
                environment.put(
                        variable.path("name").asText(), variable.path("value").asText());
            }
            return environment;
        }

        @Override
        public void close() {
            endpoint.close();
        }
    }

    /** Step Functions' callback and execution API (JSON 1.0, target AWSStepFunctions). */
    static final class FakeStepFunctions implements AutoCloseable {
        record Callback(String operation, String taskToken, JsonNode body) {}

        final AwsJsonEndpoint endpoint = new AwsJsonEndpoint("AWSStepFunctions", "1.0");
        final List<Callback> callbacks = new CopyOnWriteArrayList<>();
        final Set<String> closedTokens = ConcurrentHashMap.newKeySet();
        final Map<String, ObjectNode> executions = new ConcurrentHashMap<>();
        volatile String closedTokenError = "TaskTimedOut";

        FakeStepFunctions() {
            endpoint.on("SendTaskSuccess", request -> callback("SendTaskSuccess", request))
                    .on("SendTaskFailure", request -> callback("SendTaskFailure", request))
                    .on("StartExecution", this::startExecution)
                    .on("DescribeExecution", this::describeExecution);
        }

        private JsonNode callback(String operation, JsonNode request) {
            String token = request.path("taskToken").asText();
            if (!closedTokens.add(token)) {
                throw new AwsError(closedTokenError, "Task Timed Out: 'Provided task does not exist anymore'");
            }
            callbacks.add(new Callback(operation, token, request));
            return Json.MAPPER.createObjectNode();
        }

        private JsonNode startExecution(JsonNode request) {
            String arn = request.path("stateMachineArn").asText().replace(":stateMachine:", ":execution:") + ":"
                    + request.path("name").asText();
            ObjectNode existing = executions.get(arn);
            if (existing != null) {
                if (existing.path("status").asText().equals("RUNNING")
                        && existing.path("input")
                                .asText()
                                .equals(request.path("input").asText())) {
                    return started(existing);
                }
                throw new AwsError("ExecutionAlreadyExists", "Execution Already Exists: '" + arn + "'");
            }
            ObjectNode execution = Json.MAPPER.createObjectNode();
            execution.put("executionArn", arn);
            execution.put("stateMachineArn", request.path("stateMachineArn").asText());
            execution.put("name", request.path("name").asText());
            execution.put("status", "RUNNING");
            execution.put("startDate", System.currentTimeMillis() / 1000.0);
            execution.put("input", request.path("input").asText());
            executions.put(arn, execution);
            return started(execution);
        }

        private static JsonNode started(ObjectNode execution) {
            ObjectNode response = Json.MAPPER.createObjectNode();
            response.put("executionArn", execution.path("executionArn").asText());
            response.put("startDate", execution.path("startDate").asDouble());
            return response;
        }

        private JsonNode describeExecution(JsonNode request) {
            ObjectNode execution = executions.get(request.path("executionArn").asText());
            if (execution == null) {
                throw new AwsError("ExecutionDoesNotExist", "Execution Does Not Exist");
            }
            return execution;
        }

        @Override
        public void close() {
            endpoint.close();
        }
    }
}
