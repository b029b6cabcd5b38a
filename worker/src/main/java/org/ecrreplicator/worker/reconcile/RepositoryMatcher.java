package org.ecrreplicator.worker.reconcile;

import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which repositories a reconcile covers: the stack's repository filter ({@code prefix:a/,b/} or {@code
 * wildcard:team-*}, as the EventBridge rule matches them) narrowed by an optional prefix.
 */
public record RepositoryMatcher(List<Pattern> patterns, String narrowing) {
    public RepositoryMatcher {
        patterns = List.copyOf(patterns);
        narrowing = narrowing == null ? "" : narrowing;
    }

    /**
     * @param filter {@code prefix:} or {@code wildcard:} and comma-separated patterns; {@code prefix:} alone
     *     matches every repository
     * @throws IllegalArgumentException naming the expected form
     */
    public static RepositoryMatcher parse(String filter, String narrowing) {
        int colon = filter == null ? -1 : filter.indexOf(':');
        String kind = colon < 0 ? "" : filter.substring(0, colon);
        if (!kind.equals("prefix") && !kind.equals("wildcard")) {
            throw new IllegalArgumentException("the repository filter '" + filter + "' must start with 'prefix:' or"
                    + " 'wildcard:' followed by comma-separated patterns");
        }
        List<String> values = Arrays.stream(filter.substring(colon + 1).split(","))
                .map(String::trim)
                .filter(value -> !value.isEmpty())
                .toList();
        if (values.isEmpty()) {
            values = List.of(kind.equals("prefix") ? "" : "*");
        }
        boolean prefix = kind.equals("prefix");
        List<Pattern> patterns = values.stream()
                .map(value -> prefix ? Pattern.compile(Pattern.quote(value) + ".*") : glob(value))
                .toList();
        return new RepositoryMatcher(patterns, narrowing);
    }

    /** EventBridge's and IAM's wildcard: '*' matches any run of characters, '/' included. */
    private static Pattern glob(String wildcard) {
        StringBuilder regex = new StringBuilder();
        for (String part : wildcard.split("\\*", -1)) {
            if (!regex.isEmpty()) {
                regex.append(".*");
            }
            regex.append(Pattern.quote(part));
        }
        return Pattern.compile(regex.toString());
    }

    public boolean matches(String repository) {
        return repository.startsWith(narrowing)
                && patterns.stream()
                        .anyMatch(pattern -> pattern.matcher(repository).matches());
    }
}
