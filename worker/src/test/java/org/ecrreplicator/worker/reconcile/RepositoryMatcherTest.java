package org.ecrreplicator.worker.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RepositoryMatcherTest {
    @Test
    void shouldMatchRepositoriesUnderAnyListedPrefixWhenTheFilterIsAPrefixList() {
        RepositoryMatcher matcher = RepositoryMatcher.parse("prefix:team-a/, team-b/", null);

        assertThat(matcher.matches("team-a/api")).isTrue();
        assertThat(matcher.matches("team-b/web/frontend")).isTrue();
        assertThat(matcher.matches("team-c/api")).isFalse();
        assertThat(matcher.matches("x/team-a/api"))
                .as("a prefix anchors at the start")
                .isFalse();
    }

    @Test
    void shouldLetTheWildcardSpanSlashesWhenTheFilterIsAWildcard() {
        RepositoryMatcher matcher = RepositoryMatcher.parse("wildcard:team-*/base", null);

        assertThat(matcher.matches("team-a/base")).isTrue();
        assertThat(matcher.matches("team-a/images/base")).isTrue();
        assertThat(matcher.matches("team-a/base/extra"))
                .as("the whole name must match")
                .isFalse();
        assertThat(matcher.matches("other/team-a/base")).isFalse();
    }

    @Test
    void shouldTakeEveryOtherCharacterOfAWildcardLiterally() {
        RepositoryMatcher matcher = RepositoryMatcher.parse("wildcard:app.v1*", null);

        assertThat(matcher.matches("app.v1/x")).isTrue();
        assertThat(matcher.matches("appxv1/x"))
                .as("'.' is not a regex wildcard")
                .isFalse();
    }

    @Test
    void shouldMatchOnlyUnderTheNarrowingPrefixWhenOneIsGiven() {
        RepositoryMatcher matcher = RepositoryMatcher.parse("prefix:team-", "team-a/");

        assertThat(matcher.matches("team-a/api")).isTrue();
        assertThat(matcher.matches("team-b/api")).isFalse();
        assertThat(RepositoryMatcher.parse("prefix:team-a/", "other/").matches("other/api"))
                .as("a narrowing never widens the stack's filter")
                .isFalse();
    }

    @Test
    void shouldMatchEveryRepositoryWhenTheFilterIsPrefixAlone() {
        RepositoryMatcher matcher = RepositoryMatcher.parse("prefix:", "");

        assertThat(matcher.matches("anything")).isTrue();
        assertThat(matcher.matches("deep/ly/nested")).isTrue();
        assertThat(RepositoryMatcher.parse("wildcard:", null).matches("deep/ly/nested"))
                .isTrue();
    }

    @Test
    void shouldNameTheExpectedFormWhenTheFilterIsMalformed() {
        for (String filter : new String[] {"team-a/", "regex:team-.*", "", null}) {
            assertThatThrownBy(() -> RepositoryMatcher.parse(filter, null))
                    .as(String.valueOf(filter))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + filter + "'")
                    .hasMessageContaining("'prefix:' or 'wildcard:'");
        }
    }
}
