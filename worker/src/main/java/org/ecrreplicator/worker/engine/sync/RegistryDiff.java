package org.ecrreplicator.worker.engine.sync;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.ecrreplicator.domain.Digest;

/**
 * How the destination differs from the source, tag by tag, over the repositories compared. Lists are sorted
 * by repository, then tag.
 *
 * @param inSyncTags tags that name the same digest on both sides
 * @param errors repositories that could not be read on one side or the other; their tags are in no list
 * @param newAtDestination repositories (relative paths) the destination did not have when it was listed: every
 *     tag of theirs is missing, and a sync asks the destination nothing more about them (decision 0074)
 */
public record RegistryDiff(
        int inSyncTags,
        List<TagDifference> missing,
        List<TagDifference> stale,
        List<TagDifference> extra,
        List<RepositoryError> errors,
        Set<String> newAtDestination) {
    public RegistryDiff {
        newAtDestination = Collections.unmodifiableSortedSet(new TreeSet<>(newAtDestination));
        missing = missing.stream().sorted(TagDifference.ORDER).toList();
        stale = stale.stream().sorted(TagDifference.ORDER).toList();
        extra = extra.stream().sorted(TagDifference.ORDER).toList();
        errors = errors.stream()
                .sorted(Comparator.comparing(RepositoryError::repository))
                .toList();
    }

    /** Whether every tag compared names the same digest on both sides and nothing failed. */
    public boolean inSync() {
        return missing.isEmpty() && stale.isEmpty() && extra.isEmpty() && errors.isEmpty();
    }

    /** The comparison of one repository's tags; {@code destination} empty when the destination lacks it. */
    static RegistryDiff ofRepository(
            String repository, Map<String, Digest> source, Optional<Map<String, Digest>> listedAtDestination) {
        Map<String, Digest> destination = listedAtDestination.orElse(Map.of());
        int same = 0;
        List<TagDifference> missing = new ArrayList<>();
        List<TagDifference> stale = new ArrayList<>();
        List<TagDifference> extra = new ArrayList<>();
        for (Map.Entry<String, Digest> tag : source.entrySet()) {
            Digest there = destination.get(tag.getKey());
            if (there == null) {
                missing.add(
                        new TagDifference(TagDifference.Kind.MISSING, repository, tag.getKey(), tag.getValue(), null));
            } else if (Objects.equals(there, tag.getValue())) {
                same++;
            } else {
                stale.add(new TagDifference(TagDifference.Kind.STALE, repository, tag.getKey(), tag.getValue(), there));
            }
        }
        destination.forEach((tag, digest) -> {
            if (!source.containsKey(tag)) {
                extra.add(new TagDifference(TagDifference.Kind.EXTRA, repository, tag, null, digest));
            }
        });
        return new RegistryDiff(
                same,
                missing,
                stale,
                extra,
                List.of(),
                listedAtDestination.isPresent() ? Set.of() : Set.of(repository));
    }

    static RegistryDiff ofError(RepositoryError error) {
        return new RegistryDiff(0, List.of(), List.of(), List.of(), List.of(error), Set.of());
    }

    static RegistryDiff merge(List<RegistryDiff> parts) {
        int same = 0;
        List<TagDifference> missing = new ArrayList<>();
        List<TagDifference> stale = new ArrayList<>();
        List<TagDifference> extra = new ArrayList<>();
        List<RepositoryError> errors = new ArrayList<>();
        Set<String> newAtDestination = new TreeSet<>();
        for (RegistryDiff part : parts) {
            newAtDestination.addAll(part.newAtDestination());
            same += part.inSyncTags();
            missing.addAll(part.missing());
            stale.addAll(part.stale());
            extra.addAll(part.extra());
            errors.addAll(part.errors());
        }
        return new RegistryDiff(same, missing, stale, extra, errors, newAtDestination);
    }
}
