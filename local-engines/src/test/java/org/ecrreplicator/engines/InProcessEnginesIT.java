package org.ecrreplicator.engines;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.ConditionalCheckFailedException;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.secretsmanager.model.InvalidRequestException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.MessageSystemAttributeName;

/** DynamoDB Local, ElasticMQ and the Secrets Manager stand-in, each answering the unmodified SDK client. */
class InProcessEnginesIT {
    private static final StaticCredentialsProvider CREDENTIALS = StaticCredentialsProvider.create(
            AwsBasicCredentials.create("AKIDLOCALTESTONLY000", "local-test-only-not-a-key"));

    private static UrlConnectionHttpClient.Builder http() {
        return UrlConnectionHttpClient.builder().socketTimeout(Duration.ofSeconds(20));
    }

    @Test
    void shouldServeConditionalWritesOnLoopbackWhenDynamoDbLocalRunsInProcess() {
        try (DynamoDbLocalEngine engine = DynamoDbLocalEngine.start();
                DynamoDbClient dynamo = DynamoDbClient.builder()
                        .endpointOverride(engine.endpoint())
                        .region(Region.US_EAST_1)
                        .credentialsProvider(CREDENTIALS)
                        .httpClient(http().build())
                        .build()) {
            assertThat(engine.endpoint().getHost()).isEqualTo("127.0.0.1");
            dynamo.createTable(create -> create.tableName("state")
                    .keySchema(KeySchemaElement.builder()
                            .attributeName("k")
                            .keyType(KeyType.HASH)
                            .build())
                    .attributeDefinitions(AttributeDefinition.builder()
                            .attributeName("k")
                            .attributeType(ScalarAttributeType.S)
                            .build())
                    .billingMode(BillingMode.PAY_PER_REQUEST));
            Map<String, AttributeValue> item = Map.of("k", AttributeValue.fromS("team/app:1"));
            dynamo.putItem(put -> put.tableName("state").item(item).conditionExpression("attribute_not_exists(k)"));

            assertThatThrownBy(() -> dynamo.putItem(
                            put -> put.tableName("state").item(item).conditionExpression("attribute_not_exists(k)")))
                    .isInstanceOf(ConditionalCheckFailedException.class);
            assertThat(dynamo.getItem(get -> get.tableName("state").key(item)).item())
                    .isEqualTo(item);
        }
    }

    @Test
    void shouldMoveAMessageToTheDeadLetterQueueAfterMaxReceivesWhenTheQueueIsFifo() {
        try (ElasticMqEngine engine = ElasticMqEngine.start()) {
            ElasticMqEngine.FifoQueue queue = engine.createFifoQueueWithDeadLetterQueue("q", 1, Duration.ofSeconds(1));
            assertThat(queue.url()).endsWith("/q.fifo");
            assertThat(queue.deadLetterArn()).endsWith(":q-dlq.fifo");
            engine.client().sendMessage(send -> send.queueUrl(queue.url())
                    .messageBody("m")
                    .messageGroupId("g")
                    .messageDeduplicationId("d"));

            List<Message> first = receive(engine, queue.url());
            assertThat(first).extracting(Message::body).containsExactly("m");
            assertThat(first.getFirst().attributes()).containsEntry(MessageSystemAttributeName.MESSAGE_GROUP_ID, "g");
            // Not deleted: after the visibility timeout the next receive exceeds maxReceiveCount.
            Instant deadline = Instant.now().plusSeconds(15);
            List<Message> dead = List.of();
            while (dead.isEmpty() && Instant.now().isBefore(deadline)) {
                assertThat(receive(engine, queue.url())).isEmpty();
                dead = receive(engine, queue.deadLetterUrl());
            }
            assertThat(dead).extracting(Message::body).containsExactly("m");
        }
    }

    private static List<Message> receive(ElasticMqEngine engine, String url) {
        return engine.client()
                .receiveMessage(receive -> receive.queueUrl(url)
                        .waitTimeSeconds(1)
                        .messageSystemAttributeNames(MessageSystemAttributeName.ALL))
                .messages();
    }

    @Test
    void shouldAnswerGetSecretValueWithTheRealShapeAndErrorCodes() {
        try (LocalSecretsManager secrets = new LocalSecretsManager("us-east-1", "123456789012");
                SecretsManagerClient client = client(secrets.endpoint())) {
            String arn = secrets.put("team/destination", "{\"user\":\"u\"}");

            GetSecretValueResponse byName = client.getSecretValue(get -> get.secretId("team/destination"));
            GetSecretValueResponse byArn = client.getSecretValue(get -> get.secretId(arn));

            assertThat(arn).matches("arn:aws:secretsmanager:us-east-1:123456789012:secret:team/destination-\\w{6}");
            assertThat(byName.arn()).isEqualTo(arn);
            assertThat(byName.name()).isEqualTo("team/destination");
            assertThat(byName.secretString()).isEqualTo("{\"user\":\"u\"}");
            assertThat(byName.versionStages()).containsExactly("AWSCURRENT");
            assertThat(byName.createdDate()).isNotNull();
            assertThat(byArn.versionId()).isEqualTo(byName.versionId());
            assertThatThrownBy(() -> client.getSecretValue(get -> get.secretId("missing")))
                    .isInstanceOf(ResourceNotFoundException.class)
                    .hasMessageContaining("can't find the specified secret");
            secrets.delete("team/destination");
            assertThatThrownBy(() -> client.getSecretValue(get -> get.secretId("team/destination")))
                    .isInstanceOf(InvalidRequestException.class)
                    .hasMessageContaining("marked for deletion");
        }
    }

    private static SecretsManagerClient client(URI endpoint) {
        return SecretsManagerClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(CREDENTIALS)
                .httpClient(http().build())
                .build();
    }
}
