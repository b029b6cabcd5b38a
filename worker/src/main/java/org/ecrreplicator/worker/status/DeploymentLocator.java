package org.ecrreplicator.worker.status;

import java.util.LinkedHashMap;
import java.util.Map;
import org.ecrreplicator.worker.engine.ReplicatorException;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.CloudFormationException;
import software.amazon.awssdk.services.cloudformation.model.Output;
import software.amazon.awssdk.services.cloudformation.model.Stack;

/**
 * Finds a deployment by its stack's outputs ({@code DescribeStacks}): the outputs are the contract between the
 * stack and the operator commands, so nothing here knows how the stack names its resources.
 */
public final class DeploymentLocator {
    private DeploymentLocator() {}

    public static Deployment locate(CloudFormationClient cloudFormation, String stackName) {
        String region =
                String.valueOf(cloudFormation.serviceClientConfiguration().region());
        Stack stack;
        try {
            stack = cloudFormation.describeStacks(request -> request.stackName(stackName)).stacks().stream()
                    .findFirst()
                    .orElse(null);
        } catch (CloudFormationException e) {
            if (e.awsErrorDetails() != null
                    && "ValidationError".equals(e.awsErrorDetails().errorCode())
                    && String.valueOf(e.awsErrorDetails().errorMessage()).contains("does not exist")) {
                stack = null;
            } else {
                throw new ReplicatorException(
                        "DescribeStacks of " + stackName + " in " + region + " failed: "
                                + (e.awsErrorDetails() == null
                                        ? e.getMessage()
                                        : e.awsErrorDetails().errorMessage()),
                        e);
            }
        }
        if (stack == null) {
            throw new ReplicatorException("stack " + stackName + " does not exist in " + region
                    + ": deploy it (docs/deploy.md), or pass --stack NAME (and --region) of the replication stack");
        }
        Map<String, String> outputs = new LinkedHashMap<>();
        for (Output output : stack.outputs()) {
            outputs.put(output.outputKey(), output.outputValue());
        }
        return new Deployment(stack.stackName(), stack.stackId(), region, outputs);
    }
}
