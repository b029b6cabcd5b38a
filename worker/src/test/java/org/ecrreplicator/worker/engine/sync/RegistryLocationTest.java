package org.ecrreplicator.worker.engine.sync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.ecrreplicator.domain.Digest;
import org.junit.jupiter.api.Test;

class RegistryLocationTest {
    @Test
    void shouldMapRepositoriesByTheirPathBelowThePrefixWhenPrefixesDiffer() {
        RegistryLocation source = RegistryLocation.parse("src.example:5000/team", "SOURCE");
        RegistryLocation destination = RegistryLocation.parse("dst.example/mirror/", "DEST");

        assertThat(source).isEqualTo(new RegistryLocation("src.example:5000", "team"));
        assertThat(source.relative("team/a/b")).contains("a/b");
        assertThat(source.relative("team"))
                .as("the prefix itself is not under it")
                .isEmpty();
        assertThat(source.relative("teamwork/a")).isEmpty();
        assertThat(destination.repository("a/b")).isEqualTo("mirror/a/b");
        assertThat(RegistryLocation.parse("localhost:5000", "DEST").relative("x/y"))
                .contains("x/y");
    }

    @Test
    void shouldNameTheProblemWhenTheArgumentIsNotALocation() {
        assertThatThrownBy(() -> RegistryLocation.parse("https://r.example/team", "SOURCE"))
                .hasMessageContaining("has a scheme: drop 'https://'");
        assertThatThrownBy(() -> RegistryLocation.parse("r.example/team/app:1", "SOURCE"))
                .hasMessageContaining("names a tag");
        assertThatThrownBy(() -> RegistryLocation.parse("r.example/app@sha256:" + "0".repeat(64), "DEST"))
                .hasMessageContaining("names a digest");
        assertThatThrownBy(() -> RegistryLocation.parse("r.example//team", "DEST"))
                .hasMessageContaining("invalid path component ''");
        assertThatThrownBy(() -> RegistryLocation.parse("", "DEST")).hasMessageContaining("DEST is empty");
    }

    @Test
    void shouldTakeOneTagOfEveryRepositoryInTurnWhenInterleavingCopies() {
        Digest digest = Digest.parse("sha256:" + "1".repeat(64));
        List<TagDifference> items = List.of(
                missing("a", "1", digest),
                missing("a", "2", digest),
                missing("a", "3", digest),
                missing("b", "1", digest));

        assertThat(Syncer.interleave(items).stream()
                        .map(item -> item.repository() + ":" + item.tag())
                        .toList())
                .containsExactly("a:1", "b:1", "a:2", "a:3");
    }

    private static TagDifference missing(String repository, String tag, Digest digest) {
        return new TagDifference(TagDifference.Kind.MISSING, repository, tag, digest, null);
    }
}
