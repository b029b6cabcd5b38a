package org.ecrreplicator.worker.engine.transfer;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.ReplicatorException;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.manifest.Digests;
import org.ecrreplicator.worker.engine.registry.HttpConnections;
import org.ecrreplicator.worker.engine.registry.RegistryClient;

/**
 * One blob from a source repository to a destination repository: asked about first, then streamed through a
 * {@link BlobStream}, retried as a unit (docs/decisions/0011-retry-policy.md).
 */
final class BlobTransfer {
    /** How long a cancelled transfer waits for its thread to leave (a connection still being opened). */
    private static final Duration BREAK_WAIT = Duration.ofSeconds(10);

    private final RegistryClient src;
    private final String srcRepo;
    private final RegistryClient dst;
    private final String dstRepo;
    private final Descriptor blob;
    private final ProgressListener progress;
    private final TransferWatchdog watchdog;
    private final BlobLocations locations;
    private final ExecutorService streams;

    /** How a blob came to be at the destination. */
    enum Outcome {
        /** The destination had it. */
        PRESENT,
        /** The destination mounted it from another of its repositories: no bytes sent. */
        MOUNTED,
        /** Its bytes were uploaded. */
        COPIED
    }

    BlobTransfer(
            RegistryClient src,
            String srcRepo,
            RegistryClient dst,
            String dstRepo,
            Descriptor blob,
            ProgressListener progress,
            TransferWatchdog watchdog,
            BlobLocations locations,
            ExecutorService streams) {
        this.src = src;
        this.srcRepo = srcRepo;
        this.dst = dst;
        this.dstRepo = dstRepo;
        this.blob = blob;
        this.progress = progress;
        this.watchdog = watchdog;
        this.locations = locations;
        this.streams = streams;
    }

    /**
     * Transfers the blob while holding one of the lanes' streaming slots. The slot is given back as soon as
     * the last byte has been handed to the upload, not when the registry answers: a registry commits a blob
     * by syncing it to disk, and holding the slot through that would leave the CPUs idle while every transfer
     * in flight waits for the disk at the same moment. So the next blob streams while the last one is synced.
     *
     * <p>The existence check and the upload session come before the slot, holding one of the lanes' "ahead"
     * permits until the transfer starts: at most as many sessions wait as blobs stream. A registry opening a
     * session writes and syncs a small file, which waits behind the syncs of the blobs just finished; and to
     * another partition it is a long round trip. Opened ahead, neither delays the next transfer.
     *
     * <p>A blob the destination lacks is first asked to be mounted from another repository of the same
     * registry that {@link BlobLocations} knows to hold it. A registry that declines opens an upload session
     * instead, and the bytes go there: a declined mount costs one request, never a second upload. Whatever the
     * registry confirms (it had the blob, mounted it, or committed the upload) is recorded in the locations.
     */
    // The slot that waits ahead is released as soon as a streaming one is held, not at the end of the try.
    @SuppressWarnings("try")
    Outcome run(Lanes lanes) throws InterruptedException {
        String what = "copy blob " + blob.digest() + " (" + blob.size() + " bytes) from " + src.authority() + "/"
                + srcRepo + " to " + dst.authority() + "/" + dstRepo;
        try (Slot waiting = Slot.take(lanes.ahead())) {
            if (dst.blobExists(dstRepo, blob.digest())) {
                confirmed();
                return Outcome.PRESENT;
            }
            if (blob.size() == 0) {
                // Nothing to stream: the digest alone says whether the descriptor is right.
                Digest empty = Digests.of(blob.digest().algorithm(), new byte[0]);
                if (!empty.equals(blob.digest())) {
                    throw new ReplicatorException("blob " + blob.digest() + " has size 0 in its descriptor, but empty"
                            + " content hashes to " + empty + ": the source manifest is inconsistent");
                }
            }
            URI opened = null;
            Optional<String> holder = locations.holder(dst.authority(), blob.digest(), dstRepo);
            if (holder.isPresent()) {
                RegistryClient.Mount mount = dst.mountBlob(dstRepo, blob.digest(), holder.get());
                if (mount.mounted()) {
                    confirmed();
                    return Outcome.MOUNTED;
                }
                if (mount.session() != null) {
                    // Declined: the registry does not hold the blob there (any more).
                    locations.forget(dst.authority(), holder.get(), blob.digest());
                }
                opened = mount.session();
            }
            if (opened == null) {
                opened = dst.startUpload(dstRepo);
            }
            URI firstSession = opened;
            dst.retrier().call(what, attempt -> {
                try (Slot slot = Slot.take(lanes.streaming())) {
                    waiting.close();
                    // After a failed attempt the upload may have been committed with its answer lost: check
                    // first. A failed attempt may also have spoilt its session: the retry opens another.
                    if (attempt > 1 && dst.blobExists(dstRepo, blob.digest())) {
                        return true;
                    }
                    URI location = attempt == 1 ? firstSession : dst.startUpload(dstRepo);
                    if (blob.size() == 0) {
                        RegistryClient.Upload empty = dst.upload(
                                dstRepo, location, blob.digest(), 0, watchdog.commitTimeout(), breaker -> {});
                        empty.body().close();
                        empty.commit();
                        return true;
                    }
                    stream(location, slot);
                    return true;
                }
            });
            confirmed();
            return Outcome.COPIED;
        }
    }

    private void confirmed() {
        locations.record(dst.authority(), dstRepo, blob.digest());
    }

    /**
     * One attempt: the source's body flows through a {@link BlobStream} into the upload session at {@code
     * location}, on a platform thread of {@code streams} (blocking socket I/O on the virtual thread would park
     * and wake it through the JDK's poller for every read and write). This thread waits; interrupted (the copy
     * is cancelled), it breaks the transfer's connections and waits for the platform thread to leave.
     */
    private void stream(URI location, Slot slot) throws IOException, InterruptedException {
        BlobStream stream = new BlobStream(blob, watchdog.idleTimeout(), progress::transferred, slot::close);
        watchdog.watch(stream);
        try {
            Future<Void> attempt = streams.submit(() -> {
                streamOn(stream, location);
                return null;
            });
            try {
                attempt.get();
            } catch (InterruptedException e) {
                stream.breakConnections(new InterruptedIOException("the copy was cancelled"));
                Futures.awaitEnd(attempt, BREAK_WAIT);
                throw e;
            } catch (ExecutionException e) {
                throw HttpConnections.thrownBy(e);
            }
        } finally {
            watchdog.release(stream);
        }
    }

    private void streamOn(BlobStream stream, URI location) throws IOException {
        RegistryClient.Download download = src.download(srcRepo, blob, watchdog.idleTimeout());
        try {
            RegistryClient.Upload upload =
                    dst.upload(dstRepo, location, blob.digest(), blob.size(), watchdog.commitTimeout(), stream::attach);
            stream.copy(download.body(), upload.body());
            try {
                upload.commit();
            } catch (SocketTimeoutException e) {
                throw new SocketTimeoutException("PUT blob " + blob.digest() + " to " + dstRepo + " at "
                        + dst.authority() + ": no answer " + TransferWatchdog.inWords(watchdog.commitTimeout())
                        + " after the last byte");
            }
        } catch (IOException | RuntimeException e) {
            // The upload's connection holds half a body: it must not be reused, nor the blob committed.
            stream.breakConnections(e instanceof IOException io ? io : new IOException(e.getMessage(), e));
            throw e;
        } finally {
            // Read whole, the connection goes back to the JDK's pool; cut short, it is closed.
            closeQuietly(download);
        }
    }

    private static void closeQuietly(RegistryClient.Download download) {
        try {
            download.body().close();
        } catch (IOException e) {
            // Nothing more to read from it either way.
        }
    }
}
