package org.ecrreplicator.domain;

import java.util.regex.Pattern;

/** Validation of repository names and tags, per the OCI distribution spec. */
public final class Names {
    /** Path component: lowercase alphanumerics separated by one period, one or two underscores, or dashes. */
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*");

    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,127}");

    /** ECR's limit; the distribution spec recommends keeping host and name under 255 as well. */
    public static final int MAX_REPOSITORY_LENGTH = 256;

    private Names() {}

    public static String requireRepository(String repository) {
        if (repository == null || repository.isEmpty()) {
            throw new InvalidReferenceException("repository", "is empty");
        }
        if (repository.length() > MAX_REPOSITORY_LENGTH) {
            throw new InvalidReferenceException(
                    "repository", "is " + repository.length() + " characters long: at most " + MAX_REPOSITORY_LENGTH);
        }
        String[] components = repository.split("/", -1);
        for (int i = 0; i < components.length; i++) {
            String component = components[i];
            if (component.isEmpty()) {
                throw new InvalidReferenceException(
                        "repository", "'" + repository + "' has an empty path component at position " + (i + 1));
            }
            if (!COMPONENT.matcher(component).matches()) {
                throw new InvalidReferenceException(
                        "repository",
                        "component '" + component + "' of '" + repository
                                + "' is invalid: use lowercase letters and digits, separated by '.', '_', '__' or '-'");
            }
        }
        return repository;
    }

    public static String requireTag(String tag) {
        if (tag == null || tag.isEmpty()) {
            throw new InvalidReferenceException("tag", "is empty");
        }
        if (!TAG.matcher(tag).matches()) {
            throw new InvalidReferenceException(
                    "tag",
                    "'" + tag + "' is invalid: up to 128 characters of letters, digits, '_', '.' and '-',"
                            + " not starting with '.' or '-'");
        }
        return tag;
    }
}
