package org.ecrreplicator.infra;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import software.constructs.Node;

/**
 * The one accessor for CDK context. {@code -c env=dev|prod} picks an entry of {@code environments} in
 * cdk.json; every value is read through a typed getter that fails synth with the full context path, what
 * was found and what is valid. Stacks never call {@code tryGetContext} themselves.
 */
public final class EnvironmentContext {
    public static final String ENV_KEY = "env";
    public static final String ENVIRONMENTS_KEY = "environments";

    private final String name;
    private final Section root;

    private EnvironmentContext(String name, Section root) {
        this.name = name;
        this.root = root;
    }

    public static EnvironmentContext from(Node node) {
        return of(node.tryGetContext(ENV_KEY), node.tryGetContext(ENVIRONMENTS_KEY));
    }

    /**
     * The environment {@code -c env} names, or every environment when it names none. The CDK CLI synthesizes
     * the app for commands that need no environment of ours, {@code cdk bootstrap aws://...} first among them;
     * with every environment defined, those work, and {@code cdk deploy} still makes the operator name stacks,
     * whose names carry the environment.
     */
    public static List<EnvironmentContext> selected(Node node) {
        Object env = node.tryGetContext(ENV_KEY);
        Object environments = node.tryGetContext(ENVIRONMENTS_KEY);
        if (env != null && !String.valueOf(env).isBlank()) {
            return List.of(of(env, environments));
        }
        return names(environments).stream().map(name -> of(name, environments)).toList();
    }

    /** The environment names cdk.json defines, sorted. */
    public static List<String> names(Object environments) {
        if (!(environments instanceof Map<?, ?> all) || all.isEmpty()) {
            throw new InvalidContextException("context '" + ENVIRONMENTS_KEY
                    + "' is missing from cdk.json: it maps each environment name to its settings");
        }
        return all.keySet().stream().map(String::valueOf).sorted().toList();
    }

    /** Testable without an App: the raw values of {@code env} and {@code environments}. */
    public static EnvironmentContext of(Object env, Object environments) {
        List<String> choices = names(environments);
        Map<?, ?> all = (Map<?, ?>) environments;
        if (env == null || String.valueOf(env).isBlank()) {
            throw new InvalidContextException(
                    "context '" + ENV_KEY + "' is not set: pass -c env=<name> with one of " + choices);
        }
        String name = String.valueOf(env);
        Object settings = all.get(name);
        if (settings == null) {
            throw new InvalidContextException(
                    "context '" + ENV_KEY + "' is '" + name + "', which is not an environment: use one of " + choices);
        }
        return new EnvironmentContext(name, Section.of(ENVIRONMENTS_KEY + "." + name, settings));
    }

    public String name() {
        return name;
    }

    public Section section(String key) {
        return root.section(key);
    }

    public Section root() {
        return root;
    }

    /** Synth fails with this; the message is what an operator reads. */
    public static final class InvalidContextException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        public InvalidContextException(String message) {
            super(message);
        }
    }

    /** One object in the context tree, read with typed, validating getters. */
    public static final class Section {
        private final String path;
        private final Map<String, Object> values;

        private Section(String path, Map<String, Object> values) {
            this.path = path;
            this.values = values;
        }

        static Section of(String path, Object value) {
            if (!(value instanceof Map<?, ?> map)) {
                throw new InvalidContextException("context '" + path + "' must be an object, found " + describe(value));
            }
            Map<String, Object> copy = new LinkedHashMap<>();
            map.forEach((key, entry) -> copy.put(String.valueOf(key), entry));
            return new Section(path, copy);
        }

        public String path() {
            return path;
        }

        public boolean has(String key) {
            return values.get(key) != null;
        }

        /** Whether the value is a string, for settings that take a number or a word such as {@code off}. */
        public boolean isString(String key) {
            return values.get(key) instanceof String;
        }

        public Section section(String key) {
            Object value = values.get(key);
            if (value == null) {
                throw missing(key, "an object");
            }
            return Section.of(path(key), value);
        }

        public Optional<Section> optionalSection(String key) {
            return has(key) ? Optional.of(section(key)) : Optional.empty();
        }

        public String string(String key) {
            return optionalString(key).orElseThrow(() -> missing(key, "a string"));
        }

        public Optional<String> optionalString(String key) {
            Object value = values.get(key);
            if (value == null) {
                return Optional.empty();
            }
            if (!(value instanceof String text) || text.isBlank()) {
                throw invalid(key, value, "a non-empty string");
            }
            return Optional.of(text);
        }

        public String matching(String key, Pattern pattern, String expected) {
            String value = string(key);
            if (!pattern.matcher(value).matches()) {
                throw invalid(key, value, expected);
            }
            return value;
        }

        public String oneOf(String key, List<String> choices) {
            String value = string(key);
            if (!choices.contains(value)) {
                throw invalid(key, value, "one of " + choices);
            }
            return value;
        }

        public String oneOf(String key, List<String> choices, String defaultValue) {
            return has(key) ? oneOf(key, choices) : defaultValue;
        }

        public int integer(String key, int min, int max) {
            Object value = values.get(key);
            if (value == null) {
                throw missing(key, "a whole number from " + min + " to " + max);
            }
            return checkInteger(key, value, min, max);
        }

        public int integer(String key, int min, int max, int defaultValue) {
            Object value = values.get(key);
            return value == null ? defaultValue : checkInteger(key, value, min, max);
        }

        private int checkInteger(String key, Object value, int min, int max) {
            if (value instanceof Number number
                    && number.doubleValue() == Math.rint(number.doubleValue())
                    && number.doubleValue() >= min
                    && number.doubleValue() <= max) {
                return number.intValue();
            }
            throw invalid(key, value, "a whole number from " + min + " to " + max);
        }

        public boolean bool(String key, boolean defaultValue) {
            Object value = values.get(key);
            if (value == null) {
                return defaultValue;
            }
            if (value instanceof Boolean flag) {
                return flag;
            }
            throw invalid(key, value, "true or false");
        }

        public List<String> stringList(String key) {
            Object value = values.get(key);
            if (value == null) {
                return List.of();
            }
            if (!(value instanceof List<?> list)) {
                throw invalid(key, value, "a list of strings");
            }
            List<String> result = new ArrayList<>();
            for (Object item : list) {
                if (!(item instanceof String text) || text.isBlank()) {
                    throw invalid(key, value, "a list of non-empty strings");
                }
                result.add(text);
            }
            return List.copyOf(result);
        }

        public Map<String, String> stringMap(String key) {
            Object value = values.get(key);
            if (value == null) {
                return Map.of();
            }
            if (!(value instanceof Map<?, ?> map)) {
                throw invalid(key, value, "an object of string values");
            }
            Map<String, String> result = new LinkedHashMap<>();
            for (Map.Entry<?, ?> entry : map.entrySet()) {
                if (!(entry.getValue() instanceof String text)) {
                    throw invalid(key, value, "an object of string values");
                }
                result.put(String.valueOf(entry.getKey()), text);
            }
            return result;
        }

        public InvalidContextException invalid(String key, Object value, String expected) {
            return new InvalidContextException(
                    "context '" + path(key) + "' is " + describe(value) + ": expected " + expected);
        }

        private InvalidContextException missing(String key, String expected) {
            return new InvalidContextException("context '" + path(key) + "' is missing: expected " + expected);
        }

        private String path(String key) {
            return path + "." + key;
        }

        private static String describe(Object value) {
            if (value == null) {
                return "missing";
            }
            return value instanceof String ? "'" + value + "'" : String.valueOf(value);
        }
    }
}
