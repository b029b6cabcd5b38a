package org.ecrreplicator.worker.doctor;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.ecrreplicator.domain.contract.StackOutputs;

/**
 * The stack's repository filter as its {@link StackOutputs#REPOSITORY_FILTER} output writes it: {@code prefix:}
 * or {@code wildcard:} and the patterns, comma-separated.
 */
public record RepositoryPatterns(boolean wildcard, List<String> patterns) {
    /** The repository name a probe asks for: inside each pattern, and not one anybody would create. */
    static final String PROBE = "ecr-replicator-doctor-probe";

    private static final Pattern PREFIX = Pattern.compile("[a-z0-9._/-]+");
    private static final Pattern WILDCARD = Pattern.compile("[a-z0-9._/*-]+");

    public RepositoryPatterns {
        patterns = List.copyOf(patterns);
    }

    /** @throws IllegalArgumentException saying what the value should look like */
    public static RepositoryPatterns parse(String value) {
        int colon = value.indexOf(':');
        String kind = colon < 0 ? "" : value.substring(0, colon);
        if (!kind.equals("prefix") && !kind.equals("wildcard")) {
            throw new IllegalArgumentException("'" + value + "' is not prefix:PATTERNS or wildcard:PATTERNS");
        }
        boolean wildcard = kind.equals("wildcard");
        List<String> patterns = Arrays.stream(value.substring(colon + 1).split(","))
                .map(String::strip)
                .filter(pattern -> !pattern.isEmpty())
                .toList();
        Pattern allowed = wildcard ? WILDCARD : PREFIX;
        if (patterns.isEmpty()
                || !patterns.stream()
                        .allMatch(pattern -> allowed.matcher(pattern).matches())) {
            throw new IllegalArgumentException("'" + value + "' names no valid repository " + kind);
        }
        return new RepositoryPatterns(wildcard, patterns);
    }

    /**
     * A repository name that the pattern matches, for a {@code DescribeRepositories} that tells an allowed caller
     * ({@code RepositoryNotFoundException}) from a denied one ({@code AccessDeniedException}) without needing the
     * repository to exist: a prefix followed by the probe's name, or the wildcard with each {@code *} the probe's
     * name.
     */
    public static String probe(String pattern, boolean wildcard) {
        if (wildcard) {
            return pattern.replace("*", PROBE);
        }
        return pattern + PROBE;
    }

    public String probe(String pattern) {
        return probe(pattern, wildcard);
    }

    @Override
    public String toString() {
        return (wildcard ? "wildcard " : "prefix ") + String.join(", ", patterns);
    }
}
