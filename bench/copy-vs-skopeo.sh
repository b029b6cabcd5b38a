#!/usr/bin/env bash
# Benchmarks `bin/replicator copy` against `skopeo copy --all --preserve-digests` on this machine.
#
# Pushes a two-platform OCI image (6 layers, ~200 MiB, plus an attestation manifest) to a local registry,
# then alternates our copy and skopeo's into a new, empty registry each round (nothing can be mounted or
# skipped), and reports medians of whole-process wall time and peak RSS: fresh copy (ours, skopeo, ratio)
# and our re-copy into a registry that already has the image. Registries are the Debian docker-registry
# on 127.0.0.1 with free ports, started and stopped here. Not part of the test suite.
#
# Usage: bench/copy-vs-skopeo.sh [ROUNDS]   (default 5; env LAYER_BYTES changes the layer size)
set -euo pipefail
source "$(dirname "$0")/../bin/lib/common.sh"
find_jdk

ROUNDS="${1:-5}"
LAYER_BYTES="${LAYER_BYTES:-35000000}"
[ "$ROUNDS" -ge 1 ] 2>/dev/null || { echo "error: ROUNDS must be a positive number, not '$ROUNDS'" >&2; exit 2; }
REGISTRY_BIN="${REGISTRY_BIN:-$(command -v docker-registry || true)}"
[ -x "$REGISTRY_BIN" ] || { echo "error: docker-registry is not installed: sudo apt-get install docker-registry" >&2; exit 1; }
command -v skopeo >/dev/null || { echo "error: skopeo is not installed: sudo apt-get install skopeo" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time is needed for peak RSS: sudo apt-get install time" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/copy-bench.XXXXXX")"
declare -A PIDS=()

cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT


# start_registry NAME: starts an empty registry, sets PORT.
start_registry() {
  local name="$1" dir="$WORK/$1"
  PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
  mkdir -p "$dir/storage"
  cat >"$dir/config.yml" <<YAML
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $dir/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$PORT
  secret: bench-only-upload-state-secret
YAML
  "$REGISTRY_BIN" serve "$dir/config.yml" >"$dir/log" 2>&1 &
  PIDS[$name]=$!
  for _ in $(seq 1 200); do
    if curl -fs "http://127.0.0.1:$PORT/v2/" >/dev/null 2>&1; then return 0; fi
    sleep 0.05
  done
  echo "error: registry $name did not start: $(tail -5 "$dir/log")" >&2
  exit 1
}

stop_registry() {
  local name="$1"
  kill "${PIDS[$name]}" 2>/dev/null || true
  wait "${PIDS[$name]}" 2>/dev/null || true
  unset "PIDS[$name]"
  rm -rf "${WORK:?}/$name"
}

# timed LABEL: runs CMD, appends "seconds rss_kib" to $WORK/LABEL.
timed() {
  local label="$1"
  /usr/bin/time -f "%e %M" -o "$WORK/time.out" "${CMD[@]}" >"$WORK/cmd.out" 2>"$WORK/cmd.err" || {
    echo "error: $label failed: $(tail -3 "$WORK/cmd.err")" >&2; exit 1; }
  cat "$WORK/time.out" >>"$WORK/$label"
}

median() { # median of column $2 in file $1
  sort -n -k"$2","$2" "$1" | awk -v col="$2" '{ v[NR] = $col } END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "building the worker jar and the sample image generator..." >&2
if [ ! -f "$REPO_ROOT/worker/target/replicator-worker-cli.jar" ] || [ ! -d "$REPO_ROOT/local-engines/target/classes" ]; then
  (cd "$REPO_ROOT" && mvn_batch -q -o -DskipTests -DskipITs -Dspotless.check.skip=true package -pl worker -am >&2)
fi

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
start_registry source
SOURCE_PORT="$PORT"
read -r DIGEST BYTES BLOBS < <("$JAVA_HOME/bin/java" -cp "$REPO_ROOT/local-engines/target/classes" \
  org.ecrreplicator.engines.SampleImages "http://127.0.0.1:$SOURCE_PORT" bench/app v1 7 3 "$LAYER_BYTES")
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
  # Alternate who goes first, so neither always gets the warmer page cache.
  if [ $((round % 2)) -eq 1 ]; then
    ours "$OURS_PORT"; timed fresh-ours; theirs "$SKOPEO_PORT"; timed fresh-skopeo
  else
    theirs "$SKOPEO_PORT"; timed fresh-skopeo; ours "$OURS_PORT"; timed fresh-ours
  fi
  ours "$OURS_PORT"; timed recopy-ours
  curl -fs -H 'Accept: application/vnd.oci.image.index.v1+json' -o /dev/null -w '' \
    "http://127.0.0.1:$OURS_PORT/v2/bench/app/manifests/$DIGEST" \
    || { echo "error: our copy lacks $DIGEST" >&2; exit 1; }
  curl -fs -H 'Accept: application/vnd.oci.image.index.v1+json' -o /dev/null \
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

echo
echo "load average before / after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); $(skopeo --version); $("$REGISTRY_BIN" --version)"
echo "image: 2 platforms + attestation, $BLOBS blobs, $((BYTES / 1048576)) MiB; rounds: $ROUNDS (medians, whole process)"
printf '%-28s %8s %12s\n' "" "seconds" "peak RSS"
printf '%-28s %8s %9s MiB\n' "fresh copy, bin/replicator" "$OURS_S" "$((${OURS_RSS%.*} / 1024))"
printf '%-28s %8s %9s MiB\n' "fresh copy, skopeo" "$SKOPEO_S" "$((${SKOPEO_RSS%.*} / 1024))"
printf '%-28s %8s\n' "ratio ours/skopeo" "$RATIO"
printf '%-28s %8s %9s MiB\n' "re-copy, bin/replicator" "$RECOPY_S" "$((${RECOPY_RSS%.*} / 1024))"
