package org.ecrreplicator.worker.engine.transfer;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.ecrreplicator.domain.Digest;

/**
 * Where blobs are known to be: per registry (its authority) and digest, the repositories known to hold it,
 * most recently confirmed first. A copy asks it for a repository to mount a blob from before uploading it
 * (docs/decisions/0072-blob-mounts.md).
 *
 * <p>Bounded: at most {@link #MAX_REPOSITORIES} repositories per blob, and at most {@code maxBlobs} blobs, the
 * least recently recorded evicted first. What it says is a hint: a registry that no longer has the blob
 * declines the mount, and the copy uploads instead.
 *
 * <p>Thread-safe.
 */
public final class BlobLocations {
    /** Repositories kept per blob: one is enough to mount from, a few survive a deleted repository. */
    public static final int MAX_REPOSITORIES = 4;

    /** Blobs kept by default, in memory for one process. */
    public static final int DEFAULT_MAX_BLOBS = 100_000;

    /** One blob at one registry. */
    public record Key(String registry, Digest digest) {}

    /** Told after every change, outside the lock (the CLI's cache writes itself then). */
    public interface Listener {
        void changed(BlobLocations locations);
    }

    /**
     * Where blobs are beyond this process: the pipeline's shared index (decision 0072). Read for the blobs a
     * copy is about to transfer, written with the blobs of every image copied. Implementations swallow their
     * own failures: it is a hint, and a copy never fails for it.
     */
    public interface Index {
        Index NONE = new Index() {
            @Override
            public Map<Digest, List<String>> read(String registry, Collection<Digest> digests) {
                return Map.of();
            }

            @Override
            public void write(String registry, String repository, Collection<Digest> digests) {}
        };

        /** The repositories of {@code registry} known to hold each blob; unknown blobs absent. */
        Map<Digest, List<String>> read(String registry, Collection<Digest> digests);

        /** {@code repository} of {@code registry} holds every one of {@code digests}: the registry confirmed it. */
        void write(String registry, String repository, Collection<Digest> digests);
    }

    private final int maxBlobs;
    private volatile Index index = Index.NONE;
    // Insertion order is recency: a recorded entry is removed and put back at the end.
    private final LinkedHashMap<Key, List<String>> entries = new LinkedHashMap<>();
    private volatile Listener listener = locations -> {};

    public BlobLocations(int maxBlobs) {
        if (maxBlobs < 1) {
            throw new IllegalArgumentException("maxBlobs must be at least 1, not " + maxBlobs);
        }
        this.maxBlobs = maxBlobs;
    }

    public BlobLocations() {
        this(DEFAULT_MAX_BLOBS);
    }

    public void listener(Listener value) {
        this.listener = value;
    }

    /** The shared index consulted by {@link #consult} and written by {@link #confirmed}. */
    public void index(Index value) {
        this.index = value;
    }

    /**
     * Before transferring {@code digests} to {@code registry}: what the index knows of those this process does
     * not, loaded as if recorded (without telling the listener).
     */
    public void consult(String registry, Collection<Digest> digests) {
        if (index == Index.NONE || digests.isEmpty()) {
            return;
        }
        List<Digest> unknown;
        synchronized (this) {
            unknown = digests.stream()
                    .filter(digest -> !entries.containsKey(new Key(registry, digest)))
                    .toList();
        }
        if (unknown.isEmpty()) {
            return;
        }
        Map<Key, List<String>> found = new LinkedHashMap<>();
        index.read(registry, unknown).forEach((digest, repositories) -> {
            if (!repositories.isEmpty()) {
                found.put(
                        new Key(registry, digest),
                        repositories.subList(0, Math.min(MAX_REPOSITORIES, repositories.size())));
            }
        });
        load(found);
    }

    /** A copy into {@code repository} succeeded: it holds every one of {@code digests}, for later builds too. */
    public void confirmed(String registry, String repository, Collection<Digest> digests) {
        digests.forEach(digest -> record(registry, repository, digest));
        index.write(registry, repository, digests);
    }

    public int maxBlobs() {
        return maxBlobs;
    }

    /** A repository of {@code registry} other than {@code except} known to hold the blob, the latest first. */
    public synchronized Optional<String> holder(String registry, Digest digest, String except) {
        List<String> repositories = entries.get(new Key(registry, digest));
        if (repositories == null) {
            return Optional.empty();
        }
        return repositories.stream().filter(repo -> !repo.equals(except)).findFirst();
    }

    /** The registry confirmed that {@code repository} holds the blob. */
    public void record(String registry, String repository, Digest digest) {
        boolean changed;
        synchronized (this) {
            changed = put(new Key(registry, digest), repository);
        }
        if (changed) {
            listener.changed(this);
        }
    }

    /** The registry declined to mount from {@code repository}: it does not hold the blob (any more). */
    public void forget(String registry, String repository, Digest digest) {
        boolean changed;
        synchronized (this) {
            Key key = new Key(registry, digest);
            List<String> repositories = entries.get(key);
            changed = repositories != null && repositories.remove(repository);
            if (changed && repositories.isEmpty()) {
                entries.remove(key);
            }
        }
        if (changed) {
            listener.changed(this);
        }
    }

    /** Every entry, least recently recorded first, each with its repositories latest first. */
    public synchronized Map<Key, List<String>> snapshot() {
        Map<Key, List<String>> copy = new LinkedHashMap<>();
        entries.forEach((key, repositories) -> copy.put(key, List.copyOf(repositories)));
        return copy;
    }

    /** Adds entries (as {@link #snapshot} lists them) without telling the listener: loading a saved state. */
    public synchronized void load(Map<Key, List<String>> saved) {
        saved.forEach((key, repositories) -> {
            for (int i = repositories.size() - 1; i >= 0; i--) {
                put(key, repositories.get(i));
            }
        });
    }

    public synchronized int size() {
        return entries.size();
    }

    private boolean put(Key key, String repository) {
        List<String> repositories = entries.remove(key);
        boolean changed = repositories == null
                || repositories.isEmpty()
                || !repositories.get(0).equals(repository);
        if (repositories == null) {
            repositories = new ArrayList<>(2);
        }
        repositories.remove(repository);
        repositories.add(0, repository);
        while (repositories.size() > MAX_REPOSITORIES) {
            repositories.remove(repositories.size() - 1);
        }
        entries.put(key, repositories);
        for (Iterator<Key> oldest = entries.keySet().iterator(); entries.size() > maxBlobs; ) {
            oldest.next();
            oldest.remove();
        }
        return changed;
    }
}
