package org.ecrreplicator.infra.replication;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Which repositories are replicated: a list of name prefixes or a list of wildcard patterns, never both.
 * The same list drives the EventBridge pattern and every IAM resource that names a repository, so the
 * events we act on and the repositories we may touch cannot drift apart.
 */
public record RepositoryFilter(Kind kind, List<String> patterns) {
    /** Repository-name characters (lowercase, digits, '.', '_', '-', '/'); wildcards add '*'. */
    private static final Pattern PREFIX = Pattern.compile("[a-z0-9._/-]+");

    private static final Pattern WILDCARD = Pattern.compile("[a-z0-9._/*-]+");

    public enum Kind {
        PREFIX("prefix"),
        WILDCARD("wildcard");

        private final String eventPatternOperator;

        Kind(String eventPatternOperator) {
            this.eventPatternOperator = eventPatternOperator;
        }
    }

    public RepositoryFilter {
        if (patterns == null || patterns.isEmpty()) {
            throw new IllegalArgumentException("a repository filter needs at least one pattern");
        }
        patterns = List.copyOf(patterns);
        Pattern allowed = kind == Kind.PREFIX ? PREFIX : WILDCARD;
        for (String pattern : patterns) {
            if (!allowed.matcher(pattern).matches()) {
                throw new IllegalArgumentException("'" + pattern + "' is not a valid repository "
                        + (kind == Kind.PREFIX
                                ? "prefix: use lowercase letters, digits, '.', '_', '-' and '/'"
                                : "wildcard: use lowercase letters, digits, '.', '_', '-', '/' and '*'"));
            }
        }
    }

    /** The value of {@code detail.repository-name} in the EventBridge pattern: any of the patterns. */
    public List<Map<String, String>> eventPatternValues() {
        return patterns.stream()
                .map(pattern -> Map.of(kind.eventPatternOperator, pattern))
                .toList();
    }

    /**
     * The filter as the reconcile builds read it ({@code REPOSITORY_FILTER}): {@code prefix:} or {@code wildcard:}
     * and the comma-separated patterns, which hold no comma.
     */
    public String buildVariable() {
        return kind.eventPatternOperator + ":" + String.join(",", patterns);
    }

    /**
     * The leading keys of the state-table items a build may touch for these repositories: {@code repo:tag} and
     * {@code repo@digest}, as IAM {@code StringLike} patterns.
     */
    public List<String> stateKeyPatterns() {
        return iamRepositoryPatterns().stream()
                .flatMap(pattern -> Stream.of(pattern + ":*", pattern + "@*"))
                .toList();
    }

    /** The repository part of ECR ARNs ({@code repository/<this>}): IAM's '*' matches like EventBridge's. */
    public List<String> iamRepositoryPatterns() {
        return patterns.stream()
                .map(pattern -> kind == Kind.PREFIX ? pattern + "*" : pattern)
                .toList();
    }
}
