package org.ecrreplicator.worker.engine.transfer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.ecrreplicator.worker.engine.manifest.Descriptor;
import org.ecrreplicator.worker.engine.manifest.DigestMismatchException;
import org.ecrreplicator.worker.engine.manifest.Digests;
import org.junit.jupiter.api.Test;

class BlobStreamTest {
    private static final Duration IDLE = Duration.ofSeconds(1);
    private static final byte[] CONTENT = content(BlobStream.BUFFER_BYTES * 2 + 1234);

    private static byte[] content(int size) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (i * 31 + 7);
        }
        return bytes;
    }

    private static Descriptor descriptorOf(byte[] bytes) {
        return new Descriptor(
                "application/vnd.oci.image.layer.v1.tar", Digests.of("sha256", bytes), bytes.length, null);
    }

    /** What a download's read after the first fails with; may block first, as a socket read would. */
    @FunctionalInterface
    private interface NextRead {
        IOException failure() throws IOException;
    }

    /** A download that serves {@code bytes} in one read, then fails every read with {@code failure}. */
    private static InputStream servesThenFails(int bytes, IOException failure) {
        return servesThen(bytes, () -> failure);
    }

    /** A download that serves {@code bytes} in one read, then fails every read with what {@code next} gives. */
    private static InputStream servesThen(int bytes, NextRead next) {
        return new InputStream() {
            private boolean served;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] buffer, int offset, int length) throws IOException {
                if (served) {
                    throw next.failure();
                }
                served = true;
                return bytes;
            }
        };
    }

    /** An upload that records what reached it and whether it was closed (the whole body sent). */
    private static final class Upload extends ByteArrayOutputStream {
        boolean closed;

        @Override
        public void close() {
            closed = true;
        }
    }

    @Test
    void shouldPassEveryByteUnchangedAndSignalSentOnceWhenTheContentMatches() throws IOException {
        Upload upload = new Upload();
        AtomicLong progressed = new AtomicLong();
        AtomicInteger sent = new AtomicInteger();
        BlobStream stream = new BlobStream(descriptorOf(CONTENT), IDLE, progressed::addAndGet, sent::incrementAndGet);

        stream.copy(new ByteArrayInputStream(CONTENT), upload);

        assertThat(upload.toByteArray()).isEqualTo(CONTENT);
        assertThat(upload.closed).isTrue();
        assertThat(progressed.get()).isEqualTo(CONTENT.length);
        assertThat(sent.get()).isEqualTo(1);
        assertThat(stream.sentAll()).isTrue();
    }

    @Test
    void shouldWithholdTheLastReadAndNameBothDigestsWhenTheContentIsDamaged() {
        byte[] damaged = CONTENT.clone();
        damaged[damaged.length - 1] ^= 1;
        Upload upload = new Upload();
        AtomicInteger sent = new AtomicInteger();
        BlobStream stream = new BlobStream(descriptorOf(CONTENT), IDLE, bytes -> {}, sent::incrementAndGet);

        assertThatThrownBy(() -> stream.copy(new ByteArrayInputStream(damaged), upload))
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining("hashes to " + Digests.of("sha256", damaged))
                .hasMessageContaining("expected " + Digests.of("sha256", CONTENT));
        assertThat(upload.size())
                .as("the destination never holds the whole damaged blob")
                .isLessThan(CONTENT.length);
        assertThat(upload.closed).isFalse();
        assertThat(sent.get()).isZero();
    }

    @Test
    void shouldFailAsTruncatedWithoutClosingTheUploadWhenTheDownloadEndsEarly() {
        Upload upload = new Upload();
        BlobStream stream = new BlobStream(descriptorOf(CONTENT), IDLE, bytes -> {}, () -> {});

        assertThatThrownBy(() ->
                        stream.copy(new ByteArrayInputStream(Arrays.copyOf(CONTENT, CONTENT.length - 10)), upload))
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining("ended after " + (CONTENT.length - 10) + " of " + CONTENT.length + " bytes");
        assertThat(upload.closed).isFalse();
    }

    @Test
    void shouldFailBeforeWritingTheExtraBytesWhenTheDownloadIsLongerThanTheDescriptor() {
        byte[] longer = Arrays.copyOf(CONTENT, CONTENT.length + 1);
        Upload upload = new Upload();
        BlobStream stream = new BlobStream(descriptorOf(CONTENT), IDLE, bytes -> {}, () -> {});

        assertThatThrownBy(() -> stream.copy(new ByteArrayInputStream(longer), upload))
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining("longer than the " + CONTENT.length + " bytes");
        assertThat(upload.size()).isLessThanOrEqualTo(CONTENT.length);
        assertThat(upload.closed).isFalse();
    }

    @Test
    void shouldNameTheSideAndTheBytesWhenTheSourceConnectionBreaks() {
        InputStream breaking = servesThenFails(1000, new SocketException("Connection reset"));
        BlobStream stream = new BlobStream(descriptorOf(CONTENT), IDLE, bytes -> {}, () -> {});

        assertThatThrownBy(() -> stream.copy(breaking, new Upload()))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(DigestMismatchException.class)
                .hasMessageContaining("download of blob " + Digests.of("sha256", CONTENT) + " failed after 1000 of")
                .hasMessageContaining("Connection reset");
    }

    @Test
    void shouldBreakTheConnectionsAndFailWithTheReasonWhenAbandonedMidway() throws Exception {
        CountDownLatch reading = new CountDownLatch(1);
        AtomicBoolean broken = new AtomicBoolean();
        CountDownLatch brokenSignal = new CountDownLatch(1);
        // A download that serves one read, then blocks until its connection is broken, as a socket would.
        InputStream stalling = servesThen(500, () -> {
            reading.countDown();
            try {
                brokenSignal.await();
            } catch (InterruptedException e) {
                throw new InterruptedIOException();
            }
            return new SocketException("Socket closed");
        });
        BlobStream stream = new BlobStream(descriptorOf(CONTENT), IDLE, bytes -> {}, () -> {});
        stream.attach(() -> {
            broken.set(true);
            brokenSignal.countDown();
        });
        AtomicBoolean failedWithReason = new AtomicBoolean();
        Thread copying = Thread.ofPlatform().start(() -> {
            try {
                stream.copy(stalling, new Upload());
            } catch (DigestMismatchException e) {
                failedWithReason.set(e.getMessage().contains("stalled after 500 of " + CONTENT.length + " bytes"));
            } catch (IOException e) {
                failedWithReason.set(false);
            }
        });
        reading.await();

        stream.abandon("no data for 1 s");
        copying.join();

        assertThat(broken).isTrue();
        assertThat(failedWithReason).isTrue();
    }

    @Test
    void shouldReportAStallNamingTheIdleTimeoutAndBreakTheUploadWhenADownloadReadTimesOut() {
        InputStream stalled = servesThenFails(1000, new SocketTimeoutException("Read timed out"));
        BlobStream stream = new BlobStream(descriptorOf(CONTENT), IDLE, bytes -> {}, () -> {});
        AtomicBoolean broken = new AtomicBoolean();
        stream.attach(() -> broken.set(true));

        assertThatThrownBy(() -> stream.copy(stalled, new Upload()))
                .isInstanceOf(DigestMismatchException.class)
                .hasMessageContaining("stalled after 1000 of " + CONTENT.length + " bytes (no data for 1 s)");
        assertThat(broken).isTrue();
    }

    @Test
    void shouldBreakAConnectionAttachedAfterTheStreamWasAbandoned() {
        BlobStream stream = new BlobStream(descriptorOf(CONTENT), IDLE, bytes -> {}, () -> {});
        stream.abandon("no data for 1 s");
        AtomicBoolean broken = new AtomicBoolean();

        stream.attach(() -> broken.set(true));

        assertThat(broken).isTrue();
    }

    @Test
    void shouldKeepAFullySentUploadGoodWhenAbandonedWhileTheRegistryCommits() throws IOException {
        BlobStream stream = new BlobStream(descriptorOf(CONTENT), IDLE, bytes -> {}, () -> {});
        AtomicBoolean broken = new AtomicBoolean();
        stream.attach(() -> broken.set(true));
        stream.copy(new ByteArrayInputStream(CONTENT), new Upload());

        stream.abandon("no data for 1 s");

        assertThat(broken)
                .as("the upload's connection is left to await the commit")
                .isFalse();
    }

    @Test
    void shouldNameTheUploadSideWhenTheDestinationConnectionBreaks() {
        OutputStream breaking = new OutputStream() {
            @Override
            public void write(int b) {
                throw new UnsupportedOperationException();
            }

            @Override
            public void write(byte[] buffer, int offset, int length) throws IOException {
                throw new SocketException("Broken pipe");
            }
        };
        BlobStream stream = new BlobStream(descriptorOf(CONTENT), IDLE, bytes -> {}, () -> {});

        assertThatThrownBy(() -> stream.copy(new ByteArrayInputStream(CONTENT), breaking))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("upload of blob " + Digests.of("sha256", CONTENT) + " failed after 0 of")
                .hasMessageContaining("Broken pipe");
    }
}
