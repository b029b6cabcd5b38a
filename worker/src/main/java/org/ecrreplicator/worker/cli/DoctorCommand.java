package org.ecrreplicator.worker.cli;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.ecrreplicator.domain.Durations;
import org.ecrreplicator.worker.doctor.Doctor;
import org.ecrreplicator.worker.doctor.DoctorClients;
import org.ecrreplicator.worker.doctor.DoctorReport;
import picocli.CommandLine.Model.CommandSpec;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.SdkClient;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.ecr.EcrClient;
import software.amazon.awssdk.services.eventbridge.EventBridgeClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.sqs.SqsClient;

/** {@code replicator doctor [--dest-profile P] [--max-reconcile-age DURATION] [--json]} with the deployment options. */
final class DoctorCommand implements Callable<Integer> {
    private static final String DEST_PROFILE = "--dest-profile";
    private static final String MAX_RECONCILE_AGE = "--max-reconcile-age";
    private static final String JSON = "--json";

    private final CommandSpec spec;

    DoctorCommand() {
        spec = CommandSpecs.command(
                this,
                "doctor",
                "Checks a deployment end to end: pass, warn or fail, and the fix.",
                "Checks, changing nothing: the stacks exist and are settled; the destination secret is present and"
                        + " well formed (its AWSCURRENT version, the one ReadSecret reads); its keys authenticate in"
                        + " the destination partition (ECR GetAuthorizationToken there); the destination user may"
                        + " reach the repositories of the stack's filter (DescribeRepositories); the stack's"
                        + " EventBridge rules are enabled; the replication DLQ, the event-delivery DLQ and the"
                        + " invocation-failure queue are empty; every alarm of the stack notifies an SNS topic; the"
                        + " last reconcile ended in sync, recently enough.",
                "One line per check: PASS, WARN or FAIL, its name and what was found; under a WARN or a FAIL, the"
                        + " fix. The secret's values are used, never printed.");
        spec.addMixin("deployment", DeploymentOptions.mixin());
        spec.addOption(CommandSpecs.option(
                        DEST_PROFILE,
                        "PROFILE",
                        String.class,
                        "A profile of the destination partition: also check the destination-access stack.")
                .build());
        spec.addOption(CommandSpecs.option(
                        MAX_RECONCILE_AGE,
                        "DURATION",
                        String.class,
                        "Warn when the last reconcile ended longer ago (default: 36h): " + Durations.FORMS + ".")
                .defaultValue("36h")
                .build());
        spec.addOption(CommandSpecs.flag(JSON, "One JSON object instead of the lines."));
        CommandSpecs.exitCodes(
                spec, "0:every check passed (warnings allowed)", "1:a check failed (its line says the fix)", "2:usage");
    }

    CommandSpec spec() {
        return spec;
    }

    @Override
    public Integer call() {
        Duration maxAge;
        try {
            maxAge = Durations.parse(CommandSpecs.value(spec, MAX_RECONCILE_AGE), MAX_RECONCILE_AGE);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String stackName = DeploymentOptions.stackName(spec);
        Optional<String> destinationProfile = Optional.ofNullable(CommandSpecs.value(spec, DEST_PROFILE));
        DoctorReport report;
        try (Clients clients = new Clients(DeploymentOptions.clients(spec), destinationProfile)) {
            report = new Doctor(clients, Clock.systemUTC(), new Doctor.Options(maxAge)).run(stackName);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (CommandSpecs.flag(spec, JSON)) {
            out.println(report.json());
        } else {
            out.print(report.text());
        }
        out.flush();
        return report.passed() ? 0 : ReplicatorCommand.FAILED;
    }

    /** Each client built when a check first needs it, all closed at the end. */
    private static final class Clients implements DoctorClients, AutoCloseable {
        private final AwsClients source;
        private final Optional<String> destinationProfile;
        private final List<SdkClient> made = new ArrayList<>();
        private CloudFormationClient cloudFormation;
        private SecretsManagerClient secretsManager;
        private SqsClient sqs;
        private EventBridgeClient eventBridge;
        private CloudWatchClient cloudWatch;
        private DynamoDbClient dynamoDb;
        private EcrClient destinationEcr;
        private CloudFormationClient destinationCloudFormation;

        Clients(AwsClients source, Optional<String> destinationProfile) {
            this.source = source;
            this.destinationProfile = destinationProfile;
        }

        private <C extends SdkClient> C made(C client) {
            made.add(client);
            return client;
        }

        private <C extends SdkClient> C once(C current, Supplier<C> build) {
            return current != null ? current : made(build.get());
        }

        @Override
        public CloudFormationClient cloudFormation() {
            cloudFormation = once(cloudFormation, source::cloudFormation);
            return cloudFormation;
        }

        @Override
        public SecretsManagerClient secretsManager() {
            secretsManager = once(secretsManager, source::secretsManager);
            return secretsManager;
        }

        @Override
        public SqsClient sqs() {
            sqs = once(sqs, source::sqs);
            return sqs;
        }

        @Override
        public EventBridgeClient eventBridge() {
            eventBridge = once(eventBridge, source::eventBridge);
            return eventBridge;
        }

        @Override
        public CloudWatchClient cloudWatch() {
            cloudWatch = once(cloudWatch, source::cloudWatch);
            return cloudWatch;
        }

        @Override
        public DynamoDbClient dynamoDb() {
            dynamoDb = once(dynamoDb, source::dynamoDb);
            return dynamoDb;
        }

        /** One client for the run: doctor asks for one region and one set of keys. */
        @Override
        public EcrClient destinationEcr(String region, AwsCredentialsProvider keys) {
            destinationEcr =
                    once(destinationEcr, () -> new AwsClients(Optional.empty(), Optional.of(region)).ecr(keys));
            return destinationEcr;
        }

        @Override
        public Optional<CloudFormationClient> destinationCloudFormation(String region) {
            if (destinationProfile.isEmpty()) {
                return Optional.empty();
            }
            destinationCloudFormation =
                    once(destinationCloudFormation, () -> new AwsClients(destinationProfile, Optional.of(region))
                            .cloudFormation());
            return Optional.of(destinationCloudFormation);
        }

        @Override
        public void close() {
            made.forEach(SdkClient::close);
        }
    }
}
