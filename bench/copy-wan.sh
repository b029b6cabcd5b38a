#!/usr/bin/env bash
# Benchmarks `bin/replicator copy` against `skopeo copy --all --preserve-digests` to a destination that is far
# away: each destination registry sits behind bench/WanProxy.java, which delays every byte by DELAY_MS each
# way (RTT = 2 x DELAY_MS, default 70 ms) and paces each connection to MBIT (default 400 Mbit/s) each way.
#
# Pushes a three-platform OCI image (linux/amd64, arm64, ppc64le) with an attestation (SampleImages: 3 layers
# per platform of LAYER_BYTES) to a local registry, then per round copies it with each tool (order alternating) into a new, empty registry
# behind its own proxy, and reports medians of whole-process wall time and peak RSS, and the ratio (target
# <= 0.5). Not part of the test suite.
#
# Usage: bench/copy-wan.sh [ROUNDS]   (default 5; env LAYER_BYTES, DELAY_MS, MBIT)
set -euo pipefail
source "$(dirname "$0")/../bin/lib/common.sh"
find_jdk

ROUNDS="${1:-5}"
LAYER_BYTES="${LAYER_BYTES:-25000000}"
DELAY_MS="${DELAY_MS:-35}"
MBIT="${MBIT:-400}"
[ "$ROUNDS" -ge 1 ] 2>/dev/null || { echo "error: ROUNDS must be a positive number, not '$ROUNDS'" >&2; exit 2; }
BENCH_NAME=copy-wan
source "$(dirname "$0")/lib.sh"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
start_registry source
SOURCE_PORT="$PORT"
read -r DIGEST BYTES BLOBS < <("$JAVA_HOME/bin/java" -cp "$REPO_ROOT/local-engines/target/classes" \
  org.ecrreplicator.engines.SampleImages "http://127.0.0.1:$SOURCE_PORT" bench/app v1 7 3 "$LAYER_BYTES" amd64,arm64,ppc64le)
SRC="127.0.0.1:$SOURCE_PORT/bench/app:v1"
echo "source image: $SRC $DIGEST ($BLOBS blobs, $((BYTES / 1048576)) MiB); RTT $((2 * DELAY_MS)) ms, $MBIT Mbit/s per connection" >&2

ours() { CMD=("$REPO_ROOT/bin/replicator" copy --insecure --no-cache "$SRC" "127.0.0.1:$1/bench/app:v1"); }
theirs() {
  CMD=(skopeo copy --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false -q
    "docker://$SRC" "docker://127.0.0.1:$1/bench/app:v1")
}

# One uncounted warm-up of each (page cache; the launcher's class-data cache for `copy`, trained fresh).
rm -f "$REPO_ROOT"/worker/target/replicator-worker-cli-copy.aot "$REPO_ROOT"/worker/target/replicator-worker-cli-copy.jsa
start_far warm; ours "$PORT"; "${CMD[@]}" >/dev/null 2>&1; stop_far warm
start_far warm2; theirs "$PORT"; "${CMD[@]}" >/dev/null 2>&1; stop_far warm2

for round in $(seq 1 "$ROUNDS"); do
  start_far "ours$round"; OURS_PORT="$PORT"
  start_far "skopeo$round"; SKOPEO_PORT="$PORT"
  fresh_round "$round" "$OURS_PORT" "$SKOPEO_PORT"
  for port in "$OURS_PORT" "$SKOPEO_PORT"; do
    curl -fs -H 'Accept: application/vnd.oci.image.index.v1+json' -o /dev/null \
      "http://127.0.0.1:$port/v2/bench/app/manifests/$DIGEST" \
      || { echo "error: the copy through port $port lacks $DIGEST" >&2; exit 1; }
  done
  printf 'round %d: ours %ss, skopeo %ss\n' "$round" \
    "$(tail -1 "$WORK/fresh-ours" | cut -d' ' -f1)" "$(tail -1 "$WORK/fresh-skopeo" | cut -d' ' -f1)" >&2
  stop_far "ours$round"; stop_far "skopeo$round"
done

OURS_S="$(median "$WORK/fresh-ours" 1)"
SKOPEO_S="$(median "$WORK/fresh-skopeo" 1)"
OURS_RSS="$(median "$WORK/fresh-ours" 2)"
SKOPEO_RSS="$(median "$WORK/fresh-skopeo" 2)"
RATIO="$(awk -v a="$OURS_S" -v b="$SKOPEO_S" 'BEGIN { printf "%.2f", a / b }')"

print_environment
echo "image: 3 platforms + attestation, $BLOBS blobs, $((BYTES / 1048576)) MiB; RTT $((2 * DELAY_MS)) ms, $MBIT Mbit/s per connection; rounds: $ROUNDS (medians, whole process)"
printf '%-28s %8s %12s\n' "" "seconds" "peak RSS"
printf '%-28s %8s %9s MiB\n' "fresh copy, bin/replicator" "$OURS_S" "$((${OURS_RSS%.*} / 1024))"
printf '%-28s %8s %9s MiB\n' "fresh copy, skopeo" "$SKOPEO_S" "$((${SKOPEO_RSS%.*} / 1024))"
printf '%-28s %8s   (target <= 0.5)\n' "ratio ours/skopeo" "$RATIO"
