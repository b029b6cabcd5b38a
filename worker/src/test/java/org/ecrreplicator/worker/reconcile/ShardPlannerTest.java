package org.ecrreplicator.worker.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardPlannerTest {
    private static Map<String, Integer> tags(Object... nameThenCount) {
        Map<String, Integer> map = new LinkedHashMap<>();
        for (int i = 0; i < nameThenCount.length; i += 2) {
            map.put((String) nameThenCount[i], (Integer) nameThenCount[i + 1]);
        }
        return map;
    }

    @Test
    void shouldPackWholeRepositoriesInNameOrderWhenTheyAreGivenInAnyOrder() {
        Map<String, Integer> repositories = tags("team-b/web", 2, "team-c/db", 4, "team-a/api", 3, "team-d/ui", 1);

        List<List<String>> shards = ShardPlanner.plan(repositories, 5);

        assertThat(shards).containsExactly(List.of("team-a/api", "team-b/web"), List.of("team-c/db", "team-d/ui"));
    }

    @Test
    void shouldGiveARepositoryLargerThanAShardAShardOfItsOwn() {
        Map<String, Integer> repositories = tags("a", 1, "big", 10, "c", 1);

        assertThat(ShardPlanner.plan(repositories, 5)).containsExactly(List.of("a"), List.of("big"), List.of("c"));
    }

    @Test
    void shouldCountAnEmptyRepositoryAsOneTagWhenPacking() {
        Map<String, Integer> repositories = tags("a", 0, "b", 0, "c", 0);

        assertThat(ShardPlanner.plan(repositories, 2)).containsExactly(List.of("a", "b"), List.of("c"));
    }

    @Test
    void shouldPlanNoShardWhenNoRepositoryMatches() {
        assertThat(ShardPlanner.plan(Map.of(), 500)).isEmpty();
    }

    @Test
    void shouldRefuseAShardSizeBelowOneNamingIt() {
        assertThatThrownBy(() -> ShardPlanner.plan(tags("a", 1), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 1")
                .hasMessageContaining("0");
    }
}
