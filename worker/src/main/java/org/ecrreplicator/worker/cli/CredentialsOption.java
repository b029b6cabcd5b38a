package org.ecrreplicator.worker.cli;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.ecrreplicator.worker.engine.Endpoint;
import org.ecrreplicator.worker.engine.ecr.EcrApi;
import picocli.CommandLine.Model.CommandSpec;

/** {@code --src-creds} / {@code --dest-creds}, else the matching environment variable. */
enum CredentialsOption {
    SOURCE("--src-creds", "REPLICATOR_SRC_CREDS", "Source"),
    DESTINATION("--dest-creds", "REPLICATOR_DEST_CREDS", "Destination");

    private final String option;
    private final String variable;
    private final String side;

    CredentialsOption(String option, String variable, String side) {
        this.option = option;
        this.variable = variable;
        this.side = side;
    }

    /** {@code --src-creds} or {@code --dest-creds}. */
    String option() {
        return option;
    }

    /** The environment variable, which keeps credentials out of process listings. */
    String variable() {
        return variable;
    }

    /** How error messages name where the credentials came from. */
    String where() {
        return option + "/" + variable;
    }

    CommandSpec mixin() {
        return CommandSpecs.mixin(CommandSpecs.option(
                        option,
                        "USER:PASS",
                        String.class,
                        side + " registry credentials. Prefer the environment variable " + variable
                                + ", which stays out of process listings. Without either: anonymous, or ECR auth"
                                + " for ECR hosts.")
                .build());
    }

    /** The option's value, or null when it was not given. */
    String value(CommandSpec command) {
        return CommandSpecs.value(command, option);
    }

    /**
     * How an operator command reaches {@code host} on this side: the option's credentials; else, for an ECR host,
     * the AWS identity of {@link AwsCredentialsOptions} (a profile, the destination secret's keys); else the
     * environment variable's credentials; else ECR auth with the default AWS credentials for an ECR host, else
     * anonymous. An AWS option beats the environment variable, as any option does. Repositories are never
     * created.
     */
    Endpoint endpoint(
            CommandSpec command, Environment environment, String host, boolean insecure, EcrFactory ecrFactory) {
        return endpoint(
                command,
                environment,
                host,
                insecure,
                ecrFactory,
                () -> AwsIdentity.defaultChain(side.toLowerCase(Locale.ROOT)));
    }

    /**
     * Like {@link #endpoint(CommandSpec, Environment, String, boolean, EcrFactory)}, with {@code fallback} instead
     * of the default AWS credentials when nothing else names an ECR host's credentials ({@code status --live}: the
     * deployment's profile, or its destination secret). {@code fallback} is asked only then.
     */
    Endpoint endpoint(
            CommandSpec command,
            Environment environment,
            String host,
            boolean insecure,
            EcrFactory ecrFactory,
            Supplier<AwsIdentity> fallback) {
        String given = value(command);
        Optional<AwsIdentity> aws = AwsSides.identity(this, command, host, given != null);
        String userPassword = given != null || aws.isPresent()
                ? given
                : environment.get(variable).orElse(null);
        AwsIdentity identity = aws.isPresent()
                ? aws.get()
                : userPassword == null && Endpoints.ecrRegistry(host).isPresent()
                        ? fallback.get()
                        : AwsIdentity.defaultChain(side.toLowerCase(Locale.ROOT));
        return Endpoints.forHost(
                host,
                userPassword,
                where(),
                insecure,
                ecrFactory,
                identity,
                EcrApi.RepositoryDefaults.noCreate(),
                "pass " + option + " USER:PASSWORD, or set " + variable + "=USER:PASSWORD");
    }
}
