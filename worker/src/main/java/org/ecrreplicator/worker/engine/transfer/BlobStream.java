package org.ecrreplicator.worker.engine.transfer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.function.LongConsumer;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.manifest.DigestMismatchException;
import org.ecrreplicator.worker.engine.manifest.Digests;
import org.ecrreplicator.worker.engine.registry.Retrier;

/**
 * Carries one blob from a download's body into an upload's body on one thread, hashing and counting it on
 * the way: one buffer, read, hashed, written (docs/decisions/0076-blob-bytes-on-blocking-connections.md).
 *
 * <p>The read that completes the blob is written only after length and digest match the descriptor; on a
 * mismatch, a truncated or over-long body, or a stalled transfer, the upload is broken off instead, so a
 * destination never receives the whole of a damaged blob. Memory is one buffer, whatever the blob's size.
 *
 * <p>Another thread (the {@link TransferWatchdog}, a cancelled copy) may {@link #abandon} the stream: the
 * connection {@link #attach attached} to it is broken, and the copying thread fails with the reason. A stalled
 * download ends by its read timeout instead, with the same reason.
 */
final class BlobStream {
    /** Large enough to take what a fast socket has ready in one read: one hash update and one write per read. */
    static final int BUFFER_BYTES = 256 * 1024;

    private final Descriptor expected;
    private final Duration idleTimeout;
    private final MessageDigest hasher;
    private final LongConsumer progress;
    private final Runnable sent;
    private final List<Runnable> breakers = new ArrayList<>();
    private volatile IOException failure;
    private volatile long lastActivity = System.nanoTime();
    private volatile boolean sentAll;
    private volatile long count;

    /**
     * @param idleTimeout the download's read timeout, named when a read waits that long
     * @param progress told of the bytes each write passed on
     * @param sent run once, when the upload has been given the whole blob (verified): the rest is the
     *     destination's to commit
     */
    BlobStream(Descriptor expected, Duration idleTimeout, LongConsumer progress, Runnable sent) {
        this.expected = expected;
        this.idleTimeout = idleTimeout;
        this.hasher = Digests.hasher(expected.digest());
        this.progress = progress;
        this.sent = sent;
    }

    /**
     * Registers how to break one of the transfer's connections from another thread (the upload's: see {@link
     * org.ecrreplicator.worker.engine.registry.BlobConnection}); broken at once if the stream has failed.
     */
    void attach(Runnable breaker) {
        synchronized (breakers) {
            if (failure == null) {
                breakers.add(breaker);
                return;
            }
        }
        breaker.run();
    }

    /**
     * Reads {@code download} to its end, writing every byte to {@code upload}, and closes {@code upload} once
     * the whole blob has been verified.
     *
     * @throws DigestMismatchException when the content is not the descriptor's (retryable: a damaged transfer)
     * @throws IOException when either side failed, or the stream was abandoned (its reason)
     */
    void copy(InputStream download, OutputStream upload) throws IOException {
        long size = expected.size();
        byte[] buffer = new byte[(int) Math.min(BUFFER_BYTES, Math.max(1, size))];
        long seen = 0;
        while (true) {
            int n;
            try {
                n = download.read(buffer);
            } catch (SocketTimeoutException e) {
                abandon("no data for " + TransferWatchdog.inWords(idleTimeout));
                throw failed("download", seen, e);
            } catch (IOException e) {
                throw failed("download", seen, e);
            }
            if (n < 0) {
                break;
            }
            lastActivity = System.nanoTime();
            if (seen + n > size) {
                throw fail(new DigestMismatchException(
                        "blob " + expected.digest() + " is longer than the " + size + " bytes its descriptor says"));
            }
            hasher.update(buffer, 0, n);
            seen += n;
            count = seen;
            if (seen == size) {
                Digest actual =
                        new Digest(expected.digest().algorithm(), HexFormat.of().formatHex(hasher.digest()));
                if (!actual.equals(expected.digest())) {
                    throw fail(new DigestMismatchException(
                            "blob content hashes to " + actual + ", expected " + expected.digest()));
                }
            }
            try {
                upload.write(buffer, 0, n);
            } catch (IOException e) {
                throw failed("upload", seen - n, e);
            }
            lastActivity = System.nanoTime();
            progress.accept(n);
        }
        if (seen != size) {
            throw fail(new DigestMismatchException("blob " + expected.digest() + " ended after " + seen + " of " + size
                    + " bytes (truncated transfer)"));
        }
        try {
            upload.close();
        } catch (IOException e) {
            throw failed("upload", seen, e);
        }
        sentAll = true;
        sent.run();
    }

    /**
     * Gives up on a stalled transfer: breaks its connections, so the copying thread fails with a retryable
     * error. Once the upload has been given the whole blob, nothing can stall here any more (the registry is
     * committing it), so this does nothing: a slow commit must not turn a good upload into a failed attempt.
     */
    void abandon(String reason) {
        if (sentAll) {
            return;
        }
        fail(new DigestMismatchException("blob " + expected.digest() + " stalled after " + count + " of "
                + expected.size() + " bytes (" + reason + ")"));
    }

    /** Breaks the connections whatever the state: the transfer failed, or the copy was cancelled. */
    void breakConnections(IOException reason) {
        fail(reason);
    }

    long lastActivityNanos() {
        return lastActivity;
    }

    /** Whether the upload has been given the whole, verified blob. */
    boolean sentAll() {
        return sentAll;
    }

    /** The first failure (its reason wins over the broken connections it causes); breaks the connections. */
    private IOException fail(IOException reason) {
        List<Runnable> toBreak;
        synchronized (breakers) {
            if (failure == null) {
                failure = reason;
            }
            toBreak = List.copyOf(breakers);
            breakers.clear();
        }
        toBreak.forEach(Runnable::run);
        return failure;
    }

    private IOException failed(String side, long bytes, IOException cause) {
        IOException reason = failure;
        if (reason != null) {
            return reason;
        }
        return fail(new IOException(
                side + " of blob " + expected.digest() + " failed after " + bytes + " of " + expected.size()
                        + " bytes: " + Retrier.describe(cause),
                cause));
    }
}
