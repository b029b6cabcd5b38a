package org.ecrreplicator.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;

/** The app as the CDK CLI runs it: which environments it defines, and how a bad one ends. */
class InfraAppTest {
    @TempDir
    Path out;

    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @Test
    void shouldDefineEveryEnvironmentWhenNoEnvIsGivenAsCdkBootstrapRunsIt() throws IOException {
        int status = InfraApp.run(app(null), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).as(err.toString(StandardCharsets.UTF_8)).isZero();
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith(".template.json")))
                    .contains(
                            "ecr-replicator-dev-replication.template.json",
                            "ecr-replicator-prod-replication.template.json",
                            "ecr-replicator-dev-destination-access.template.json",
                            "ecr-replicator-prod-destination-access.template.json");
        }
    }

    @Test
    void shouldEndWithOneLineNamingTheChoicesWhenEnvIsUnknown() {
        int status = InfraApp.run(app("staging"), new PrintStream(err, true, StandardCharsets.UTF_8));

        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("error: context 'env' is 'staging', which is not an environment: use one of [dev, prod]"
                        + System.lineSeparator());
    }

    private App app(String env) {
        Map<String, Object> context = new HashMap<>(CdkJson.context());
        if (env != null) {
            context.put(EnvironmentContext.ENV_KEY, env);
        }
        return App.Builder.create().context(context).outdir(out.toString()).build();
    }
}
