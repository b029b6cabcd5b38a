package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The plain progress line of a copy in a log, on a clock the test moves. */
class TransferLogTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void shouldPrintALineOnlyOnceTheIntervalHasPassedWhileBytesFlow() {
        AtomicLong clock = new AtomicLong(100 * SECOND);
        StringWriter out = new StringWriter();
        TransferLog log = new TransferLog(new PrintWriter(out), clock::get, Duration.ofSeconds(10));
        log.planned(4, 40L * 1024 * 1024);

        clock.addAndGet(9 * SECOND);
        log.transferred(10L * 1024 * 1024);
        assertThat(out.toString()).as("nothing before the interval").isEmpty();

        clock.addAndGet(1 * SECOND);
        log.transferred(10L * 1024 * 1024);
        log.blobDone(null, true);
        clock.addAndGet(5 * SECOND);
        log.transferred(1024);

        assertThat(out.toString().lines()).containsExactly("copy: 20.0 MiB of 40.0 MiB, 0/4 blobs, 2.0 MiB/s, 10.0 s");

        clock.addAndGet(5 * SECOND);
        log.blobDone(null, true);
        assertThat(out.toString().lines()).hasSize(2).last().asString().startsWith("copy: 20.0 MiB of 40.0 MiB, 2/4");
    }
}
