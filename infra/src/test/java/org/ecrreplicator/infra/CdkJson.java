package org.ecrreplicator.infra;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Map;
import org.ecrreplicator.infra.replication.DeploymentArtifacts;

/** The repository's real cdk.json, as the tests' apps read it. */
public final class CdkJson {
    private CdkJson() {}

    /** Its whole {@code context} object (environments and feature flags), freshly parsed: callers may change it. */
    public static Map<String, Object> context() {
        Path cdkJson = DeploymentArtifacts.repositoryRoot(Path.of("")).resolve("cdk.json");
        try {
            Map<String, Object> whole =
                    new ObjectMapper().readValue(cdkJson.toFile(), new TypeReference<Map<String, Object>>() {});
            @SuppressWarnings("unchecked")
            Map<String, Object> context = (Map<String, Object>) whole.get("context");
            return context;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
