package org.ecrreplicator.worker.engine.transfer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.ecrreplicator.domain.Digest;
import org.junit.jupiter.api.Test;

/** {@link BlobLocations} with a shared index behind it (decision 0072), the index in memory. */
class BlobLocationsIndexTest {
    private static final String REGISTRY = "dest.example.com";
    private static final Digest BASE = Digest.parse("sha256:" + "a".repeat(64));
    private static final Digest APP = Digest.parse("sha256:" + "b".repeat(64));

    /** Records what it is asked and told. */
    private static final class MemoryIndex implements BlobLocations.Index {
        final Map<Digest, List<String>> entries = new HashMap<>();
        final List<Collection<Digest>> reads = new ArrayList<>();
        final List<String> writes = new ArrayList<>();

        @Override
        public Map<Digest, List<String>> read(String registry, Collection<Digest> digests) {
            reads.add(List.copyOf(digests));
            Map<Digest, List<String>> found = new HashMap<>();
            digests.forEach(digest -> {
                if (entries.containsKey(digest)) {
                    found.put(digest, entries.get(digest));
                }
            });
            return found;
        }

        @Override
        public void write(String registry, String repository, Collection<Digest> digests) {
            digests.forEach(digest -> writes.add(registry + " " + repository + " " + digest));
        }
    }

    @Test
    void shouldOfferAHolderTheIndexKnowsWhenThisProcessHasNotSeenTheBlob() {
        MemoryIndex index = new MemoryIndex();
        index.entries.put(BASE, List.of("team/one", "team/two"));
        BlobLocations locations = new BlobLocations();
        locations.index(index);

        locations.consult(REGISTRY, List.of(BASE, APP));

        assertThat(locations.holder(REGISTRY, BASE, "team/three")).contains("team/one");
        assertThat(locations.holder(REGISTRY, BASE, "team/one")).contains("team/two");
        assertThat(locations.holder(REGISTRY, APP, "team/three")).isEmpty();
    }

    @Test
    void shouldAskTheIndexOnlyForBlobsThisProcessDoesNotKnowWhenConsulting() {
        MemoryIndex index = new MemoryIndex();
        BlobLocations locations = new BlobLocations();
        locations.index(index);
        locations.record(REGISTRY, "team/one", BASE);

        locations.consult(REGISTRY, List.of(BASE, APP));
        locations.consult(REGISTRY, List.of(BASE));

        assertThat(index.reads).containsExactly(List.of(APP));
    }

    @Test
    void shouldKeepAtMostTheBoundOfRepositoriesWhenTheIndexNamesMore() {
        MemoryIndex index = new MemoryIndex();
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            many.add("team/repo-" + i);
        }
        index.entries.put(BASE, many);
        BlobLocations locations = new BlobLocations();
        locations.index(index);

        locations.consult(REGISTRY, List.of(BASE));

        assertThat(locations.snapshot().get(new BlobLocations.Key(REGISTRY, BASE)))
                .hasSize(BlobLocations.MAX_REPOSITORIES);
    }

    @Test
    void shouldRecordAndWriteEveryBlobOfTheImageWhenACopyIsConfirmed() {
        MemoryIndex index = new MemoryIndex();
        BlobLocations locations = new BlobLocations();
        locations.index(index);

        locations.confirmed(REGISTRY, "team/one", List.of(BASE, APP));

        assertThat(index.writes).containsExactly(REGISTRY + " team/one " + BASE, REGISTRY + " team/one " + APP);
        assertThat(locations.holder(REGISTRY, APP, "team/two")).contains("team/one");
    }
}
