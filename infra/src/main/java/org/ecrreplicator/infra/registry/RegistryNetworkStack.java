package org.ecrreplicator.infra.registry;

import static org.ecrreplicator.infra.Suppressions.suppression;

import io.github.cdklabs.cdknag.NagSuppressions;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.FlowLogTrafficType;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.IpAddresses;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.constructs.Construct;

/** {@code registry-<env>-common}: the registry's VPC over two availability zones. */
public final class RegistryNetworkStack extends Stack {
    private final Vpc vpc;

    public RegistryNetworkStack(Construct scope, RegistrySettings settings) {
        super(
                scope,
                settings.networkStackName(),
                StackProps.builder()
                        .stackName(settings.networkStackName())
                        .description("Docker registry network (" + settings.environment() + ")")
                        .env(Environment.builder().region(settings.region()).build())
                        .build());
        LogGroup flowLogs = LogGroup.Builder.create(this, "FlowLogs")
                .retention(RetentionDays.ONE_YEAR)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        vpc = Vpc.Builder.create(this, "Vpc")
                .ipAddresses(IpAddresses.cidr(settings.vpcCidr()))
                .maxAzs(2)
                .natGateways(settings.natGateways())
                .flowLogs(Map.of(
                        "FlowLog",
                        FlowLogOptions.builder()
                                .destination(FlowLogDestination.toCloudWatchLogs(flowLogs))
                                .trafficType(FlowLogTrafficType.ALL)
                                .build()))
                .build();
        // The feature flag @aws-cdk/aws-ec2:restrictDefaultSecurityGroup adds a CDK-owned Lambda that empties
        // the default security group; its runtime and role are CDK's, not ours to change.
        NagSuppressions.addResourceSuppressionsByPath(
                this,
                "/" + settings.networkStackName() + "/Custom::VpcRestrictDefaultSGCustomResourceProvider/Role",
                List.of(
                        suppression(
                                "AwsSolutions-IAM4",
                                "CDK's provider for restricting the default security group uses the AWS"
                                        + " managed AWSLambdaBasicExecutionRole for its own logs",
                                List.of(
                                        "Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"))));
        RegistryTags.apply(this, settings);
    }

    public IVpc vpc() {
        return vpc;
    }
}
