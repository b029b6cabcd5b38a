package org.ecrreplicator.engines;

import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBRequestHandler;
import com.amazonaws.services.dynamodbv2.local.server.LocalDynamoDBServerHandler;
import java.net.InetAddress;
import java.net.URI;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * DynamoDB Local ({@code com.amazonaws:DynamoDBLocal}) in this JVM, in memory, on a loopback port chosen at
 * run time. Its {@code ServerRunner} binds every interface and sends start-up telemetry, so its request
 * handler is mounted on a Jetty server bound to 127.0.0.1 instead.
 *
 * <p>sqlite4java's native library needs no set-up: DynamoDB Local 2.x carries it for each OS and
 * architecture inside its own jar and loads it from there (see docs/decisions/0025).
 */
public final class DynamoDbLocalEngine implements AutoCloseable {
    private final Server server;
    private final LocalDynamoDBRequestHandler requests;
    private final URI endpoint;

    private DynamoDbLocalEngine(Server server, LocalDynamoDBRequestHandler requests, URI endpoint) {
        this.server = server;
        this.requests = requests;
        this.endpoint = endpoint;
    }

    public static DynamoDbLocalEngine start() {
        try {
            // In memory, no db path, one database for all credentials, no artificial CREATING/DELETING delays.
            LocalDynamoDBRequestHandler requests = new LocalDynamoDBRequestHandler(0, true, null, true, false);
            LocalDynamoDBServerHandler handler = new LocalDynamoDBServerHandler(requests, null);
            Server server = new Server();
            ServerConnector connector = new ServerConnector(server);
            connector.setHost(InetAddress.getLoopbackAddress().getHostAddress());
            connector.setPort(FreePorts.next());
            server.addConnector(connector);
            ContextHandler context = new ContextHandler();
            context.setHandler(handler);
            ContextHandlerCollection contexts = new ContextHandlerCollection();
            contexts.addHandler(context);
            server.setHandler(contexts);
            server.start();
            return new DynamoDbLocalEngine(
                    server, requests, URI.create("http://127.0.0.1:" + connector.getLocalPort()));
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local did not start: " + e, e);
        }
    }

    /** The endpoint to give a client, e.g. through {@code AWS_ENDPOINT_URL_DYNAMODB}. */
    public URI endpoint() {
        return endpoint;
    }

    /**
     * A client of this engine, the one way tests and the local pipeline reach it: placeholder credentials
     * (DynamoDB Local checks none), the light HTTP client. The caller closes it.
     */
    public DynamoDbClient client() {
        return DynamoDbClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create("AKIDLOCALTESTONLY000", "local-test-only-not-a-key")))
                .httpClient(UrlConnectionHttpClient.create())
                .build();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("DynamoDB Local did not stop", e);
        } finally {
            requests.shutdown();
        }
    }
}
