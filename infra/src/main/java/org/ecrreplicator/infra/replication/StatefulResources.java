package org.ecrreplicator.infra.replication;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ecrreplicator.domain.state.StateTable;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.dynamodb.Attribute;
import software.amazon.awscdk.services.dynamodb.AttributeType;
import software.amazon.awscdk.services.dynamodb.BillingMode;
import software.amazon.awscdk.services.dynamodb.PointInTimeRecoverySpecification;
import software.amazon.awscdk.services.dynamodb.Table;
import software.amazon.awscdk.services.dynamodb.TableEncryption;
import software.amazon.awscdk.services.iam.IGrantable;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.secretsmanager.CfnSecret;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretAttributes;
import software.amazon.awscdk.services.sqs.DeadLetterQueue;
import software.amazon.awscdk.services.sqs.Queue;
import software.amazon.awscdk.services.sqs.QueueEncryption;

/**
 * What the replication keeps between deployments: the destination secret, the per-tag state table and the
 * four queues. Their construct ids are their logical ids: CloudFormation replaces a resource whose logical id
 * changes, and a replaced table, queue or secret loses what it held (decision 0063).
 *
 * @param queue the replication queue (FIFO): Enqueue writes, Dispatch reads, RecordResult re-queues
 * @param deadLetters where the replication queue moves a request that failed {@code queueMaxReceiveCount} times
 * @param eventDeliveryDeadLetters where EventBridge puts an event it could not deliver to a function
 * @param invocationFailures where Lambda puts an event Enqueue or Completion still failed on (decision 0060)
 */
record StatefulResources(
        CredentialsSecret secret,
        Table table,
        Queue queue,
        Queue deadLetters,
        Queue eventDeliveryDeadLetters,
        Queue invocationFailures) {

    /** The secret with the destination IAM user's access keys, and how the functions and the build name it. */
    record CredentialsSecret(ISecret secret, String reference, Optional<CfnSecret> created) {}

    static StatefulResources create(Stack stack, ReplicationSettings settings) {
        CredentialsSecret secret = destinationSecret(stack, settings);
        Table table = table(stack);
        Queue eventDeliveryDeadLetters = standardQueue(stack, "EventDeliveryDeadLetterQueue");
        Queue invocationFailures = standardQueue(stack, "InvocationFailureQueue");
        Queue deadLetters = fifoQueue(stack, settings, "ReplicationDeadLetterQueue", null);
        Queue queue = fifoQueue(stack, settings, "ReplicationQueue", deadLetters);
        return new StatefulResources(secret, table, queue, deadLetters, eventDeliveryDeadLetters, invocationFailures);
    }

    /** Reads and conditional writes of single items: no scans, queries or deletes. */
    void grantStateItems(IGrantable grantee) {
        table.grant(grantee, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");
    }

    /**
     * What reporting a build needs (Completion and the sweep, decision 0071): the items of the replicated
     * repositories' tags and digests and their removal records, read and written; the attempt items, only read.
     * No other item: in particular no attempt is written, so neither can point a build at another task.
     */
    void grantReportedItems(IGrantable grantee, RepositoryFilter repositories) {
        List<String> keys = new ArrayList<>(repositories.stateKeyPatterns());
        repositories.iamRepositoryPatterns().forEach(pattern -> keys.add(StateTable.REMOVAL_PREFIX + pattern + "@*"));
        grantItems(grantee, keys, "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem");
        grantItems(grantee, List.of(ATTEMPT_KEYS), "dynamodb:GetItem");
    }

    /** StartReconcileBuild stores its attempts' task tokens and touches no other item (decision 0071). */
    void grantAttemptWrites(IGrantable grantee) {
        grantItems(grantee, List.of(ATTEMPT_KEYS), "dynamodb:GetItem", "dynamodb:PutItem");
    }

    /** The keys of the attempt items: {@code #attempt#<id>} and {@code #attempt#token#<hash>}. */
    static final String ATTEMPT_KEYS = StateTable.ATTEMPT_PREFIX + "*";

    /** Single items of the table whose key matches one of {@code keys} (the table has no sort key). */
    private void grantItems(IGrantable grantee, List<String> keys, String... actions) {
        grantee.getGrantPrincipal()
                .addToPrincipalPolicy(PolicyStatement.Builder.create()
                        .actions(List.of(actions))
                        .resources(List.of(table.getTableArn()))
                        .conditions(Map.of("ForAllValues:StringLike", Map.of("dynamodb:LeadingKeys", keys)))
                        .build());
    }

    /** Its ARN when created here, its name when imported. */
    private static CredentialsSecret destinationSecret(Stack stack, ReplicationSettings settings) {
        if (settings.destinationSecretName().isPresent()) {
            String name = settings.destinationSecretName().get();
            ISecret imported = Secret.fromSecretNameV2(stack, "DestinationSecret", name);
            return new CredentialsSecret(imported, name, Optional.empty());
        }
        // The L1 resource: the L2 Secret always generates a value when given none, and the stack must never
        // own the credentials. Without SecretString or GenerateSecretString CloudFormation creates the secret
        // empty; an operator puts the value (see docs/deploy.md).
        CfnSecret created = CfnSecret.Builder.create(stack, "DestinationSecret")
                .name(settings.resourceName() + "/destination")
                .description("Credentials of the IAM user in the destination partition, as JSON with the fields"
                        + " user, accesskey, secretaccesskey, partition (aws, aws-us-gov or aws-cn) and accountid."
                        + " Created empty by the stack; set by an operator.")
                .build();
        ISecret secret = Secret.fromSecretAttributes(
                stack,
                "DestinationSecretRef",
                SecretAttributes.builder().secretCompleteArn(created.getRef()).build());
        return new CredentialsSecret(secret, created.getRef(), Optional.of(created));
    }

    private static Table table(Stack stack) {
        return Table.Builder.create(stack, "StateTable")
                // The item layout is the domain's (StateTable): one String key, history rows expire by TTL.
                .partitionKey(Attribute.builder()
                        .name(StateTable.KEY)
                        .type(AttributeType.STRING)
                        .build())
                .billingMode(BillingMode.PAY_PER_REQUEST)
                .pointInTimeRecoverySpecification(PointInTimeRecoverySpecification.builder()
                        .pointInTimeRecoveryEnabled(true)
                        .build())
                .encryption(TableEncryption.AWS_MANAGED)
                .timeToLiveAttribute(StateTable.TTL)
                .build();
    }

    /**
     * A standard queue where events wait for an operator: EventBridge targets take only a standard queue as
     * their dead-letter queue, and Lambda destinations cannot write to a FIFO queue. SSE-SQS is an encryption
     * EventBridge can write to without a key policy and the functions' roles without a key grant.
     */
    private static Queue standardQueue(Stack stack, String id) {
        return Queue.Builder.create(stack, id)
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(14))
                .build();
    }

    private static Queue fifoQueue(Stack stack, ReplicationSettings settings, String id, Queue deadLetters) {
        Queue.Builder builder = Queue.Builder.create(stack, id)
                .fifo(true)
                // Enqueue sets the deduplication id (the event id): identical bodies of two events are distinct.
                .contentBasedDeduplication(false)
                .encryption(QueueEncryption.SQS_MANAGED)
                .enforceSsl(true)
                .retentionPeriod(Duration.days(deadLetters == null ? 14 : 4));
        if (deadLetters != null) {
            // Six times the consumer's timeout, as the Lambda documentation advises for SQS event sources.
            builder.visibilityTimeout(Duration.seconds(6L * FunctionSpec.DISPATCH.timeoutSeconds()))
                    .deadLetterQueue(DeadLetterQueue.builder()
                            .queue(deadLetters)
                            .maxReceiveCount(settings.queueMaxReceiveCount())
                            .build());
        }
        return builder.build();
    }
}
