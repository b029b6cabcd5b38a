package org.ecrreplicator.domain.contract;

/**
 * Where the build leaves the two runnable jars, relative to the repository root. Maven attaches each shaded
 * jar under a classifier, so modules that depend on {@code worker} or {@code functions} in the reactor get the
 * thin jars and no class twice; the CDK app deploys these files, the local pipeline runs the worker's, and
 * {@code bin/replicator}, {@code bin/check-synth} and the benchmarks use the same paths.
 */
public final class Artifacts {
    /** The worker with its dependencies: the {@code replicator} CLI and the build's {@code replicate}. */
    public static final String WORKER_JAR = "worker/target/replicator-worker-cli.jar";

    /** Every Lambda handler with its dependencies: the functions' code asset. */
    public static final String FUNCTIONS_JAR = "functions/target/replicator-functions-lambda.jar";

    /** The name the worker jar has in the build's source: {@code buildspec.yml} runs {@code java -jar replicator.jar}. */
    public static final String STAGED_WORKER_JAR = "replicator.jar";

    private Artifacts() {}
}
