package org.ecrreplicator.worker.engine;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.function.LongConsumer;
import org.ecrreplicator.domain.Digest;

/**
 * Hashes and counts a blob while it streams through. At the end (or as soon as there are too many bytes)
 * it compares length and digest with the descriptor and fails the read, which aborts the upload the
 * stream feeds: the destination never commits damaged content, and the error names both digests.
 */
final class VerifyingInputStream extends FilterInputStream {
    private final Descriptor expected;
    private final MessageDigest hasher;
    private final LongConsumer progress;
    private long count;
    private boolean verified;
    private volatile DigestMismatchException failure;
    private volatile long lastActivity = System.nanoTime();

    VerifyingInputStream(InputStream in, Descriptor expected, LongConsumer progress) {
        super(in);
        this.expected = expected;
        this.hasher = Digests.hasher(expected.digest());
        this.progress = progress;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (failure != null) {
            throw failure;
        }
        int n;
        try {
            n = in.read(buffer, offset, length);
        } catch (IOException e) {
            if (failure != null) {
                throw failure;
            }
            throw e;
        }
        if (failure != null) {
            throw failure;
        }
        lastActivity = System.nanoTime();
        if (n < 0) {
            verify();
            return -1;
        }
        hasher.update(buffer, offset, n);
        count += n;
        progress.accept(n);
        if (count > expected.size()) {
            throw fail("blob " + expected.digest() + " is longer than the " + expected.size()
                    + " bytes its descriptor says");
        }
        return n;
    }

    private void verify() throws DigestMismatchException {
        if (verified) {
            return;
        }
        if (count != expected.size()) {
            throw fail("blob " + expected.digest() + " ended after " + count + " of " + expected.size()
                    + " bytes (truncated transfer)");
        }
        Digest actual = new Digest(
                expected.digest().algorithm(), java.util.HexFormat.of().formatHex(hasher.digest()));
        if (!actual.equals(expected.digest())) {
            throw fail("blob content hashes to " + actual + ", expected " + expected.digest());
        }
        verified = true;
    }

    private DigestMismatchException fail(String message) {
        failure = new DigestMismatchException(message);
        return failure;
    }

    /** Gives up on a stalled download: closing the source makes the blocked read return, and the upload fail. */
    void abandon(String reason) {
        fail("blob " + expected.digest() + " stalled after " + count + " of " + expected.size() + " bytes (" + reason
                + ")");
        try {
            in.close();
        } catch (IOException e) {
            // closing is how we interrupt the read; a failure to close changes nothing
        }
    }

    /** Why verification failed, or null. */
    DigestMismatchException failure() {
        return failure;
    }

    long bytesRead() {
        return count;
    }

    long lastActivityNanos() {
        return lastActivity;
    }

    @Override
    public long skip(long n) throws IOException {
        throw new IOException("skipping would leave bytes unverified");
    }

    @Override
    public boolean markSupported() {
        return false;
    }
}
