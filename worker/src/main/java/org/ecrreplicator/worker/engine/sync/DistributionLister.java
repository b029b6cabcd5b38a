package org.ecrreplicator.worker.engine.sync;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.registry.RegistryClient;
import org.ecrreplicator.worker.engine.transfer.Futures;

/**
 * Lists a registry through the distribution API: {@code /v2/_catalog} and {@code tags/list}, each page by
 * page, then a {@code HEAD} of each tag's manifest for its digest (the API lists tags without digests). The
 * {@code HEAD}s of every repository share one bound, so that listing many repositories at once does not open
 * hundreds of connections to one registry.
 */
public final class DistributionLister implements RegistryLister {
    private final RegistryClient client;
    private final int pageSize;
    private final ExecutorService tasks;
    private final Semaphore heads;

    /**
     * @param pageSize repositories or tags asked for per page ({@code ?n=})
     * @param heads how many {@code HEAD}s may be in flight at once, shared by every repository listed
     */
    public DistributionLister(RegistryClient client, int pageSize, ExecutorService tasks, Semaphore heads) {
        if (pageSize < 1) {
            throw new IllegalArgumentException("page size must be at least 1, not " + pageSize);
        }
        this.client = client;
        this.pageSize = pageSize;
        this.tasks = tasks;
        this.heads = heads;
    }

    @Override
    public List<String> repositories() {
        return client.catalog(pageSize);
    }

    @Override
    public Optional<Map<String, Digest>> tags(String repository) {
        Optional<List<String>> listed = client.listTags(repository, pageSize);
        if (listed.isEmpty()) {
            return Optional.empty();
        }
        Map<String, Future<Optional<Digest>>> asked = new LinkedHashMap<>();
        for (String tag : listed.get()) {
            if (RegistryLister.isUserTag(tag)) {
                asked.put(tag, tasks.submit(() -> {
                    heads.acquire();
                    try {
                        return client.headManifest(repository, tag);
                    } finally {
                        heads.release();
                    }
                }));
            }
        }
        Map<String, Digest> tags = new TreeMap<>();
        // A tag deleted between the listing and its HEAD is simply not there any more.
        asked.forEach((tag, digest) -> Futures.join(digest).ifPresent(found -> tags.put(tag, found)));
        return Optional.of(tags);
    }
}
