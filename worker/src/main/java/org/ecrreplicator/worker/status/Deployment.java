package org.ecrreplicator.worker.status;

import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.contract.StackOutputs;
import org.ecrreplicator.worker.engine.ReplicatorException;

/**
 * A deployed replication stack as its outputs describe it ({@link StackOutputs}).
 *
 * @param stackId the stack's ARN ({@code arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/ID}), or null
 * @param region where the stack was found, for messages
 */
public record Deployment(String stackName, String stackId, String region, Map<String, String> outputs) {
    private static final Pattern STACK_ARN =
            Pattern.compile("arn:[a-z-]+:cloudformation:[a-z0-9-]+:(\\d{12}):stack/.+");

    public Deployment {
        outputs = Map.copyOf(outputs);
    }

    /** The output {@code key}; a stack deployed before the key existed is one error line naming the fix. */
    public String output(String key) {
        return output(key, "pass --stack with the name of one that has it");
    }

    /**
     * The output {@code key}, or one error line naming two fixes: deploying this version, or {@code otherwise}.
     */
    public String output(String key, String otherwise) {
        String value = outputs.get(key);
        if (value == null || value.isBlank()) {
            throw new ReplicatorException("stack " + stackName + " in " + region + " has no output " + key
                    + ": deploy this version of the replication stack, or " + otherwise);
        }
        return value;
    }

    public String tableName() {
        return output(StackOutputs.TABLE_NAME);
    }

    /** The account the stack is deployed in, from its id; empty when the id is not a stack ARN. */
    public Optional<String> accountId() {
        if (stackId == null) {
            return Optional.empty();
        }
        Matcher matcher = STACK_ARN.matcher(stackId);
        return matcher.matches() ? Optional.of(matcher.group(1)) : Optional.empty();
    }
}
