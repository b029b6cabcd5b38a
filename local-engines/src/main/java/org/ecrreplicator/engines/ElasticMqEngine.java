package org.ecrreplicator.engines;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import org.elasticmq.NodeAddress;
import org.elasticmq.rest.sqs.SQSRestServer;
import org.elasticmq.rest.sqs.SQSRestServerBuilder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

/**
 * ElasticMQ (an SQS-compatible engine, FIFO queues and redrive included) in this JVM on a loopback port
 * chosen at run time. It speaks the SQS JSON protocol the SDK v2 uses.
 */
public final class ElasticMqEngine implements AutoCloseable {
    /** ElasticMQ's fixed account id in queue URLs and ARNs. */
    public static final String ACCOUNT_ID = "000000000000";

    public static final String REGION = "us-east-1";

    /** A FIFO queue and its dead-letter queue. */
    public record FifoQueue(String url, String arn, String deadLetterUrl, String deadLetterArn) {}

    private final SQSRestServer server;
    private final URI endpoint;
    private final SqsClient client;

    private ElasticMqEngine(SQSRestServer server, URI endpoint) {
        this.server = server;
        this.endpoint = endpoint;
        this.client = SqsClient.builder()
                .endpointOverride(endpoint)
                .region(Region.of(REGION))
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")))
                .httpClient(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(2))
                        .socketTimeout(Duration.ofSeconds(30))
                        .build())
                .build();
    }

    public static ElasticMqEngine start() {
        String host = InetAddress.getLoopbackAddress().getHostAddress();
        int port = FreePorts.next();
        SQSRestServer server = SQSRestServerBuilder.withInterface(host)
                .withPort(port)
                .withServerAddress(new NodeAddress("http", host, port, ""))
                .withAWSRegion(REGION)
                .withAWSAccountId(ACCOUNT_ID)
                .start();
        server.waitUntilStarted();
        return new ElasticMqEngine(server, URI.create("http://" + host + ":" + port));
    }

    /** The endpoint to give a client, e.g. through {@code AWS_ENDPOINT_URL_SQS}. */
    public URI endpoint() {
        return endpoint;
    }

    /** A client for tests and set-up (fake static credentials; ElasticMQ does not check them). */
    public SqsClient client() {
        return client;
    }

    /**
     * Creates {@code name} ({@code .fifo} appended when missing) and {@code name-dlq.fifo}, with a redrive
     * policy moving a message to the dead-letter queue after {@code maxReceiveCount} receives.
     */
    public FifoQueue createFifoQueueWithDeadLetterQueue(String name, int maxReceiveCount, Duration visibilityTimeout) {
        String base = name.endsWith(".fifo") ? name.substring(0, name.length() - ".fifo".length()) : name;
        String deadLetterUrl = client.createQueue(request ->
                        request.queueName(base + "-dlq.fifo").attributes(Map.of(QueueAttributeName.FIFO_QUEUE, "true")))
                .queueUrl();
        String deadLetterArn = arn(deadLetterUrl);
        String redrivePolicy =
                "{\"deadLetterTargetArn\":\"" + deadLetterArn + "\",\"maxReceiveCount\":\"" + maxReceiveCount + "\"}";
        String url = client.createQueue(request -> request.queueName(base + ".fifo")
                        .attributes(Map.of(
                                QueueAttributeName.FIFO_QUEUE,
                                "true",
                                QueueAttributeName.VISIBILITY_TIMEOUT,
                                Long.toString(visibilityTimeout.toSeconds()),
                                QueueAttributeName.REDRIVE_POLICY,
                                redrivePolicy)))
                .queueUrl();
        return new FifoQueue(url, arn(url), deadLetterUrl, deadLetterArn);
    }

    private String arn(String queueUrl) {
        return client.getQueueAttributes(
                        request -> request.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes()
                .get(QueueAttributeName.QUEUE_ARN);
    }

    @Override
    public void close() {
        client.close();
        server.stopAndWait();
    }
}
