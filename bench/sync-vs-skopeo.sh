#!/usr/bin/env bash
# Benchmarks `bin/replicator sync` against `skopeo sync --all --preserve-digests` on this machine.
#
# Pushes REPOSITORIES x TAGS small images (every third a two-platform index, tag t0 of each repository one
# of four shared images) to a local registry, then alternates our sync and skopeo's of every repository into
# a new, empty registry each round, and reports medians of whole-process wall time and peak RSS: fresh sync
# (ours, skopeo, ratio) and our no-op re-sync into the registry it just filled. skopeo reads the repository
# list from a YAML file (it cannot list a registry), ours lists the registry itself (/v2/_catalog) and
# compares every tag first. Registries are the Debian docker-registry on 127.0.0.1 with free ports, started
# and stopped here. Not part of the test suite.
#
# Usage: bench/sync-vs-skopeo.sh [ROUNDS]   (default 5; env REPOSITORIES=40 TAGS=5 LAYER_BYTES=200000)
set -euo pipefail
source "$(dirname "$0")/../bin/lib/common.sh"
find_jdk

ROUNDS="${1:-5}"
REPOSITORIES="${REPOSITORIES:-40}"
TAGS="${TAGS:-5}"
LAYER_BYTES="${LAYER_BYTES:-200000}"
[ "$ROUNDS" -ge 1 ] 2>/dev/null || { echo "error: ROUNDS must be a positive number, not '$ROUNDS'" >&2; exit 2; }
BENCH_NAME=sync
source "$(dirname "$0")/lib.sh"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
start_registry source
SOURCE_PORT="$PORT"
PUSHED="$("$JAVA_HOME/bin/java" -cp "$REPO_ROOT/local-engines/target/classes" "$REPO_ROOT/bench/SyncBenchImages.java" \
  "http://127.0.0.1:$SOURCE_PORT" "$REPOSITORIES" "$TAGS" "$LAYER_BYTES")"
SOURCE_BYTES="$(du -sb "$WORK/source/storage" | cut -f1)"
echo "source: $PUSHED tags in $REPOSITORIES repositories, $((SOURCE_BYTES / 1024)) KiB stored" >&2

# skopeo's source: every repository, all tags ([] = every tag).
{
  echo "127.0.0.1:$SOURCE_PORT:"
  echo "  tls-verify: false"
  echo "  images:"
  for r in $(seq 0 $((REPOSITORIES - 1))); do printf '    bench/r%02d: []\n' "$r"; done
} >"$WORK/skopeo.yaml"

ours() { CMD=("$REPO_ROOT/bin/replicator" sync --insecure "127.0.0.1:$SOURCE_PORT" "127.0.0.1:$1"); }
# skopeo puts each image under DEST/<last path component>; DEST/bench keeps the names the same as ours.
theirs() {
  CMD=(skopeo sync --all --preserve-digests --src yaml --dest docker --dest-tls-verify=false
    "$WORK/skopeo.yaml" "127.0.0.1:$1/bench")
}

# check PORT: every tag at the destination names the source's digest (our diff, against the source).
check() {
  "$REPO_ROOT/bin/replicator" diff --insecure "127.0.0.1:$SOURCE_PORT" "127.0.0.1:$1" >"$WORK/diff.out" 2>&1 \
    || { echo "error: 127.0.0.1:$1 is not in sync with the source: $(tail -3 "$WORK/diff.out")" >&2; exit 1; }
}

# One warm-up of each (not counted): page cache, and the launcher's class-data cache for `sync`, removed first
# so that a fresh sync trains it (docs/decisions/0018-aot-cache-launcher.md).
rm -f "$REPO_ROOT"/worker/target/replicator-worker-cli-sync.aot "$REPO_ROOT"/worker/target/replicator-worker-cli-sync.jsa
warm_up() { "${CMD[@]}" >"$WORK/cmd.out" 2>"$WORK/cmd.err" || { echo "error: warm-up of ${CMD[0]##*/} failed: $(tail -3 "$WORK/cmd.err")" >&2; exit 1; }; }
start_registry warm; ours "$PORT"; warm_up; check "$PORT"; stop_registry warm
start_registry warm; theirs "$PORT"; warm_up; check "$PORT"; stop_registry warm

for round in $(seq 1 "$ROUNDS"); do
  start_registry "ours$round"; OURS_PORT="$PORT"
  start_registry "skopeo$round"; SKOPEO_PORT="$PORT"
  fresh_round "$round" "$OURS_PORT" "$SKOPEO_PORT"
  ours "$OURS_PORT"; timed resync-ours
  check "$OURS_PORT"; check "$SKOPEO_PORT"
  printf 'round %d: ours %ss, skopeo %ss, no-op re-sync %ss\n' "$round" \
    "$(tail -1 "$WORK/fresh-ours" | cut -d' ' -f1)" "$(tail -1 "$WORK/fresh-skopeo" | cut -d' ' -f1)" \
    "$(tail -1 "$WORK/resync-ours" | cut -d' ' -f1)" >&2
  stop_registry "ours$round"; stop_registry "skopeo$round"
done

OURS_S="$(median "$WORK/fresh-ours" 1)"
SKOPEO_S="$(median "$WORK/fresh-skopeo" 1)"
RESYNC_S="$(median "$WORK/resync-ours" 1)"
OURS_RSS="$(median "$WORK/fresh-ours" 2)"
SKOPEO_RSS="$(median "$WORK/fresh-skopeo" 2)"
RESYNC_RSS="$(median "$WORK/resync-ours" 2)"
RATIO="$(awk -v a="$OURS_S" -v b="$SKOPEO_S" 'BEGIN { printf "%.2f", a / b }')"

print_environment
echo "source: $REPOSITORIES repositories x $TAGS tags ($PUSHED), $((SOURCE_BYTES / 1024)) KiB stored; rounds: $ROUNDS (medians, whole process)"
printf '%-30s %8s %12s\n' "" "seconds" "peak RSS"
printf '%-30s %8s %9s MiB\n' "fresh sync, bin/replicator" "$OURS_S" "$((${OURS_RSS%.*} / 1024))"
printf '%-30s %8s %9s MiB\n' "fresh sync, skopeo" "$SKOPEO_S" "$((${SKOPEO_RSS%.*} / 1024))"
printf '%-30s %8s\n' "ratio ours/skopeo (target 0.5)" "$RATIO"
printf '%-30s %8s %9s MiB\n' "no-op re-sync, bin/replicator" "$RESYNC_S" "$((${RESYNC_RSS%.*} / 1024))"
