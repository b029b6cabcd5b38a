package org.ecrreplicator.domain;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * {@code host[:port]/path/to/repository[:tag][@sha256:<hex>]}. The host is required: this system always
 * talks to a named registry, and guessing Docker Hub would copy the wrong image silently.
 *
 * @param tag may be null
 * @param digest may be null; when both are present the digest is what gets copied
 */
public record ImageReference(String host, int port, String repository, String tag, Digest digest) {

    /** No port given: the scheme's default applies. */
    public static final int DEFAULT_PORT = -1;

    private static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?");
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+]");

    public ImageReference {
        requireHost(host);
        if (port != DEFAULT_PORT && (port < 1 || port > 65535)) {
            throw new InvalidReferenceException("port", port + " is out of range 1-65535");
        }
        Names.requireRepository(repository);
        if (tag != null) {
            Names.requireTag(tag);
        }
    }

    public static ImageReference parse(String reference) {
        if (reference == null || reference.isBlank()) {
            throw new InvalidReferenceException(
                    "reference", "is empty: expected host[:port]/repository[:tag][@sha256:<digest>]");
        }
        int slash = reference.indexOf('/');
        if (slash < 0) {
            throw new InvalidReferenceException(
                    "reference",
                    "'" + reference + "' has no registry host: expected host[:port]/repository[:tag][@digest]");
        }
        String hostPort = reference.substring(0, slash);
        if (!looksLikeHost(hostPort)) {
            throw new InvalidReferenceException(
                    "host",
                    "'" + hostPort + "' in '" + reference
                            + "' is not a registry host: name the registry, e.g. 123456789012.dkr.ecr.us-east-1.amazonaws.com/"
                            + reference);
        }
        String host = hostPort;
        int port = DEFAULT_PORT;
        int portColon = hostPort.lastIndexOf(':');
        if (portColon > hostPort.lastIndexOf(']')) {
            host = hostPort.substring(0, portColon);
            port = parsePort(hostPort.substring(portColon + 1));
        }

        String remainder = reference.substring(slash + 1);
        Digest digest = null;
        int at = remainder.indexOf('@');
        if (at >= 0) {
            digest = Digest.parse(remainder.substring(at + 1));
            remainder = remainder.substring(0, at);
        }
        String tag = null;
        int tagColon = remainder.lastIndexOf(':');
        if (tagColon >= 0 && tagColon > remainder.lastIndexOf('/')) {
            tag = remainder.substring(tagColon + 1);
            if (tag.isEmpty()) {
                throw new InvalidReferenceException("tag", "is empty after ':' in '" + reference + "'");
            }
            remainder = remainder.substring(0, tagColon);
        }
        return new ImageReference(host, port, remainder, tag, digest);
    }

    public static ImageReference ofTag(String hostPort, String repository, String tag) {
        return parse(hostPort + "/" + repository).withTag(tag);
    }

    public static ImageReference ofDigest(String hostPort, String repository, Digest digest) {
        return parse(hostPort + "/" + repository).withDigest(digest);
    }

    public ImageReference withTag(String newTag) {
        return new ImageReference(host, port, repository, newTag, digest);
    }

    public ImageReference withDigest(Digest newDigest) {
        return new ImageReference(host, port, repository, tag, newDigest);
    }

    public ImageReference withRepository(String newRepository) {
        return new ImageReference(host, port, newRepository, tag, digest);
    }

    /** {@code host} or {@code host:port}, as a registry's base URL needs it. */
    public String authority() {
        return port == DEFAULT_PORT ? host : host + ":" + port;
    }

    /** What to ask the registry for: the digest when known, else the tag, else {@code latest}. */
    public String manifestReference() {
        if (digest != null) {
            return digest.toString();
        }
        return tag != null ? tag : "latest";
    }

    public Optional<String> tagValue() {
        return Optional.ofNullable(tag);
    }

    public Optional<Digest> digestValue() {
        return Optional.ofNullable(digest);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder(authority()).append('/').append(repository);
        if (tag != null) {
            text.append(':').append(tag);
        }
        if (digest != null) {
            text.append('@').append(digest);
        }
        return text.toString();
    }

    private static boolean looksLikeHost(String candidate) {
        return candidate.contains(".")
                || candidate.contains(":")
                || candidate.startsWith("[")
                || candidate.equals("localhost");
    }

    private static int parsePort(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(Character::isDigit)) {
            throw new InvalidReferenceException("port", "'" + text + "' is not a number from 1 to 65535");
        }
        return Integer.parseInt(text);
    }

    private static void requireHost(String host) {
        if (host == null || host.isEmpty()) {
            throw new InvalidReferenceException("host", "is empty");
        }
        if (IPV6.matcher(host).matches()) {
            return;
        }
        if (host.length() > 253) {
            throw new InvalidReferenceException("host", "is longer than 253 characters");
        }
        for (String label : host.split("\\.", -1)) {
            if (!HOST_LABEL.matcher(label).matches() || label.length() > 63) {
                throw new InvalidReferenceException(
                        "host", "'" + host + "' has an invalid label '" + label + "': use letters, digits and '-'");
            }
        }
    }
}
