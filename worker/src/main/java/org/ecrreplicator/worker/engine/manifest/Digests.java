package org.ecrreplicator.worker.engine.manifest;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.ecrreplicator.domain.Digest;

/** Hashing for the digest algorithms {@link Digest} accepts. */
public final class Digests {
    private Digests() {}

    public static MessageDigest hasher(Digest digest) {
        return hasher(digest.algorithm());
    }

    public static MessageDigest hasher(String algorithm) {
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

    public static Digest of(String algorithm, byte[] bytes) {
        return new Digest(
                algorithm, java.util.HexFormat.of().formatHex(hasher(algorithm).digest(bytes)));
    }
}
