package org.ecrreplicator.infra.replication;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * statemachine/replicate.asl.json with its {@code ${Name}} placeholders. Synth fails when a placeholder has no
 * substitution (Step Functions would reject or, worse, keep the literal text) or a substitution matches no
 * placeholder (the ASL and the app have drifted apart).
 */
public record StateMachineDefinition(Path file, String json, Set<String> placeholders) {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Za-z0-9_]+)}");

    public static StateMachineDefinition load(Path file) {
        try {
            String json = Files.readString(file, StandardCharsets.UTF_8);
            return new StateMachineDefinition(file, json, placeholders(json));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the state-machine definition " + file, e);
        }
    }

    public static Set<String> placeholders(String json) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = PLACEHOLDER.matcher(json);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    public void requireSubstitutions(Map<String, String> substitutions) {
        Set<String> missing = new TreeSet<>(placeholders);
        missing.removeAll(substitutions.keySet());
        Set<String> unused = new TreeSet<>(substitutions.keySet());
        unused.removeAll(placeholders);
        if (!missing.isEmpty() || !unused.isEmpty()) {
            throw new IllegalStateException("the state-machine definition " + file + " and the CDK app disagree:"
                    + (missing.isEmpty() ? "" : " placeholders without a substitution " + missing + ";")
                    + (unused.isEmpty() ? "" : " substitutions no placeholder uses " + unused + ";")
                    + " the placeholders are fixed in the contracts (ReplicationStack.substitutions)");
        }
    }
}
