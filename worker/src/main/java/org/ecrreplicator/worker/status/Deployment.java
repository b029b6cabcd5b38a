package org.ecrreplicator.worker.status;

import java.util.Map;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.worker.engine.ReplicatorException;

/**
 * A deployed replication stack as its outputs describe it ({@link StackOutputs}).
 *
 * @param region where the stack was found, for messages
 */
public record Deployment(String stackName, String region, Map<String, String> outputs) {
    public Deployment {
        outputs = Map.copyOf(outputs);
    }

    /** The output {@code key}; a stack deployed before the key existed is one error line naming the fix. */
    public String output(String key) {
        String value = outputs.get(key);
        if (value == null || value.isBlank()) {
            throw new ReplicatorException(
                    "stack " + stackName + " in " + region + " has no output " + key
                            + ": deploy this version of the replication stack, or pass --stack with the name of one that has it");
        }
        return value;
    }

    public String tableName() {
        return output(StackOutputs.TABLE_NAME);
    }
}
