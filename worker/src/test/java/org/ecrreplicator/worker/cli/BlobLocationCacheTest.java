package org.ecrreplicator.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.manifest.Digests;
import org.ecrreplicator.worker.engine.transfer.BlobLocations;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobLocationCacheTest {
    private static final String REGISTRY = "123456789012.dkr.ecr.us-gov-west-1.amazonaws.com";

    @TempDir
    Path temp;

    /** The locations as a command leaves them: written when it closes the cache. */
    private static BlobLocations reopened(Path file, int maxBlobs) {
        try (BlobLocationCache cache = BlobLocationCache.open(file, maxBlobs)) {
            return cache.locations();
        }
    }

    private static Digest digest(int n) {
        return Digests.of("sha256", ("blob " + n).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldKeepWhatWasRecordedWhenOpenedAgain() {
        Path file = temp.resolve("cache/ecr-replicator/blob-locations");
        try (BlobLocationCache first = BlobLocationCache.open(file, 10)) {
            first.locations().record(REGISTRY, "team/base", digest(1));
            first.locations().record(REGISTRY, "team/app", digest(1));
        }

        BlobLocations again = reopened(file, 10);

        assertThat(again.snapshot())
                .isEqualTo(Map.of(new BlobLocations.Key(REGISTRY, digest(1)), List.of("team/app", "team/base")));
        assertThat(again.holder(REGISTRY, digest(1), "team/app")).contains("team/base");
        assertThat(again.holder("other.example", digest(1), "x")).isEmpty();
    }

    @Test
    void shouldEvictTheLeastRecentlyConfirmedBlobWhenTheBoundIsReached() {
        Path file = temp.resolve("blob-locations");
        try (BlobLocationCache cache = BlobLocationCache.open(file, 3)) {
            cache.locations().record(REGISTRY, "r", digest(1));
            cache.locations().record(REGISTRY, "r", digest(2));
            cache.locations().record(REGISTRY, "r", digest(3));
            cache.locations().record(REGISTRY, "r2", digest(1)); // confirmed again: now the most recent
            cache.locations().record(REGISTRY, "r", digest(4));
        }

        assertThat(reopened(file, 3).snapshot().keySet())
                .containsExactly(
                        new BlobLocations.Key(REGISTRY, digest(3)),
                        new BlobLocations.Key(REGISTRY, digest(1)),
                        new BlobLocations.Key(REGISTRY, digest(4)));
    }

    @Test
    void shouldKeepAtMostFourRepositoriesPerBlobWhenManyHoldIt() {
        BlobLocations locations = new BlobLocations(10);
        for (int i = 1; i <= 6; i++) {
            locations.record(REGISTRY, "repo" + i, digest(1));
        }

        assertThat(locations.snapshot().get(new BlobLocations.Key(REGISTRY, digest(1))))
                .containsExactly("repo6", "repo5", "repo4", "repo3");
    }

    @Test
    void shouldForgetARepositoryWhenTheRegistryDeclinedToMountFromIt() {
        Path file = temp.resolve("blob-locations");
        try (BlobLocationCache cache = BlobLocationCache.open(file, 10)) {
            cache.locations().record(REGISTRY, "gone", digest(1));
        }
        try (BlobLocationCache cache = BlobLocationCache.open(file, 10)) {
            cache.locations().forget(REGISTRY, "gone", digest(1));
        }

        assertThat(reopened(file, 10).snapshot()).isEmpty();
    }

    @Test
    void shouldStartEmptyWhenTheFileIsDamaged() throws Exception {
        Path file = temp.resolve("blob-locations");
        try (BlobLocationCache cache = BlobLocationCache.open(file, 10)) {
            cache.locations().record(REGISTRY, "team/app", digest(1));
        }
        String good = Files.readString(file);

        for (String damaged : List.of(
                good.replace("sha256:", "sha256:zz"), // a digest that does not parse
                good.substring(0, good.indexOf('\t')), // cut short mid-line
                "{\"not\": \"this format\"}\n",
                "")) {
            Files.writeString(file, damaged);
            assertThat(reopened(file, 10).snapshot()).as(damaged).isEmpty();
        }
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1});
        try (BlobLocationCache fresh = BlobLocationCache.open(file, 10)) {
            assertThat(fresh.locations().snapshot()).isEmpty();
            fresh.locations().record(REGISTRY, "team/next", digest(2));
        }
        assertThat(reopened(file, 10).snapshot()).containsOnlyKeys(new BlobLocations.Key(REGISTRY, digest(2)));
    }

    @Test
    void shouldWriteAtMostOncePerIntervalAndTheRestWhenClosedWhenBlobsAreConfirmedInABurst() {
        Path file = temp.resolve("blob-locations");
        AtomicLong now = new AtomicLong();
        try (BlobLocationCache cache = BlobLocationCache.open(file, 100, now::get, Duration.ofSeconds(2))) {
            for (int i = 1; i <= 50; i++) {
                cache.locations().record(REGISTRY, "r", digest(i));
            }
            assertThat(file).as("within the first interval nothing is written").doesNotExist();

            now.addAndGet(Duration.ofSeconds(2).toNanos());
            cache.locations().record(REGISTRY, "r", digest(51));
            assertThat(BlobLocationCache.read(file)).hasSize(51);

            cache.locations().record(REGISTRY, "r", digest(52));
            assertThat(BlobLocationCache.read(file))
                    .as("the next write waits for the interval")
                    .hasSize(51);
        }
        assertThat(BlobLocationCache.read(file)).as("closing writes the rest").hasSize(52);
    }

    @Test
    void shouldNeverWriteAFileWhenTheCommandRunsWithNoCache() {
        Path home = temp.resolve("home");
        try (BlobLocationCache cache =
                BlobLocationCache.forCommand(true, new Environment(Map.of("XDG_CACHE_HOME", home.toString())))) {
            cache.locations().record(REGISTRY, "r", digest(1));
            assertThat(cache.locations().holder(REGISTRY, digest(1), "other")).contains("r");
        }
        assertThat(home).doesNotExist();
    }

    @Test
    void shouldLiveUnderXdgCacheHomeElseUnderHomeDotCache() {
        assertThat(BlobLocationCache.file(new Environment(Map.of("XDG_CACHE_HOME", "/x", "HOME", "/h"))))
                .isEqualTo(Path.of("/x/ecr-replicator/blob-locations"));
        assertThat(BlobLocationCache.file(new Environment(Map.of("HOME", "/h"))))
                .isEqualTo(Path.of("/h/.cache/ecr-replicator/blob-locations"));
    }
}
