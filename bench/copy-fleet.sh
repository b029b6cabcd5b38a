#!/usr/bin/env bash
# Benchmarks a fleet of images copied one after another into one fresh, far-away destination: what crosses
# the link and how long it takes, `bin/replicator copy` (with its blob-location cache, so a base layer
# another repository of the destination holds is mounted) against `skopeo copy --all --preserve-digests`.
#
# Pushes REPOSITORIES (default 8) repositories bench/rNN:t0 with bench/SyncBenchImages.java (four distinct
# seeds, so the images share base layers), then per round copies every repository, one process after another,
# into a new, empty registry behind bench/WanProxy.java (RTT = 2 x DELAY_MS, MBIT per connection) for each
# tool. Reports medians of the bytes sent across the proxy towards the destination divided by the unique blob
# bytes of the source (target <= 1.05 for ours), and of the wall time of the whole fleet. Not part of the tests.
#
# Usage: bench/copy-fleet.sh [ROUNDS]   (default 3; env REPOSITORIES, LAYER_BYTES, DELAY_MS, MBIT)
set -euo pipefail
source "$(dirname "$0")/../bin/lib/common.sh"
find_jdk

ROUNDS="${1:-3}"
REPOSITORIES="${REPOSITORIES:-8}"
LAYER_BYTES="${LAYER_BYTES:-10000000}"
DELAY_MS="${DELAY_MS:-35}"
MBIT="${MBIT:-400}"
[ "$ROUNDS" -ge 1 ] 2>/dev/null || { echo "error: ROUNDS must be a positive number, not '$ROUNDS'" >&2; exit 2; }
BENCH_NAME=copy-fleet
source "$(dirname "$0")/lib.sh"

# start_far NAME: an empty registry behind a WanProxy; sets PORT to the proxy's port, CONTROL to its counter's.
start_far() {
  start_registry "$1"
  local out="$WORK/$1-proxy.out"
  "$JAVA_HOME/bin/java" "$REPO_ROOT/bench/WanProxy.java" "$PORT" "$DELAY_MS" "$MBIT" >"$out" 2>&1 &
  PIDS[$1-proxy]=$!
  for _ in $(seq 1 600); do
    if read -r PORT CONTROL <"$out" 2>/dev/null && [ -n "${CONTROL:-}" ]; then return 0; fi
    sleep 0.05
  done
  echo "error: the proxy for $1 did not start: $(cat "$out")" >&2
  exit 1
}

stop_far() {
  kill "${PIDS[$1-proxy]}" 2>/dev/null || true
  wait "${PIDS[$1-proxy]}" 2>/dev/null || true
  unset "PIDS[$1-proxy]"
  stop_registry "$1"
}

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
start_registry source
SOURCE_PORT="$PORT"
"$JAVA_HOME/bin/java" -cp "$REPO_ROOT/local-engines/target/classes" "$REPO_ROOT/bench/SyncBenchImages.java" \
  "http://127.0.0.1:$SOURCE_PORT" "$REPOSITORIES" 1 "$LAYER_BYTES" >/dev/null
# Every blob the registry stores once: layers, configs and manifests of the whole fleet.
UNIQUE="$(find "$WORK/source/storage" -path '*/blobs/*' -name data -printf '%s\n' | awk '{ s += $1 } END { print s }')"
echo "fleet: $REPOSITORIES repositories, $((UNIQUE / 1048576)) MiB of unique blobs; RTT $((2 * DELAY_MS)) ms, $MBIT Mbit/s per connection" >&2

# fleet LABEL TOOL PORT CONTROL: copies every repository with TOOL (ours or skopeo) through the proxy at PORT,
# one process after another; appends "seconds bytes_sent" to $WORK/LABEL.
fleet() {
  local label="$1" tool="$2" port="$3" control="$4" started ended r repo
  started="$(date +%s.%N)"
  for r in $(seq 0 $((REPOSITORIES - 1))); do
    repo="$(printf 'bench/r%02d' "$r")"
    if [ "$tool" = ours ]; then
      XDG_CACHE_HOME="$WORK/cache-$label" "$REPO_ROOT/bin/replicator" copy --insecure \
        "127.0.0.1:$SOURCE_PORT/$repo:t0" "127.0.0.1:$port/$repo:t0" >/dev/null 2>"$WORK/cmd.err" \
        || { echo "error: our copy of $repo failed: $(tail -3 "$WORK/cmd.err")" >&2; exit 1; }
    else
      skopeo copy --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false -q \
        "docker://127.0.0.1:$SOURCE_PORT/$repo:t0" "docker://127.0.0.1:$port/$repo:t0" >/dev/null 2>"$WORK/cmd.err" \
        || { echo "error: skopeo's copy of $repo failed: $(tail -3 "$WORK/cmd.err")" >&2; exit 1; }
    fi
  done
  ended="$(date +%s.%N)"
  echo "$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.2f", b - a }') $(curl -fs "http://127.0.0.1:$control/")" >>"$WORK/$label"
}

for round in $(seq 1 "$ROUNDS"); do
  start_far "ours$round"; OURS_PORT="$PORT"; OURS_CONTROL="$CONTROL"
  start_far "skopeo$round"; SKOPEO_PORT="$PORT"; SKOPEO_CONTROL="$CONTROL"
  if [ $((round % 2)) -eq 1 ]; then
    fleet ours ours "$OURS_PORT" "$OURS_CONTROL"; fleet skopeo skopeo "$SKOPEO_PORT" "$SKOPEO_CONTROL"
  else
    fleet skopeo skopeo "$SKOPEO_PORT" "$SKOPEO_CONTROL"; fleet ours ours "$OURS_PORT" "$OURS_CONTROL"
  fi
  rm -rf "$WORK/cache-ours"
  printf 'round %d: ours %ss %s bytes, skopeo %ss %s bytes\n' "$round" \
    $(tail -1 "$WORK/ours") $(tail -1 "$WORK/skopeo") >&2
  stop_far "ours$round"; stop_far "skopeo$round"
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
OURS_S="$(median "$WORK/ours" 1)"; OURS_B="$(median "$WORK/ours" 2)"
SKOPEO_S="$(median "$WORK/skopeo" 1)"; SKOPEO_B="$(median "$WORK/skopeo" 2)"

print_environment
echo "fleet: $REPOSITORIES repositories one after another, $UNIQUE bytes of unique blobs; RTT $((2 * DELAY_MS)) ms, $MBIT Mbit/s per connection; rounds: $ROUNDS (medians)"
printf '%-24s %10s %14s %16s\n' "" "seconds" "bytes sent" "sent / unique"
printf '%-24s %10s %14s %16s\n' "bin/replicator (cache)" "$OURS_S" "${OURS_B%.*}" "$(ratio "$OURS_B" "$UNIQUE")"
printf '%-24s %10s %14s %16s\n' "skopeo" "$SKOPEO_S" "${SKOPEO_B%.*}" "$(ratio "$SKOPEO_B" "$UNIQUE")"
printf '%-24s %10s   (bytes target for ours: sent / unique <= 1.05)\n' "time ratio ours/skopeo" "$(ratio "$OURS_S" "$SKOPEO_S")"
