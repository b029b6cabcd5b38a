package org.ecrreplicator.infra.replication;

import java.util.Arrays;
import java.util.List;
import software.amazon.awscdk.services.codebuild.ComputeType;
import software.amazon.awscdk.services.codebuild.IBuildImage;
import software.amazon.awscdk.services.codebuild.LinuxBuildImage;
import software.amazon.awscdk.services.codebuild.LinuxLambdaBuildImage;

/**
 * The CodeBuild compute types the replication build may use, each with an image that has Corretto 21.
 * EC2 images (amazonlinux-x86_64-standard:5.0) carry several JDKs and expose Java 21 as {@code JAVA_21_HOME};
 * the Lambda image (amazonlinux-x86_64-lambda-standard:corretto21) has only Java 21. buildspec.yml handles both.
 */
public enum BuildCompute {
    BUILD_GENERAL1_SMALL(ComputeType.SMALL, false),
    BUILD_GENERAL1_MEDIUM(ComputeType.MEDIUM, false),
    BUILD_LAMBDA_1GB(ComputeType.LAMBDA_1GB, true),
    BUILD_LAMBDA_2GB(ComputeType.LAMBDA_2GB, true),
    BUILD_LAMBDA_4GB(ComputeType.LAMBDA_4GB, true);

    /** Lambda compute runs a build for at most 15 minutes (the Lambda limit). */
    public static final int LAMBDA_MAX_BUILD_MINUTES = 15;

    private final ComputeType computeType;
    private final boolean lambda;

    BuildCompute(ComputeType computeType, boolean lambda) {
        this.computeType = computeType;
        this.lambda = lambda;
    }

    public ComputeType computeType() {
        return computeType;
    }

    public boolean lambda() {
        return lambda;
    }

    public IBuildImage image() {
        return lambda ? LinuxLambdaBuildImage.AMAZON_LINUX_2023_CORRETTO_21 : LinuxBuildImage.AMAZON_LINUX_2023_5;
    }

    public static List<String> names() {
        return Arrays.stream(values()).map(Enum::name).toList();
    }
}
