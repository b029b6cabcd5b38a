#!/usr/bin/env bash
# Benchmarks `bin/replicator copy` against `skopeo copy --all --preserve-digests` on this machine.
#
# Pushes a two-platform OCI image (6 layers, ~200 MiB, plus an attestation manifest) to a local registry,
# then alternates our copy and skopeo's into a new, empty registry each round (nothing can be mounted or
# skipped), and reports medians of whole-process wall time and peak RSS: fresh copy (ours, skopeo, ratio)
# and our re-copy into a registry that already has the image. Registries are the Debian docker-registry
# on 127.0.0.1 with free ports, started and stopped here. Not part of the test suite.
#
# Usage: bench/copy-vs-skopeo.sh [ROUNDS]   (default 5; env LAYER_BYTES changes the layer size, LAYERS the
# layers per platform (default 3), PLATFORMS the architectures (default amd64,arm64) or `single` for one
# image manifest without an index: bench/copy-large.sh)
set -euo pipefail
source "$(dirname "$0")/../bin/lib/common.sh"
find_jdk

ROUNDS="${1:-5}"
LAYER_BYTES="${LAYER_BYTES:-35000000}"
LAYERS="${LAYERS:-3}"
PLATFORMS="${PLATFORMS:-amd64,arm64}"
[ "$ROUNDS" -ge 1 ] 2>/dev/null || { echo "error: ROUNDS must be a positive number, not '$ROUNDS'" >&2; exit 2; }
BENCH_NAME=copy
source "$(dirname "$0")/lib.sh"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
start_registry source
SOURCE_PORT="$PORT"
read -r DIGEST BYTES BLOBS < <("$JAVA_HOME/bin/java" -cp "$REPO_ROOT/local-engines/target/classes" \
  org.ecrreplicator.engines.SampleImages "http://127.0.0.1:$SOURCE_PORT" bench/app v1 7 "$LAYERS" "$LAYER_BYTES" "$PLATFORMS")
if [ "$PLATFORMS" = single ]; then
  SHAPE="1 platform, no index"; ACCEPT=application/vnd.oci.image.manifest.v1+json
else
  SHAPE="$(tr -cd , <<<"$PLATFORMS" | wc -c | awk '{ print $1 + 1 }') platforms + attestation"; ACCEPT=application/vnd.oci.image.index.v1+json
fi
SRC="127.0.0.1:$SOURCE_PORT/bench/app:v1"
echo "source image: $SRC $DIGEST ($BLOBS blobs, $((BYTES / 1048576)) MiB)" >&2

# The two commands, as arrays so /usr/bin/time runs them directly: OURS PORT / THEIRS PORT.
ours() { CMD=("$REPO_ROOT/bin/replicator" copy --insecure "$SRC" "127.0.0.1:$1/bench/app:v1"); }
theirs() {
  CMD=(skopeo copy --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false -q
    "docker://$SRC" "docker://127.0.0.1:$1/bench/app:v1")
}

# One warm-up of each (not counted): page cache, and the launcher's class-data cache for `copy`
# (worker/run-jar.sh). Removed first, so that it is trained by a fresh copy: one trained by a re-copy would
# lack the transfer path.
rm -f "$REPO_ROOT"/worker/target/replicator-worker-cli-copy.aot "$REPO_ROOT"/worker/target/replicator-worker-cli-copy.jsa
start_registry warm; ours "$PORT"; "${CMD[@]}" >/dev/null 2>&1; stop_registry warm
start_registry warm; theirs "$PORT"; "${CMD[@]}" >/dev/null 2>&1; stop_registry warm

for round in $(seq 1 "$ROUNDS"); do
  start_registry "ours$round"; OURS_PORT="$PORT"
  start_registry "skopeo$round"; SKOPEO_PORT="$PORT"
  fresh_round "$round" "$OURS_PORT" "$SKOPEO_PORT"
  ours "$OURS_PORT"; timed recopy-ours
  curl -fs -H "Accept: $ACCEPT" -o /dev/null \
    "http://127.0.0.1:$OURS_PORT/v2/bench/app/manifests/$DIGEST" \
    || { echo "error: our copy lacks $DIGEST" >&2; exit 1; }
  curl -fs -H "Accept: $ACCEPT" -o /dev/null \
    "http://127.0.0.1:$SKOPEO_PORT/v2/bench/app/manifests/$DIGEST" \
    || { echo "error: skopeo's copy lacks $DIGEST" >&2; exit 1; }
  printf 'round %d: ours %ss, skopeo %ss, re-copy %ss\n' "$round" \
    "$(tail -1 "$WORK/fresh-ours" | cut -d' ' -f1)" "$(tail -1 "$WORK/fresh-skopeo" | cut -d' ' -f1)" \
    "$(tail -1 "$WORK/recopy-ours" | cut -d' ' -f1)" >&2
  stop_registry "ours$round"; stop_registry "skopeo$round"
done

OURS_S="$(median "$WORK/fresh-ours" 1)"
SKOPEO_S="$(median "$WORK/fresh-skopeo" 1)"
RECOPY_S="$(median "$WORK/recopy-ours" 1)"
OURS_RSS="$(median "$WORK/fresh-ours" 2)"
SKOPEO_RSS="$(median "$WORK/fresh-skopeo" 2)"
RECOPY_RSS="$(median "$WORK/recopy-ours" 2)"
RATIO="$(awk -v a="$OURS_S" -v b="$SKOPEO_S" 'BEGIN { printf "%.2f", a / b }')"

print_environment
echo "image: $SHAPE, $BLOBS blobs, $((BYTES / 1048576)) MiB; rounds: $ROUNDS (medians, whole process)"
printf '%-28s %8s %12s\n' "" "seconds" "peak RSS"
printf '%-28s %8s %9s MiB\n' "fresh copy, bin/replicator" "$OURS_S" "$((${OURS_RSS%.*} / 1024))"
printf '%-28s %8s %9s MiB\n' "fresh copy, skopeo" "$SKOPEO_S" "$((${SKOPEO_RSS%.*} / 1024))"
printf '%-28s %8s\n' "ratio ours/skopeo" "$RATIO"
printf '%-28s %8s %9s MiB\n' "re-copy, bin/replicator" "$RECOPY_S" "$((${RECOPY_RSS%.*} / 1024))"
