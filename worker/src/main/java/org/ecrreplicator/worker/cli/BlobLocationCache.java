package org.ecrreplicator.worker.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.transfer.BlobLocations;

/**
 * The CLI's memory of where blobs are, across runs: a small file under the user's cache directory
 * ({@code $XDG_CACHE_HOME/ecr-replicator/blob-locations}, else {@code ~/.cache/ecr-replicator/}), one line per
 * registry and digest with the repositories that hold it (docs/decisions/0072-blob-mounts.md).
 *
 * <p>Bounded ({@link #MAX_BLOBS} blobs, the least recently confirmed dropped first). Written behind the
 * copies: after a change (a blob confirmed at a destination, a mount declined) at most once per {@link
 * #WRITE_INTERVAL}, by whichever transfer made the change when no write is under way, and once more when the
 * command closes it. A full file is half a megabyte, and a sync confirms hundreds of blobs: writing it on every
 * change, as a first version did, held every transfer behind one lock. Each write goes through a temporary file
 * moved into place, so a reader never sees half a file. A file that cannot be read or parsed is ignored: the
 * cache starts empty. It is only ever a hint: a registry that no longer has the blob declines the mount and the
 * copy uploads it, and a command killed before closing loses at most the last interval's entries.
 */
final class BlobLocationCache implements AutoCloseable {
    static final String NO_CACHE = "--no-cache";
    static final int MAX_BLOBS = 4096;
    static final Duration WRITE_INTERVAL = Duration.ofSeconds(2);
    private static final String HEADER = "ecr-replicator blob-locations 1";

    /** Null for {@code --no-cache}: locations for this process only. */
    private final Path file;

    private final BlobLocations locations;
    private final LongSupplier nanos;
    private final long intervalNanos;
    private final AtomicBoolean dirty = new AtomicBoolean();
    private final ReentrantLock writing = new ReentrantLock();
    private volatile long lastWrite;

    private BlobLocationCache(Path file, int maxBlobs, LongSupplier nanos, Duration interval) {
        this.file = file;
        this.locations = new BlobLocations(maxBlobs);
        this.nanos = nanos;
        this.intervalNanos = interval.toNanos();
        this.lastWrite = nanos.getAsLong();
        if (file != null) {
            locations.load(read(file));
            locations.listener(changed -> changed());
        }
    }

    /** The locations kept in {@code file}, read now and written back behind the changes and at {@link #close}. */
    static BlobLocationCache open(Path file, int maxBlobs) {
        return open(file, maxBlobs, System::nanoTime, WRITE_INTERVAL);
    }

    static BlobLocationCache open(Path file, int maxBlobs, LongSupplier nanos, Duration interval) {
        return new BlobLocationCache(file, maxBlobs, nanos, interval);
    }

    /** What a copy records in and asks. */
    BlobLocations locations() {
        return locations;
    }

    /** {@code --no-cache}, for the commands that copy blobs. */
    static picocli.CommandLine.Model.OptionSpec flag() {
        return CommandSpecs.flag(
                NO_CACHE,
                "Neither read nor write the local cache of where blobs are (repositories of a registry to mount"
                        + " them from instead of uploading them again).");
    }

    /** What a command copies with: the cache, or with {@code --no-cache} locations for this process only. */
    static BlobLocationCache forCommand(boolean noCache, Environment environment) {
        return noCache
                ? new BlobLocationCache(null, BlobLocations.DEFAULT_MAX_BLOBS, System::nanoTime, WRITE_INTERVAL)
                : open(file(environment), MAX_BLOBS);
    }

    /** {@code $XDG_CACHE_HOME/ecr-replicator/blob-locations}, else under {@code $HOME/.cache}. */
    static Path file(Environment environment) {
        Path base = environment
                .get("XDG_CACHE_HOME")
                .map(Path::of)
                .orElseGet(() -> Path.of(environment.get("HOME").orElse(System.getProperty("user.home")), ".cache"));
        return base.resolve("ecr-replicator").resolve("blob-locations");
    }

    /** The entries in {@code file}; none when it is missing, unreadable or not entirely as written. */
    static Map<BlobLocations.Key, List<String>> read(Path file) {
        Map<BlobLocations.Key, List<String>> entries = new LinkedHashMap<>();
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
                return Map.of();
            }
            for (String line : lines.subList(1, lines.size())) {
                String[] fields = line.split("\t");
                if (fields.length < 3) {
                    return Map.of();
                }
                List<String> repositories = new ArrayList<>();
                for (int i = 2; i < fields.length; i++) {
                    if (fields[i].isEmpty()) {
                        return Map.of();
                    }
                    repositories.add(fields[i]);
                }
                entries.put(new BlobLocations.Key(fields[0], Digest.parse(fields[1])), repositories);
            }
            return entries;
        } catch (IOException | RuntimeException e) {
            // Missing, unreadable or damaged (a digest that does not parse, bytes that are not UTF-8).
            return Map.of();
        }
    }

    /** A change: written now if the last write is an interval old and no other write is under way. */
    private void changed() {
        dirty.set(true);
        if (nanos.getAsLong() - lastWrite >= intervalNanos && writing.tryLock()) {
            try {
                writeIfDirty();
            } finally {
                writing.unlock();
            }
        }
    }

    /** Writes what has changed since the last write; the command calls this once its copies are done. */
    @Override
    public void close() {
        if (file == null) {
            return;
        }
        writing.lock();
        try {
            writeIfDirty();
        } finally {
            writing.unlock();
        }
    }

    private void writeIfDirty() {
        if (!dirty.getAndSet(false)) {
            return;
        }
        lastWrite = nanos.getAsLong();
        StringBuilder text = new StringBuilder(HEADER).append('\n');
        locations.snapshot().forEach((key, repositories) -> {
            text.append(key.registry()).append('\t').append(key.digest());
            repositories.forEach(repository -> text.append('\t').append(repository));
            text.append('\n');
        });
        try {
            Files.createDirectories(file.getParent());
            Path temporary = Files.createTempFile(file.getParent(), "blob-locations", ".tmp");
            try {
                Files.writeString(temporary, text, StandardCharsets.UTF_8);
                try {
                    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temporary);
            }
        } catch (IOException e) {
            // A cache that cannot be written costs uploads, not copies: carry on without it.
        }
    }
}
