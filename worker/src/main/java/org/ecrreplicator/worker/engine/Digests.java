package org.ecrreplicator.worker.engine;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.ecrreplicator.domain.Digest;

/** Hashing for the digest algorithms {@link Digest} accepts. */
final class Digests {
    private Digests() {}

    static MessageDigest hasher(Digest digest) {
        return hasher(digest.algorithm());
    }

    static MessageDigest hasher(String algorithm) {
        try {
            return MessageDigest.getInstance(
                    switch (algorithm) {
                        case "sha256" -> "SHA-256";
                        case "sha512" -> "SHA-512";
                        default -> throw new IllegalArgumentException("unsupported digest algorithm " + algorithm);
                    });
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK lacks " + algorithm, e);
        }
    }

    static Digest of(String algorithm, byte[] bytes) {
        return new Digest(
                algorithm, java.util.HexFormat.of().formatHex(hasher(algorithm).digest(bytes)));
    }
}
