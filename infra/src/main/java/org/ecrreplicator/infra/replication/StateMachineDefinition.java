package org.ecrreplicator.infra.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.ecrreplicator.domain.contract.StateMachineTemplate;

/**
 * A state-machine definition (statemachine/replicate.asl.json, statemachine/reconcile.asl.json) with its
 * {@code ${Name}} placeholders. Synth fails when the substitutions and the placeholders disagree, by the same
 * check the local Step Functions stand-in makes ({@link StateMachineTemplate#requireExactly}).
 */
public record StateMachineDefinition(Path file, String json) {
    public static StateMachineDefinition load(Path file) {
        try {
            return new StateMachineDefinition(file, Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the state-machine definition " + file, e);
        }
    }

    public Set<String> placeholders() {
        return StateMachineTemplate.placeholders(json);
    }

    /** @throws IllegalArgumentException naming the file, the placeholders without a value and the unused values */
    public void requireSubstitutions(Map<String, String> substitutions) {
        StateMachineTemplate.requireExactly(json, substitutions, "the state-machine definition " + file);
    }
}
