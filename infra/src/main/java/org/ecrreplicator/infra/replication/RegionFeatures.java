package org.ecrreplicator.infra.replication;

import java.util.Set;
import org.ecrreplicator.domain.Partition;

/**
 * Region-dependent features, as data. The app makes no AWS call at synth, so what a region offers is
 * written down here; a region missing from a table gets the feature off by default, and switching it on
 * there fails synth. These tables are deliberately conservative: a region that gained a feature after they
 * were written only misses an optimisation (add it here), while a wrong entry would break a deployment.
 * GovCloud and China are in none of them, so the defaults deploy in every partition.
 */
public final class RegionFeatures {
    /**
     * Lambda functions on arm64 (Graviton2). Source: the AWS What's New posts "AWS Lambda Functions powered by
     * AWS Graviton2 processor" (2021-09-29) and the regional expansions that followed in 2021-2022; check the
     * Lambda pricing page of a region before adding it.
     */
    static final Set<String> LAMBDA_ARM64 = Set.of(
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
            "ca-central-1",
            "eu-central-1",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "eu-north-1",
            "eu-south-1",
            "ap-south-1",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-east-1",
            "sa-east-1",
            "me-south-1",
            "af-south-1");

    /**
     * Lambda SnapStart for Java. Source: the AWS What's New posts "AWS Lambda SnapStart for Java functions"
     * (2022-11-28: us-east-1, us-east-2, us-west-2, ap-southeast-1, ap-southeast-2, ap-northeast-1, eu-central-1,
     * eu-west-1, eu-north-1) and "... now available in 7 additional Regions" (2023-06-08: af-south-1, ap-east-1,
     * ap-southeast-3, ap-northeast-3, eu-south-1, eu-west-3, me-south-1). SnapStart supports java21 and arm64
     * (since 2024) wherever it is offered.
     */
    static final Set<String> SNAPSTART = Set.of(
            "us-east-1",
            "us-east-2",
            "us-west-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-northeast-1",
            "eu-central-1",
            "eu-west-1",
            "eu-north-1",
            "af-south-1",
            "ap-east-1",
            "ap-southeast-3",
            "ap-northeast-3",
            "eu-south-1",
            "eu-west-3",
            "me-south-1");

    /**
     * CodeBuild on Lambda compute (LINUX_LAMBDA_CONTAINER). Source: the AWS What's New post "AWS CodeBuild now
     * supports AWS Lambda compute" (2023-11-06) and the CodeBuild User Guide, "Which Regions support AWS Lambda
     * compute in CodeBuild?".
     */
    static final Set<String> CODEBUILD_LAMBDA_COMPUTE = Set.of(
            "us-east-1",
            "us-east-2",
            "us-west-2",
            "ap-south-1",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-northeast-1",
            "eu-central-1",
            "eu-west-1",
            "sa-east-1");

    private RegionFeatures() {}

    public static boolean lambdaArm64(String region) {
        return Partition.fromRegion(region) == Partition.AWS && LAMBDA_ARM64.contains(region);
    }

    public static boolean snapStart(String region) {
        return Partition.fromRegion(region) == Partition.AWS && SNAPSTART.contains(region);
    }

    public static boolean codeBuildLambdaCompute(String region) {
        return Partition.fromRegion(region) == Partition.AWS && CODEBUILD_LAMBDA_COMPUTE.contains(region);
    }
}
