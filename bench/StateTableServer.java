import org.ecrreplicator.engines.DynamoDbLocalEngine;
import org.ecrreplicator.engines.LocalStateTable;

/**
 * A state table for benchmarked builds: starts DynamoDB Local (in memory, on a loopback port), creates an empty
 * table shaped as the stack creates it, prints "ENDPOINT TABLE" on one line and keeps serving until stdin
 * closes or the process is killed. The builds reach it through AWS_ENDPOINT_URL_DYNAMODB and TABLE_NAME, so
 * their shared blob index (decision 0072) starts empty.
 *
 * <p>Run as a single-file program: java -cp local-engines/target/classes:$(cat
 * local-engines/target/bench-classpath.txt) bench/StateTableServer.java [TABLE]
 */
public class StateTableServer {
    /** The table's partition key, the domain's StateTable.KEY (the local-engines module does not see the domain). */
    private static final String KEY = "imageKey";

    public static void main(String[] args) throws Exception {
        String table = args.length > 0 ? args[0] : "replicator-state";
        try (DynamoDbLocalEngine engine = DynamoDbLocalEngine.start()) {
            try (var dynamo = engine.client()) {
                LocalStateTable.create(dynamo, table, KEY);
            }
            System.out.println(engine.endpoint() + " " + table);
            System.out.flush();
            // Held open by whoever started this: its end (even an abrupt one) stops the engine.
            while (System.in.read() != -1) {
                // Input carries nothing; only its end matters.
            }
        }
        // DynamoDB Local leaves non-daemon threads behind.
        System.exit(0);
    }
}
