package org.ecrreplicator.domain.state;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one reconcile shard, or a whole run, found and did. {@code missing}, {@code stale} and {@code extra} are
 * the differences found before repairing; {@code repaired} those made good; {@code deferred} the tags left to an
 * event execution that held their lease; {@code failed} those that could not be repaired (or repositories that
 * could not be read). Drift is left when something was deferred or failed.
 *
 * @param extraKept extra tags left at the destination because deletes do not replicate
 * @param bytesCopied bytes of blobs sent to the destination
 * @param bytesMounted bytes of blobs the destination mounted from another of its repositories instead of
 *     receiving them (not sent, so not in {@code bytesCopied})
 */
public record ReconcileCounts(
        long inSync,
        long missing,
        long stale,
        long extra,
        long repaired,
        long deferred,
        long failed,
        long extraKept,
        long bytesCopied,
        long bytesMounted) {
    public static final ReconcileCounts NONE = new ReconcileCounts(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    public ReconcileCounts {
        for (long count : new long[] {
            inSync, missing, stale, extra, repaired, deferred, failed, extraKept, bytesCopied, bytesMounted
        }) {
            if (count < 0) {
                throw new IllegalArgumentException("reconcile counts cannot be negative");
            }
        }
    }

    public ReconcileCounts plus(ReconcileCounts other) {
        return new ReconcileCounts(
                inSync + other.inSync,
                missing + other.missing,
                stale + other.stale,
                extra + other.extra,
                repaired + other.repaired,
                deferred + other.deferred,
                failed + other.failed,
                extraKept + other.extraKept,
                bytesCopied + other.bytesCopied,
                bytesMounted + other.bytesMounted);
    }

    /**
     * Differences this run did not make good. Extra tags kept because deletes do not replicate are the stack's
     * policy, not drift: they are counted apart ({@link #extraKept}), or every run would end in an alarm.
     */
    public long driftLeft() {
        return deferred + failed;
    }

    /** By the names the build exports, the task result carries and the metrics use (camelCase). */
    public Map<String, Long> asMap() {
        Map<String, Long> map = new LinkedHashMap<>();
        map.put("inSync", inSync);
        map.put("missing", missing);
        map.put("stale", stale);
        map.put("extra", extra);
        map.put("repaired", repaired);
        map.put("deferred", deferred);
        map.put("failed", failed);
        map.put("extraKept", extraKept);
        map.put("bytesCopied", bytesCopied);
        map.put("bytesMounted", bytesMounted);
        return map;
    }

    /**
     * The inverse of {@link #asMap()}; a missing name counts 0 (shard items and runs written before a count
     * existed, such as {@code bytesMounted}, lack it).
     */
    public static ReconcileCounts fromMap(Map<String, Long> map) {
        java.util.function.ToLongFunction<String> get = name -> map.getOrDefault(name, 0L);
        return new ReconcileCounts(
                get.applyAsLong("inSync"),
                get.applyAsLong("missing"),
                get.applyAsLong("stale"),
                get.applyAsLong("extra"),
                get.applyAsLong("repaired"),
                get.applyAsLong("deferred"),
                get.applyAsLong("failed"),
                get.applyAsLong("extraKept"),
                get.applyAsLong("bytesCopied"),
                get.applyAsLong("bytesMounted"));
    }
}
