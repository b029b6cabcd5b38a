package org.ecrreplicator.worker.engine.sync;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A registry, or the repositories under a path in it: {@code host[:port]} or {@code host[:port]/prefix}.
 * Repositories map between two locations by their path below the prefix: {@code team/a/b} under {@code
 * team} is {@code a/b}, which is {@code mirror/a/b} under {@code mirror}.
 *
 * @param authority {@code host[:port]}
 * @param prefix the path repositories are under, without slashes at either end; empty for the whole registry
 */
public record RegistryLocation(String authority, String prefix) {
    private static final Pattern AUTHORITY = Pattern.compile(
            "(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
                    + "(?::[0-9]{1,5})?|\\[[0-9A-Fa-f:]+](?::[0-9]{1,5})?");
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");

    /**
     * Parses {@code host[:port]} or {@code host[:port]/prefix}.
     *
     * @param what how the argument is named in the error (e.g. {@code SOURCE})
     * @throws IllegalArgumentException naming what is wrong and what to write instead
     */
    public static RegistryLocation parse(String text, String what) {
        String example = " (e.g. registry.example.com:5000 or registry.example.com/team)";
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(what + " is empty: give host[:port] or host[:port]/prefix" + example);
        }
        if (text.contains("://")) {
            throw new IllegalArgumentException(what + " '" + text + "' has a scheme: drop '"
                    + text.substring(0, text.indexOf("://") + 3) + "' and give host[:port] or host[:port]/prefix"
                    + " (--insecure chooses plain HTTP)");
        }
        if (text.contains("@")) {
            throw new IllegalArgumentException(what + " '" + text + "' names a digest: give host[:port] or"
                    + " host[:port]/prefix, without '@...'; diff and sync compare every tag under it");
        }
        String trimmed = text.endsWith("/") ? text.substring(0, text.length() - 1) : text;
        int slash = trimmed.indexOf('/');
        String authority = slash < 0 ? trimmed : trimmed.substring(0, slash);
        String prefix = slash < 0 ? "" : trimmed.substring(slash + 1);
        if (prefix.contains(":")) {
            throw new IllegalArgumentException(what + " '" + text + "' names a tag: give host[:port] or"
                    + " host[:port]/prefix, without ':tag'; diff and sync compare every tag under it");
        }
        if (!AUTHORITY.matcher(authority).matches()) {
            throw new IllegalArgumentException(
                    what + " '" + text + "' does not start with a registry host[:port]" + example);
        }
        if (!prefix.isEmpty()) {
            for (String component : prefix.split("/", -1)) {
                if (!COMPONENT.matcher(component).matches()) {
                    throw new IllegalArgumentException(what + " '" + text + "' has an invalid path component '"
                            + component + "': repository paths are lowercase letters, digits and . _ -,"
                            + " separated by single slashes");
                }
            }
        }
        return new RegistryLocation(authority, prefix);
    }

    /** The path of {@code repository} below the prefix, or empty when it is not under it. */
    public Optional<String> relative(String repository) {
        if (prefix.isEmpty()) {
            return Optional.of(repository);
        }
        return repository.startsWith(prefix + "/")
                ? Optional.of(repository.substring(prefix.length() + 1))
                : Optional.empty();
    }

    /** The repository at {@code relative} below the prefix. */
    public String repository(String relative) {
        return prefix.isEmpty() ? relative : prefix + "/" + relative;
    }

    @Override
    public String toString() {
        return prefix.isEmpty() ? authority : authority + "/" + prefix;
    }
}
