package org.ecrreplicator.infra.replication;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.ecrreplicator.infra.ReplicationStacks;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Template;

/**
 * One sanitised snapshot per stack (dev environment): a reviewer sees every template change in the diff.
 * Volatile values are replaced: asset hashes (they follow the jars), Lambda version hashes (they follow the
 * code) and the state-machine definitions (each .asl.json file is checked on its own). Update
 * with {@code mvn -pl infra test -Dtest=SnapshotTest -DupdateSnapshots=true} and review the diff.
 */
class SnapshotTest {
    static final Path SNAPSHOTS = Path.of("src/test/resources/snapshots");
    private static final Pattern ASSET_HASH = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern VERSION_HASH = Pattern.compile("(CurrentVersion[0-9A-F]{8})[0-9a-f]{32}");

    @Test
    void shouldMatchTheSnapshotOfEachStack() throws IOException {
        ReplicationStacks.Defined defined = TestApps.define("dev");
        for (Stack stack : List.of(defined.replication(), defined.destinationAccess())) {
            String actual = sanitise(Template.fromStack(stack).toJSON());
            Path snapshot = SNAPSHOTS.resolve(stack.getStackName() + ".template.json");
            if (Boolean.getBoolean("updateSnapshots")) {
                Files.createDirectories(SNAPSHOTS);
                Files.writeString(snapshot, actual, StandardCharsets.UTF_8);
                continue;
            }
            assertThat(snapshot)
                    .as("snapshot " + snapshot + " is missing: create it with"
                            + " mvn -pl infra test -Dtest=SnapshotTest -DupdateSnapshots=true")
                    .exists();
            assertThat(actual)
                    .as("the template of " + stack.getStackName() + " differs from " + snapshot
                            + ": if the change is intended, update with -DupdateSnapshots=true and review the diff")
                    .isEqualTo(Files.readString(snapshot, StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldReplaceAssetAndVersionHashesAndTheDefinition() throws IOException {
        String sanitised = sanitise(Map.of(
                "Resources",
                Map.of(
                        "FnCurrentVersionABCDEF120123456789abcdef0123456789abcdef",
                        Map.of("S3Key", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.jar"),
                        "Workflow",
                        Map.of("Properties", Map.of("DefinitionString", "{\"StartAt\":\"X\"}")),
                        "ReconcileWorkflow",
                        Map.of(
                                "Properties",
                                Map.of(
                                        "StateMachineName",
                                        "ecr-replicator-dev-reconcile",
                                        "DefinitionString",
                                        "{\"StartAt\":\"Y\"}")))));
        assertThat(sanitised)
                .contains("FnCurrentVersionABCDEF12<hash>")
                .contains("<asset-hash>.jar")
                .contains("<statemachine/replicate.asl.json>")
                .contains("<statemachine/reconcile.asl.json>")
                .doesNotContain("StartAt");
    }

    @SuppressWarnings("unchecked")
    static String sanitise(Map<String, Object> original) throws IOException {
        Map<String, Object> template = (Map<String, Object>) deepCopy(original);
        Object resources = template.get("Resources");
        if (resources instanceof Map<?, ?> map) {
            for (Object resource : map.values()) {
                Object properties = ((Map<String, Object>) resource).get("Properties");
                if (properties instanceof Map<?, ?> props && props.containsKey("DefinitionString")) {
                    String file = String.valueOf(props.get("StateMachineName")).endsWith("-reconcile")
                            ? DeploymentArtifacts.RECONCILE_STATE_MACHINE
                            : DeploymentArtifacts.STATE_MACHINE;
                    ((Map<String, Object>) props).put("DefinitionString", "<" + file + ">");
                }
            }
        }
        String json = TestApps.JSON
                .copy()
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .writerWithDefaultPrettyPrinter()
                .writeValueAsString(template);
        json = ASSET_HASH.matcher(json).replaceAll("<asset-hash>");
        json = VERSION_HASH.matcher(json).replaceAll("$1<hash>");
        return json + "\n";
    }

    private static Object deepCopy(Object value) throws IOException {
        return TestApps.JSON.readValue(TestApps.JSON.writeValueAsBytes(value), Object.class);
    }
}
