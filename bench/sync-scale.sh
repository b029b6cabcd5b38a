#!/usr/bin/env bash
# Measures `bin/replicator sync` at the size of one reconcile shard's work and more: REPOSITORIES x TAGS small
# images (SyncBenchImages: every third a two-platform index, tag t0 of each repository one of four shared
# images) pushed to one local registry, synced once into an empty one (a full repair) and again (a no-op
# check), ROUNDS times. Prints wall time, tags per second and peak RSS of each whole process, the basis of the
# per-shard repair rate in docs/scale.md. Registries are the Debian docker-registry on 127.0.0.1 with free
# ports, started and stopped here. Not part of the test suite.
#
# Usage: bench/sync-scale.sh [ROUNDS]   (default 1; env REPOSITORIES=200 TAGS=10 LAYER_BYTES=20000 CONCURRENCY=8)
set -euo pipefail
source "$(dirname "$0")/../bin/lib/common.sh"
find_jdk

ROUNDS="${1:-1}"
REPOSITORIES="${REPOSITORIES:-200}"
TAGS="${TAGS:-10}"
LAYER_BYTES="${LAYER_BYTES:-20000}"
CONCURRENCY="${CONCURRENCY:-8}"
[ "$ROUNDS" -ge 1 ] 2>/dev/null || { echo "error: ROUNDS must be a positive number, not '$ROUNDS'" >&2; exit 2; }
BENCH_NAME=sync-scale
source "$(dirname "$0")/lib.sh"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
start_registry source
SOURCE_PORT="$PORT"
PUSH_STARTED="$(date +%s)"
PUSHED="$("$JAVA_HOME/bin/java" -cp "$REPO_ROOT/local-engines/target/classes" "$REPO_ROOT/bench/SyncBenchImages.java" \
  "http://127.0.0.1:$SOURCE_PORT" "$REPOSITORIES" "$TAGS" "$LAYER_BYTES")"
SOURCE_BYTES="$(du -sb "$WORK/source/storage" | cut -f1)"
echo "source: $PUSHED tags in $REPOSITORIES repositories, $((SOURCE_BYTES / 1024)) KiB stored, pushed in" \
  "$(($(date +%s) - PUSH_STARTED)) s" >&2

sync_to() {
  CMD=("$REPO_ROOT/bin/replicator" sync --insecure --concurrency "$CONCURRENCY" "127.0.0.1:$SOURCE_PORT" "127.0.0.1:$1")
}

for round in $(seq 1 "$ROUNDS"); do
  start_registry "dest$round"
  sync_to "$PORT"; timed full
  grep -q "; in sync now" "$WORK/cmd.out" || { echo "error: round $round did not converge: $(tail -1 "$WORK/cmd.out")" >&2; exit 1; }
  sync_to "$PORT"; timed noop
  grep -q "0 copied" "$WORK/cmd.out" || { echo "error: the no-op re-sync copied: $(tail -1 "$WORK/cmd.out")" >&2; exit 1; }
  printf 'round %d: full %ss, no-op %ss\n' "$round" "$(tail -1 "$WORK/full" | cut -d' ' -f1)" \
    "$(tail -1 "$WORK/noop" | cut -d' ' -f1)" >&2
  stop_registry "dest$round"
done

FULL_S="$(median "$WORK/full" 1)"
NOOP_S="$(median "$WORK/noop" 1)"
print_environment
echo "source: $REPOSITORIES repositories x $TAGS tags ($PUSHED), $((SOURCE_BYTES / 1024)) KiB stored;" \
  "sync --concurrency $CONCURRENCY; rounds: $ROUNDS (medians, whole process)"
printf '%-34s %8s %10s %12s\n' "" "seconds" "tags/s" "peak RSS"
printf '%-34s %8s %10s %9s MiB\n' "full sync into an empty registry" "$FULL_S" \
  "$(awk -v n="$PUSHED" -v s="$FULL_S" 'BEGIN { printf "%.0f", n / s }')" "$(($(median "$WORK/full" 2 | cut -d. -f1) / 1024))"
printf '%-34s %8s %10s %9s MiB\n' "no-op re-sync (list and compare)" "$NOOP_S" \
  "$(awk -v n="$PUSHED" -v s="$NOOP_S" 'BEGIN { printf "%.0f", n / s }')" "$(($(median "$WORK/noop" 2 | cut -d. -f1) / 1024))"
