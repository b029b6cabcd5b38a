package org.ecrreplicator.worker.reconcile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Packs whole repositories into shards of at most {@code shardSize} tags, in name order (so neighbouring
 * repositories, often one team's, share a build). A repository larger than a shard is a shard of its own;
 * an empty one still counts as one tag, so it is compared (its destination may hold extra tags).
 */
public final class ShardPlanner {
    private ShardPlanner() {}

    public static List<List<String>> plan(Map<String, Integer> tagsByRepository, int shardSize) {
        if (shardSize < 1) {
            throw new IllegalArgumentException("the shard size must be at least 1, not " + shardSize);
        }
        List<List<String>> shards = new ArrayList<>();
        List<String> current = new ArrayList<>();
        long size = 0;
        for (Map.Entry<String, Integer> repository : new java.util.TreeMap<>(tagsByRepository).entrySet()) {
            int tags = Math.max(1, repository.getValue());
            if (!current.isEmpty() && size + tags > shardSize) {
                shards.add(current);
                current = new ArrayList<>();
                size = 0;
            }
            current.add(repository.getKey());
            size += tags;
        }
        if (!current.isEmpty()) {
            shards.add(current);
        }
        return shards;
    }
}
