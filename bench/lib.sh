# Shared by the benchmarks: checks what they need, starts and stops registries, times whole processes.
# Sourced after bin/lib/common.sh, with BENCH_NAME set (names the scratch directory).
# shellcheck shell=bash
REGISTRY_BIN="${REGISTRY_BIN:-$(command -v docker-registry || true)}"
[ -x "$REGISTRY_BIN" ] || { echo "error: docker-registry is not installed: sudo apt-get install docker-registry" >&2; exit 1; }
command -v skopeo >/dev/null || { echo "error: skopeo is not installed: sudo apt-get install skopeo" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "error: /usr/bin/time is needed for peak RSS: sudo apt-get install time" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/${BENCH_NAME:?}-bench.XXXXXX")"
# The CLI's blob-location cache (decision 0072) of every run here: never the user's, and empty at the start.
export XDG_CACHE_HOME="$WORK/xdg-cache"
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

# start_far NAME: an empty registry behind bench/WanProxy.java (DELAY_MS each way, MBIT per connection); sets
# PORT to the proxy's port, CONTROL to its byte counter's, DIRECT to the registry's own port (for checking what
# arrived without counting it). The proxy stands for a link, which costs the machines at its ends no CPU: a
# small heap keeps its own allocation from faulting in fresh pages on the two CPUs the copies run on.
start_far() {
  start_registry "$1"
  DIRECT="$PORT"
  local out="$WORK/$1-proxy.out"
  "$JAVA_HOME/bin/java" -Xmx96m -XX:+UseSerialGC -XX:+UseTransparentHugePages -Xlog:pagesize=off \
    "$REPO_ROOT/bench/WanProxy.java" "$PORT" "${DELAY_MS:?}" "${MBIT:?}" >"$out" 2>&1 &
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
# Rebuilt when a source is newer than what was built, so a benchmark never measures yesterday's code.
if stale "$REPO_ROOT/worker/target/replicator-worker-cli.jar" "$REPO_ROOT"/{domain,state-store,worker}/src/main \
  || stale "$REPO_ROOT/local-engines/target/classes" "$REPO_ROOT/local-engines/src/main"; then
  (cd "$REPO_ROOT" && mvn_batch -q -o -DskipTests -DskipITs -Dspotless.check.skip=true package -pl worker -am >&2)
  touch "$REPO_ROOT/worker/target/replicator-worker-cli.jar" "$REPO_ROOT/local-engines/target/classes"
fi

# fresh_round ROUND OURS_PORT SKOPEO_PORT: times our fresh run (appended to fresh-ours) and skopeo's (to
# fresh-skopeo) into the two empty registries, alternating who goes first so that neither always gets the
# warmer page cache. The calling script defines ours PORT and theirs PORT, which set CMD.
fresh_round() {
  if [ $(($1 % 2)) -eq 1 ]; then
    ours "$2"; timed fresh-ours; theirs "$3"; timed fresh-skopeo
  else
    theirs "$3"; timed fresh-skopeo; ours "$2"; timed fresh-ours
  fi
}

# The lines every report begins with: the load, the machine and the versions measured.
print_environment() {
  echo
  echo "load average before / after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)"
  echo "java: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1); $(skopeo --version); $("$REGISTRY_BIN" --version)"
}
