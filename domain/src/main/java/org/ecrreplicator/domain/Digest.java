package org.ecrreplicator.domain;

import java.util.regex.Pattern;

/**
 * A content digest as the OCI image spec defines it. Only the registered algorithms are accepted
 * (sha256 with 64 and sha512 with 128 lowercase hex characters): a registry verifies nothing else.
 */
public record Digest(String algorithm, String encoded) {

    private static final Pattern ALGORITHM = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*");
    private static final Pattern SHA256 = Pattern.compile("[a-f0-9]{64}");
    private static final Pattern SHA512 = Pattern.compile("[a-f0-9]{128}");

    public Digest {
        if (algorithm == null || !ALGORITHM.matcher(algorithm).matches()) {
            throw new InvalidReferenceException(
                    "digest", "algorithm '" + algorithm + "' is not a valid algorithm name");
        }
        switch (algorithm) {
            case "sha256" -> requireEncoded(SHA256, encoded, "64");
            case "sha512" -> requireEncoded(SHA512, encoded, "128");
            default ->
                throw new InvalidReferenceException(
                        "digest", "algorithm '" + algorithm + "' is not supported: use sha256 or sha512");
        }
    }

    public static Digest parse(String value) {
        if (value == null || value.isEmpty()) {
            throw new InvalidReferenceException("digest", "is empty: expected sha256:<64 hex characters>");
        }
        int colon = value.indexOf(':');
        if (colon < 0) {
            throw new InvalidReferenceException(
                    "digest", "'" + value + "' has no algorithm: expected sha256:<64 hex characters>");
        }
        return new Digest(value.substring(0, colon), value.substring(colon + 1));
    }

    public static Digest sha256(byte[] hash) {
        return new Digest("sha256", java.util.HexFormat.of().formatHex(hash));
    }

    private static void requireEncoded(Pattern pattern, String encoded, String length) {
        if (encoded == null || !pattern.matcher(encoded).matches()) {
            throw new InvalidReferenceException(
                    "digest", "encoded part '" + encoded + "' must be " + length + " lowercase hex characters");
        }
    }

    // Written out: the record's generated equals and hashCode are bootstrapped through invokedynamic, which
    // spins method-handle classes at run time on every start of the copy engine (the AOT cache keeps none).
    @Override
    public boolean equals(Object other) {
        return other instanceof Digest that && algorithm.equals(that.algorithm) && encoded.equals(that.encoded);
    }

    @Override
    public int hashCode() {
        return 31 * algorithm.hashCode() + encoded.hashCode();
    }

    @Override
    public String toString() {
        return algorithm + ":" + encoded;
    }
}
