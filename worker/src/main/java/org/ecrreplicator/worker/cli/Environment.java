package org.ecrreplicator.worker.cli;

import java.util.Map;
import java.util.Optional;

/** The process environment, read once; tests pass their own map. */
record Environment(Map<String, String> variables) {
    Environment {
        variables = Map.copyOf(variables);
    }

    static Environment system() {
        return new Environment(System.getenv());
    }

    Optional<String> get(String name) {
        String value = variables.get(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
    }

    /** Never echoes the value: some of these are secrets. */
    String require(String name, String meaning) {
        return get(name)
                .orElseThrow(() -> new UsageException(
                        "environment variable " + name + " is not set: it" + " must hold " + meaning));
    }

    boolean flag(String name, boolean fallback) {
        Optional<String> value = get(name);
        if (value.isEmpty()) {
            return fallback;
        }
        return switch (value.get().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new UsageException("environment variable " + name + " must be true or false");
        };
    }
}
