package org.ecrreplicator.worker.engine.sync;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.ecrreplicator.domain.Digest;
import org.ecrreplicator.worker.engine.ecr.EcrApi;

/**
 * Lists an ECR registry through its control plane: {@code DescribeRepositories} and {@code ListImages},
 * which gives each tag's digest with it, so a listing costs no request per tag.
 */
public final class EcrLister implements RegistryLister {
    /** The most either operation returns per page. */
    public static final int MAX_PAGE_SIZE = 1000;

    private final EcrApi ecr;
    private final int pageSize;

    /** @param pageSize repositories or images asked for per page, 1 to 1000 */
    public EcrLister(EcrApi ecr, int pageSize) {
        if (pageSize < 1 || pageSize > MAX_PAGE_SIZE) {
            throw new IllegalArgumentException("ECR page size must be 1 to 1000, not " + pageSize);
        }
        this.ecr = ecr;
        this.pageSize = pageSize;
    }

    @Override
    public List<String> repositories() {
        return ecr.listRepositories(pageSize);
    }

    @Override
    public Optional<Map<String, Digest>> tags(String repository) {
        return ecr.listTags(repository, pageSize).map(listed -> {
            Map<String, Digest> tags = new TreeMap<>();
            listed.forEach((tag, digest) -> {
                if (RegistryLister.isUserTag(tag)) {
                    tags.put(tag, Digest.parse(digest));
                }
            });
            return tags;
        });
    }
}
