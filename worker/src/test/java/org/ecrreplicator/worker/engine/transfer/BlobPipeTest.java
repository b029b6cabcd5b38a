package org.ecrreplicator.worker.engine.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.manifest.DigestMismatchException;
import org.ecrreplicator.worker.engine.manifest.Digests;
import org.ecrreplicator.worker.engine.registry.RetryPolicy;
import org.junit.jupiter.api.Test;

class BlobPipeTest {
    private static final byte[] CONTENT = "layer content, streamed in parts".getBytes(StandardCharsets.UTF_8);
    private static final Descriptor BLOB = new Descriptor(
            "application/vnd.oci.image.layer.v1.tar", Digests.of("sha256", CONTENT), CONTENT.length, null);

    /** The source side: records what the pipe asks for and lets the test deliver. */
    static final class Download implements Flow.Subscription {
        long requested;
        boolean cancelled;

        @Override
        public void request(long n) {
            requested += n;
        }

        @Override
        public void cancel() {
            cancelled = true;
        }
    }

    /** The destination side: collects what reaches the upload. */
    static final class Upload implements Flow.Subscriber<ByteBuffer> {
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        final List<ByteBuffer> buffers = new ArrayList<>();
        Flow.Subscription subscription;
        Throwable error;
        boolean completed;

        @Override
        public void onSubscribe(Flow.Subscription value) {
            subscription = value;
        }

        @Override
        public void onNext(ByteBuffer buffer) {
            buffers.add(buffer);
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            received.writeBytes(bytes);
        }

        @Override
        public void onError(Throwable value) {
            error = value;
        }

        @Override
        public void onComplete() {
            completed = true;
        }
    }

    /** A pipe between a new download and a new upload, both subscribed, the upload asking for {@code demand}. */
    record Wired(BlobPipe pipe, Download download, Upload upload) {
        static Wired of(Descriptor blob, java.util.function.LongConsumer progress, Runnable sent, long demand) {
            BlobPipe pipe = new BlobPipe(blob, progress, sent);
            Download download = new Download();
            Upload upload = new Upload();
            pipe.onSubscribe(download);
            pipe.subscribe(upload);
            if (demand > 0) {
                upload.subscription.request(demand);
            }
            return new Wired(pipe, download, upload);
        }
    }

    private static List<ByteBuffer> parts(byte[] content, int... cuts) {
        List<ByteBuffer> parts = new ArrayList<>();
        int start = 0;
        for (int cut : cuts) {
            parts.add(ByteBuffer.wrap(content, start, cut - start).slice());
            start = cut;
        }
        parts.add(ByteBuffer.wrap(content, start, content.length - start).slice());
        return parts;
    }

    @Test
    void shouldHandTheDownloadedBuffersToTheUploadUnchangedWhenTheContentMatches() {
        AtomicLong progress = new AtomicLong();
        Wired wired = Wired.of(BLOB, progress::addAndGet, () -> {}, Long.MAX_VALUE);
        BlobPipe pipe = wired.pipe();
        Download download = wired.download();
        Upload upload = wired.upload();

        List<ByteBuffer> parts = parts(CONTENT, 5, 17);
        pipe.onNext(parts.subList(0, 2));
        pipe.onNext(parts.subList(2, 3));
        pipe.onComplete();

        assertThat(upload.error).isNull();
        assertThat(upload.completed).isTrue();
        assertThat(upload.received.toByteArray()).isEqualTo(CONTENT);
        assertThat(upload.buffers).as("the same buffers, not copies").containsExactlyElementsOf(parts);
        assertThat(progress.get()).isEqualTo(CONTENT.length);
        assertThat(pipe.contentLength()).isEqualTo(CONTENT.length);
        assertThat(download.cancelled).isFalse();
    }

    @Test
    void shouldWithholdTheLastBufferAndFailTheUploadWithBothDigestsWhenTheContentIsDamaged() {
        byte[] damaged = CONTENT.clone();
        damaged[damaged.length - 1] ^= 1;
        Wired wired = Wired.of(BLOB, bytes -> {}, () -> {}, Long.MAX_VALUE);
        BlobPipe pipe = wired.pipe();
        Download download = wired.download();
        Upload upload = wired.upload();

        List<ByteBuffer> parts = parts(damaged, 10);
        pipe.onNext(parts.subList(0, 1));
        pipe.onNext(parts.subList(1, 2));

        assertThat(upload.received.size()).as("only the first part went out").isEqualTo(10);
        assertThat(upload.completed).isFalse();
        assertThat(upload.error)
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining(BLOB.digest().toString())
                .hasMessageContaining(Digests.of("sha256", damaged).toString());
        assertThat(download.cancelled).isTrue();
        assertThat(pipe.failure()).isSameAs(upload.error);
    }

    @Test
    void shouldSignalSentOnceWhenTheUploadHasBeenGivenTheWholeVerifiedBlob() {
        AtomicInteger sent = new AtomicInteger();
        Wired wired = Wired.of(BLOB, bytes -> {}, sent::incrementAndGet, 1);
        BlobPipe pipe = wired.pipe();
        Upload upload = wired.upload();

        List<ByteBuffer> parts = parts(CONTENT, 10);
        pipe.onNext(parts.subList(0, 1));
        pipe.onNext(parts.subList(1, 2));
        pipe.onComplete();
        assertThat(sent.get())
                .as("the last buffer still waits for the upload's demand")
                .isZero();

        upload.subscription.request(1);
        upload.subscription.request(1);
        pipe.close();

        assertThat(upload.completed).isTrue();
        assertThat(sent.get()).isEqualTo(1);
    }

    @Test
    void shouldKeepAFullySentUploadGoodWhenAbandonedWhileTheRegistryCommits() {
        Wired wired = Wired.of(BLOB, bytes -> {}, () -> {}, Long.MAX_VALUE);
        BlobPipe pipe = wired.pipe();
        Upload upload = wired.upload();
        pipe.onNext(List.of(ByteBuffer.wrap(CONTENT)));
        pipe.onComplete();

        pipe.abandon("no data for 60 s");

        assertThat(upload.completed).isTrue();
        assertThat(upload.error).isNull();
        assertThat(pipe.failure()).isNull();
        assertThat(upload.received.toByteArray()).isEqualTo(CONTENT);
    }

    @Test
    void shouldNeverSignalSentWhenTheContentIsDamaged() {
        AtomicInteger sent = new AtomicInteger();
        byte[] damaged = CONTENT.clone();
        damaged[0] ^= 1;
        Wired wired = Wired.of(BLOB, bytes -> {}, sent::incrementAndGet, Long.MAX_VALUE);
        BlobPipe pipe = wired.pipe();
        Upload upload = wired.upload();

        pipe.onNext(List.of(ByteBuffer.wrap(damaged)));
        pipe.onComplete();

        assertThat(upload.error).isInstanceOf(DigestMismatchException.class);
        assertThat(sent.get()).isZero();
    }

    @Test
    void shouldFailTheUploadAsTruncatedWhenTheDownloadEndsEarly() {
        Wired wired = Wired.of(BLOB, bytes -> {}, () -> {}, Long.MAX_VALUE);
        BlobPipe pipe = wired.pipe();
        Upload upload = wired.upload();

        pipe.onNext(List.of(ByteBuffer.wrap(CONTENT, 0, 8).slice()));
        pipe.onComplete();

        assertThat(upload.completed).isFalse();
        assertThat(upload.error)
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining("ended after 8 of " + CONTENT.length + " bytes");
        assertThat(RetryPolicy.isRetryable(upload.error)).isTrue();
    }

    @Test
    void shouldFailBeforeSendingTheExtraBytesWhenTheDownloadIsLongerThanTheDescriptor() {
        Wired wired = Wired.of(BLOB, bytes -> {}, () -> {}, Long.MAX_VALUE);
        BlobPipe pipe = wired.pipe();
        Download download = wired.download();
        Upload upload = wired.upload();

        byte[] longer = new byte[CONTENT.length + 3];
        System.arraycopy(CONTENT, 0, longer, 0, CONTENT.length);
        pipe.onNext(List.of(ByteBuffer.wrap(longer)));

        assertThat(upload.received.size()).isZero();
        assertThat(upload.error).hasMessageContaining("is longer than the " + CONTENT.length + " bytes");
        assertThat(download.cancelled).isTrue();
    }

    @Test
    void shouldPassADownloadFailureToTheUploadAsARetryableErrorWhenTheSourceConnectionBreaks() {
        Wired wired = Wired.of(BLOB, bytes -> {}, () -> {}, 1);
        BlobPipe pipe = wired.pipe();
        Upload upload = wired.upload();

        pipe.onError(new IOException("connection reset"));

        assertThat(upload.error)
                .isInstanceOf(IOException.class)
                .hasMessageContaining("download of blob " + BLOB.digest())
                .hasMessageContaining("connection reset");
        assertThat(RetryPolicy.isRetryable(upload.error)).isTrue();
    }

    @Test
    void shouldAskTheDownloadForMoreOnlyWhileFewBuffersWaitWhenTheUploadIsSlow() {
        byte[] big = new byte[64];
        Descriptor blob = new Descriptor(null, Digests.of("sha256", big), big.length, null);
        Wired wired = Wired.of(blob, bytes -> {}, () -> {}, 0);
        BlobPipe pipe = wired.pipe();
        Download download = wired.download();
        Upload upload = wired.upload();

        // The upload asks for nothing: the pipe may read ahead a little, never the whole blob.
        int delivered = 0;
        while (delivered < 16 && download.requested > delivered) {
            pipe.onNext(List.of(ByteBuffer.wrap(big, delivered * 4, 4).slice()));
            delivered++;
        }
        assertThat(delivered).isBetween(1, 5);
        assertThat(upload.received.size()).isZero();

        upload.subscription.request(Long.MAX_VALUE);
        while (delivered < 16 && download.requested > delivered) {
            pipe.onNext(List.of(ByteBuffer.wrap(big, delivered * 4, 4).slice()));
            delivered++;
        }
        assertThat(delivered).isEqualTo(16);
        pipe.onComplete();
        assertThat(upload.completed).isTrue();
        assertThat(upload.received.toByteArray()).isEqualTo(big);
    }

    @Test
    void shouldRefuseASecondUploadWhenTheBodyWasAlreadySubscribed() {
        BlobPipe pipe = new BlobPipe(BLOB, bytes -> {}, () -> {});
        pipe.onSubscribe(new Download());
        pipe.subscribe(new Upload());
        Upload second = new Upload();

        pipe.subscribe(second);

        assertThat(second.error).isInstanceOf(IOException.class).hasMessageContaining("can only be sent once");
    }

    @Test
    void shouldCancelTheDownloadAndFailTheUploadWhenAbandonedOrWhenTheUploadGivesUp() {
        Wired stalledWired = Wired.of(BLOB, bytes -> {}, () -> {}, 0);
        BlobPipe stalled = stalledWired.pipe();
        Download stalledDownload = stalledWired.download();
        Upload stalledUpload = stalledWired.upload();

        stalled.abandon("no data for 60 s");

        assertThat(stalledDownload.cancelled).isTrue();
        assertThat(stalledUpload.error)
                .hasMessageContaining("stalled after 0 of")
                .hasMessageContaining("60 s");

        Wired refusedWired = Wired.of(BLOB, bytes -> {}, () -> {}, 0);
        Download refusedDownload = refusedWired.download();
        Upload refusedUpload = refusedWired.upload();

        refusedUpload.subscription.cancel();

        assertThat(refusedDownload.cancelled).isTrue();
    }

    @Test
    void shouldReleaseTheDownloadWhenClosedBeforeItEnded() {
        BlobPipe pipe = new BlobPipe(BLOB, bytes -> {}, () -> {});
        Download download = new Download();
        pipe.onSubscribe(download);

        pipe.close();

        assertThat(download.cancelled).isTrue();
        assertThat(pipe.getBody().toCompletableFuture()).isCompleted();
    }
}
