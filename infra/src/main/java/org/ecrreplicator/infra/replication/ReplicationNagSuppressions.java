package org.ecrreplicator.infra.replication;

import static org.ecrreplicator.infra.Suppressions.regex;
import static org.ecrreplicator.infra.Suppressions.suppression;

import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.stepfunctions.StateMachine;

/**
 * cdk-nag findings of the replication stack that are deliberate, each on the one construct it concerns and with
 * its reason (decision 0035). The rest of the stack is clean.
 */
final class ReplicationNagSuppressions {
    private ReplicationNagSuppressions() {}

    static void apply(
            ReplicationSettings settings,
            StatefulResources state,
            ReplicationBuild build,
            StateMachine workflow,
            StateMachine reconcile,
            ReplicationFunctions functions) {
        functions(settings, functions);
        workflow(workflow, "four", List.of("ReadSecret", "CheckState", "StartBuild", "RecordResult"));
        workflow(reconcile, "three", List.of("ReadSecret", "StartReconcileBuild", "RecordReconcile"));
        build(build);
        queues(state);
        // With rotation on the rotation schedule resolves the finding (decision 0075); only an operator who
        // turned it off has chosen to rotate by hand.
        if (settings.rotationDays().isEmpty()) {
            state.secret()
                    .created()
                    .ifPresent(secret -> NagSuppressions.addResourceSuppressions(
                            secret,
                            List.of(suppression(
                                    "AwsSolutions-SMG4",
                                    "rotationDays is off: operators rotate the destination user's key by hand"
                                            + " (docs/deploy.md)"))));
        }
    }

    private static void functions(ReplicationSettings settings, ReplicationFunctions functions) {
        for (Map.Entry<FunctionSpec, Alias> entry : functions.aliases().entrySet()) {
            Function function = (Function) entry.getValue().getVersion().getLambda();
            NagSuppressions.addResourceSuppressions(
                    function,
                    List.of(suppression(
                            "AwsSolutions-L1",
                            "java21 is the runtime the functions are compiled for (release 21, docs/decisions/0001-java-21.md);"
                                    + " moving to a newer Java runtime is a deliberate upgrade, not a default")));
            // applyToChildren: the grants land in the role's DefaultPolicy, a child of the role.
            List<Object> evidence = new ArrayList<>(List.of("Resource::*"));
            String reason = "X-Ray trace upload (xray:PutTraceSegments, PutTelemetryRecords) supports no"
                    + " resource-level permissions";
            if (entry.getKey() == FunctionSpec.DISPATCH) {
                evidence.add(regex("/^Resource::arn:[a-z-]+:states:[a-z0-9-]+:(<AWS::AccountId>|\\d{12}):execution:"
                        + settings.resourceName() + ":\\*$/"));
                reason += "; DescribeExecution covers the executions of this stack's state machine only";
            }
            NagSuppressions.addResourceSuppressions(
                    functions.role(entry.getKey()), List.of(suppression("AwsSolutions-IAM5", reason, evidence)), true);
        }
    }

    private static void workflow(StateMachine workflow, String count, List<String> tasks) {
        NagSuppressions.addResourceSuppressions(
                workflow,
                List.of(
                        suppression(
                                "AwsSolutions-SF1",
                                "Logs ERROR only and without execution data by design: the execution history"
                                        + " already holds every state's input and output"),
                        suppression(
                                "AwsSolutions-IAM5",
                                "CloudWatch Logs delivery and X-Ray actions support no resource-level permissions;"
                                        + " Lambda invoke is granted on the " + count + " task aliases only (CDK adds"
                                        + " their ':*' form)",
                                List.of(
                                        "Resource::*",
                                        regex("/^Resource::<(" + String.join("|", tasks)
                                                + ")Alias[0-9A-F]{8}>:\\*$/")))),
                true);
    }

    private static void build(ReplicationBuild build) {
        NagSuppressions.addResourceSuppressions(
                build.project(),
                List.of(suppression(
                        "AwsSolutions-CB4",
                        "The build produces no artifacts and keeps no data; its logs go to CloudWatch"
                                + " Logs. A customer key would add cost and a key policy to manage")));
        NagSuppressions.addResourceSuppressions(
                build.role(),
                List.of(suppression(
                        "AwsSolutions-IAM5",
                        "ecr:GetAuthorizationToken has no resource-level permissions; repository reads are scoped"
                                + " to the configured prefixes or wildcards (by design a pattern), and the"
                                + " reconcile's DescribeRepositories without names is authorised on repository/*"
                                + " only; the read of the source asset and the default CodeBuild log group are"
                                + " CDK's own grants",
                        List.of(
                                "Resource::*",
                                "Action::s3:GetBucket*",
                                "Action::s3:GetObject*",
                                "Action::s3:List*",
                                regex(
                                        "/^Resource::arn:[a-z-]+:ecr:[a-z0-9-]+:(<AWS::AccountId>|\\d{12}):repository\\/.+$/"),
                                regex("/^Resource::arn:[a-z-]+:logs:[a-z0-9-]+:(<AWS::AccountId>|\\d{12}):log-group:"
                                        + "\\/aws\\/codebuild\\/<ReplicationBuild[0-9A-F]{8}>:\\*$/")))),
                true);
    }

    private static void queues(StatefulResources state) {
        NagSuppressions.addResourceSuppressions(
                state.eventDeliveryDeadLetters(),
                List.of(suppression(
                        "AwsSolutions-SQS3",
                        "This is the dead-letter queue of the EventBridge targets (cdk-nag does not see that"
                                + " use); it has no dead-letter queue of its own")));
        NagSuppressions.addResourceSuppressions(
                state.deadLetters(),
                List.of(suppression(
                        "AwsSolutions-SQS3",
                        "This is the dead-letter queue of the replication queue; it has no dead-letter queue of"
                                + " its own")));
        NagSuppressions.addResourceSuppressions(
                state.invocationFailures(),
                List.of(suppression(
                        "AwsSolutions-SQS3",
                        "This is the on-failure destination of the Enqueue and Completion invocations (cdk-nag"
                                + " does not see that use); an operator replays and deletes its messages, so it"
                                + " has no dead-letter queue of its own")));
    }
}
