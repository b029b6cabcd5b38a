package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.sync.TagAction;
import org.ecrreplicator.worker.engine.sync.TagDifference;
import org.junit.jupiter.api.Test;

class ProgressLogTest {
    private static final TagDifference TAG =
            new TagDifference(TagDifference.Kind.MISSING, "app", "1", Digest.parse("sha256:" + "2".repeat(64)), null);

    private static TagAction copied(long bytes) {
        return copied(bytes, 0);
    }

    private static TagAction copied(long bytes, long mounted) {
        return new TagAction(TAG, TagAction.Outcome.COPIED, TAG.sourceDigest(), bytes, mounted, 0, List.of(), null);
    }

    @Test
    void shouldPrintALineWhenTheIntervalHasPassedOrEveryNTagsAndAfterTheLast() {
        AtomicLong now = new AtomicLong();
        StringWriter err = new StringWriter();
        ProgressLog log = new ProgressLog(new PrintWriter(err), now::get, Duration.ofSeconds(5), 3);
        log.planned(7);

        log.done(copied(1024));
        now.set(Duration.ofSeconds(1).toNanos());
        log.done(copied(1024));
        assertThat(err.toString()).as("neither 5 s nor 3 tags yet").isEmpty();
        log.done(copied(1024));
        now.set(Duration.ofSeconds(7).toNanos());
        log.done(new TagAction(TAG, TagAction.Outcome.FAILED, null, 0, 0, 0, List.of(), "refused"));
        log.done(copied(0));
        log.done(copied(0));
        log.done(copied(0));

        assertThat(err.toString().lines().toList())
                .containsExactly(
                        "sync: 3/7 tags done, 0 failed, 3.0 KiB copied, 1.0 s",
                        "sync: 4/7 tags done, 1 failed, 3.0 KiB copied, 7.0 s",
                        "sync: 6/7 tags done, 1 failed, 3.0 KiB copied, 7.0 s",
                        "sync: 7/7 tags done, 1 failed, 3.0 KiB copied, 7.0 s");
    }

    @Test
    void shouldPrintTheBytesMountedBesideTheBytesCopiedWhenTheDestinationMountedSome() {
        StringWriter err = new StringWriter();
        ProgressLog log = new ProgressLog(new PrintWriter(err), () -> 0L, Duration.ofSeconds(5), 50);
        log.planned(2);

        log.done(copied(1024, 0));
        log.done(copied(1024, 3 * 1024 * 1024));

        assertThat(err.toString().lines().toList())
                .containsExactly("sync: 2/2 tags done, 0 failed, 2.0 KiB copied, 3.0 MiB mounted, 0.0 s");
    }
}
