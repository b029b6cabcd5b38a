package org.ecrreplicator.worker.doctor;

import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/**
 * The clients {@link Doctor} calls, built on demand and closed by whoever made them. The source side's are in the
 * replication stack's region with the operator's credentials; the destination's are made for a region and keys.
 */
public interface DoctorClients {
    CloudFormationClient cloudFormation();

    SecretsManagerClient secretsManager();

    SqsClient sqs();

    EventBridgeClient eventBridge();

    CloudWatchClient cloudWatch();

    DynamoDbClient dynamoDb();

    /** ECR in the destination {@code region} with the destination user's keys. */
    EcrClient destinationEcr(String region, AwsCredentialsProvider keys);

    /** CloudFormation in the destination partition, when the operator gave credentials of it; else empty. */
    Optional<CloudFormationClient> destinationCloudFormation(String region);
}
