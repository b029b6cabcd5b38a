package org.ecrreplicator.worker.engine.transfer;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.manifest.DigestMismatchException;
import org.ecrreplicator.worker.engine.manifest.Digests;
import org.ecrreplicator.worker.engine.registry.Retrier;

/**
 * Carries one blob from a download's response body into an upload's request body. The buffers the source
 * connection fills are handed to the destination connection as they are (no stream bridges, no copies) and
 * are hashed and counted on the way, on the download's thread, while the upload's thread writes.
 *
 * <p>The buffer that completes the blob is released only after length and digest match the descriptor;
 * on a mismatch, a truncated or over-long body, or a stalled download, the upload is failed instead, so a
 * destination never receives the whole of a damaged blob. The upload's demand drives the download: at most
 * {@value #PREFETCH} buffers wait here, so memory is bounded whatever the blob's size.
 *
 * <p>A {@link HttpResponse.BodySubscriber} for the source's {@code GET} and a one-shot
 * {@link HttpRequest.BodyPublisher} for the destination's {@code PUT}. Signals to the upload are serialised
 * by a work-in-progress counter, so neither side ever blocks the other's thread.
 */
final class BlobPipe implements HttpResponse.BodySubscriber<Void>, HttpRequest.BodyPublisher {
    private static final int PREFETCH = 4;

    private final Descriptor expected;
    private final MessageDigest hasher;
    private final LongConsumer progress;
    private final Runnable sent;
    private final ConcurrentLinkedQueue<ByteBuffer> ready = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger requested = new AtomicInteger();
    private final AtomicInteger work = new AtomicInteger();
    private final AtomicBoolean subscribed = new AtomicBoolean();
    private final AtomicBoolean downloadCancelled = new AtomicBoolean();
    private volatile Flow.Subscription download;
    private volatile Flow.Subscriber<? super ByteBuffer> upload;
    private volatile boolean downloadDone;
    private volatile boolean finished;
    private volatile IOException failure;
    private volatile long lastActivity = System.nanoTime();
    private volatile long sentAt;
    private volatile long count;
    private byte[] scratch = new byte[0];

    /**
     * @param sent run once, when the upload has been given the whole blob (verified): the rest is the
     *     destination's to commit
     */
    BlobPipe(Descriptor expected, LongConsumer progress, Runnable sent) {
        this.expected = expected;
        this.hasher = Digests.hasher(expected.digest());
        this.progress = progress;
        this.sent = sent;
    }

    // ---------------------------------------------------------------- the download (source GET body)

    @Override
    public void onSubscribe(Flow.Subscription subscription) {
        download = subscription;
        if (failure != null || finished) {
            cancelDownload();
        }
        drain();
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        requested.decrementAndGet();
        lastActivity = System.nanoTime();
        if (failure != null) {
            return;
        }
        long size = expected.size();
        long seen = count;
        for (ByteBuffer buffer : buffers) {
            int n = buffer.remaining();
            if (n == 0) {
                continue;
            }
            if (seen + n > size) {
                fail(new DigestMismatchException(
                        "blob " + expected.digest() + " is longer than the " + size + " bytes its descriptor says"));
                break;
            }
            if (buffer.hasArray()) {
                hasher.update(buffer.array(), buffer.arrayOffset() + buffer.position(), n);
            } else {
                // The HTTP client hands out read-only buffers, which MessageDigest would copy and hash 4 KiB
                // at a time; one bulk copy and one update per buffer is several times cheaper.
                if (scratch.length < n) {
                    scratch = new byte[n];
                }
                buffer.get(buffer.position(), scratch, 0, n);
                hasher.update(scratch, 0, n);
            }
            seen += n;
            count = seen;
            progress.accept(n);
            if (seen == size) {
                Digest actual =
                        new Digest(expected.digest().algorithm(), HexFormat.of().formatHex(hasher.digest()));
                if (!actual.equals(expected.digest())) {
                    fail(new DigestMismatchException(
                            "blob content hashes to " + actual + ", expected " + expected.digest()));
                    break;
                }
            }
            ready.add(buffer);
            queued.incrementAndGet();
        }
        drain();
    }

    @Override
    public void onError(Throwable throwable) {
        downloadDone = true;
        if (failure == null) {
            String message = "download of blob " + expected.digest() + " failed after " + count + " of "
                    + expected.size() + " bytes: " + Retrier.describe(throwable);
            fail(throwable instanceof IOException ? new IOException(message, throwable) : new IOException(message));
        }
        drain();
    }

    @Override
    public void onComplete() {
        downloadDone = true;
        if (count != expected.size() && failure == null) {
            fail(new DigestMismatchException("blob " + expected.digest() + " ended after " + count + " of "
                    + expected.size() + " bytes (truncated transfer)"));
        }
        drain();
    }

    /** Completes at once: the body flows on through the pipe, not into the response. */
    @Override
    public CompletionStage<Void> getBody() {
        return CompletableFuture.completedFuture(null);
    }

    // ---------------------------------------------------------------- the upload (destination PUT body)

    @Override
    public long contentLength() {
        return expected.size();
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        if (!subscribed.compareAndSet(false, true)) {
            // The content streams once; a second attempt must start the transfer over (the caller retries).
            subscriber.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {}

                @Override
                public void cancel() {}
            });
            subscriber.onError(new IOException("the body of blob " + expected.digest() + " can only be sent once"));
            return;
        }
        upload = subscriber;
        subscriber.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (n <= 0) {
                    fail(new IOException("upload requested " + n + " buffers"));
                } else {
                    demand.getAndUpdate(current -> current + n < 0 ? Long.MAX_VALUE : current + n);
                }
                drain();
            }

            @Override
            public void cancel() {
                finished = true;
                cancelDownload();
                drain();
            }
        });
        drain();
    }

    // ---------------------------------------------------------------- control

    /**
     * Gives up on a stalled download: cancels it and fails the upload with a retryable error. Once the upload
     * has been given the whole blob, nothing can stall here any more (the registry is committing it), so
     * this does nothing: a slow commit must not turn a good upload into a failed attempt.
     */
    void abandon(String reason) {
        if (finished) {
            return;
        }
        fail(new DigestMismatchException("blob " + expected.digest() + " stalled after " + count + " of "
                + expected.size() + " bytes (" + reason + ")"));
        drain();
    }

    /** Releases the download if the upload ended (or never started) before it was complete. */
    void close() {
        if (!downloadDone) {
            cancelDownload();
        }
    }

    /** Why the transfer cannot succeed, or null. */
    IOException failure() {
        return failure;
    }

    long lastActivityNanos() {
        return lastActivity;
    }

    /** When the upload was given the last byte ({@link System#nanoTime()}), or 0 while it has not been. */
    long sentAtNanos() {
        return sentAt;
    }

    private void fail(IOException reason) {
        if (failure == null) {
            failure = reason;
        }
    }

    private void cancelDownload() {
        Flow.Subscription subscription = download;
        if (subscription != null && downloadCancelled.compareAndSet(false, true)) {
            subscription.cancel();
        }
    }

    /**
     * Moves buffers to the upload as far as its demand allows, asks the download for more while few are
     * waiting, and ends the upload when the download has ended. Whoever finds the counter at zero does the
     * work, for itself and for every signal that arrives meanwhile.
     */
    private void drain() {
        if (work.getAndIncrement() != 0) {
            return;
        }
        int missed = 1;
        do {
            if (!finished) {
                Flow.Subscriber<? super ByteBuffer> subscriber = upload;
                IOException failed = failure;
                if (failed != null) {
                    ready.clear();
                    queued.set(0);
                    cancelDownload();
                    if (subscriber != null) {
                        finished = true;
                        subscriber.onError(failed);
                    }
                } else {
                    if (subscriber != null) {
                        while (demand.get() > 0) {
                            ByteBuffer buffer = ready.poll();
                            if (buffer == null) {
                                break;
                            }
                            queued.decrementAndGet();
                            demand.decrementAndGet();
                            subscriber.onNext(buffer);
                        }
                        if (downloadDone && ready.isEmpty()) {
                            finished = true;
                            subscriber.onComplete();
                            sentAt = System.nanoTime();
                            sent.run();
                        }
                    }
                    Flow.Subscription source = download;
                    if (!finished
                            && !downloadDone
                            && source != null
                            && requested.get() == 0
                            && queued.get() < PREFETCH) {
                        requested.incrementAndGet();
                        source.request(1);
                    }
                }
            }
            missed = work.addAndGet(-missed);
        } while (missed != 0);
    }
}
