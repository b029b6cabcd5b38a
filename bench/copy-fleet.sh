#!/usr/bin/env bash
# Benchmarks a fleet of images copied one after another into one fresh, far-away destination: what crosses
# the link and how long it takes, for three contenders:
# - `bin/replicator copy` with its blob-location cache, so a base layer another repository of the
#   destination holds is mounted;
# - `bin/replicator replicate`, one process per image as a pipeline build runs it (the build's environment,
#   a fresh HOME, no CLI cache), sharing only the state table's blob index (decision 0072) in DynamoDB Local
#   (bench/StateTableServer.java, a fresh one per round so the index starts empty);
# - `skopeo copy --all --preserve-digests`.
#
# Pushes REPOSITORIES (default 8) repositories bench/rNN:t0 with bench/SyncBenchImages.java (four distinct
# seeds, so the images share base layers), then per round copies every repository, one process after another,
# into a new, empty registry behind bench/WanProxy.java (RTT = 2 x DELAY_MS, MBIT per connection) for each
# contender, in an order that rotates per round. Every copy is checked: the destination must serve each tag
# with the source's digest. Reports medians of the bytes sent across the proxy towards the destination divided
# by the unique blob bytes of the source (target <= 1.05 for ours), and of the wall time of the whole fleet.
# Not part of the tests.
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

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

# The state table's engine: DynamoDB Local from the local-engines module's runtime classpath, written again
# when the module's dependencies change.
engines_classpath="$REPO_ROOT/local-engines/target/bench-classpath.txt"
if [ ! -s "$engines_classpath" ] || stale "$engines_classpath" "$REPO_ROOT/local-engines/pom.xml" "$REPO_ROOT/pom.xml"; then
  (cd "$REPO_ROOT" && mvn_batch -q -o -Dspotless.check.skip=true dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=runtime -pl local-engines -am >&2) \
    || { echo "error: cannot write the local-engines classpath (mvn dependency:build-classpath)" >&2; exit 1; }
fi
ENGINES_CP="$REPO_ROOT/local-engines/target/classes:$(cat "$engines_classpath")"

# start_table NAME: a fresh DynamoDB Local holding an empty state table; sets TABLE_ENDPOINT and TABLE. Its
# stdin is a FIFO this shell holds open, so it also stops if this script dies without its cleanup.
start_table() {
  local out="$WORK/$1.out" fifo="$WORK/$1.in"
  mkfifo "$fifo"
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -cp "$ENGINES_CP" \
    "$REPO_ROOT/bench/StateTableServer.java" bench-state <"$fifo" >"$out" 2>"$WORK/$1.err" &
  PIDS[$1]=$!
  exec {TABLE_FD}>"$fifo"
  for _ in $(seq 1 1200); do
    if read -r TABLE_ENDPOINT TABLE <"$out" 2>/dev/null && [ -n "${TABLE:-}" ]; then return 0; fi
    kill -0 "${PIDS[$1]}" 2>/dev/null || break
    sleep 0.05
  done
  echo "error: DynamoDB Local ($1) did not start: $(tail -3 "$WORK/$1.err")" >&2
  exit 1
}

stop_table() {
  exec {TABLE_FD}>&-
  kill "${PIDS[$1]}" 2>/dev/null || true
  wait "${PIDS[$1]}" 2>/dev/null || true
  unset "PIDS[$1]"
}

start_registry source
SOURCE_PORT="$PORT"
"$JAVA_HOME/bin/java" -cp "$REPO_ROOT/local-engines/target/classes" "$REPO_ROOT/bench/SyncBenchImages.java" \
  "http://127.0.0.1:$SOURCE_PORT" "$REPOSITORIES" 1 "$LAYER_BYTES" >/dev/null
# Every blob the registry stores once: layers, configs and manifests of the whole fleet.
UNIQUE="$(find "$WORK/source/storage" -path '*/blobs/*' -name data -printf '%s\n' | awk '{ s += $1 } END { print s }')"
echo "fleet: $REPOSITORIES repositories, $((UNIQUE / 1048576)) MiB of unique blobs; RTT $((2 * DELAY_MS)) ms, $MBIT Mbit/s per connection" >&2

ACCEPT='application/vnd.oci.image.index.v1+json,application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.list.v2+json,application/vnd.docker.distribution.manifest.v2+json'
# manifest_digest PORT REPO: the digest the registry at PORT serves for REPO:t0, or nothing.
manifest_digest() {
  curl -fsI -H "Accept: $ACCEPT" "http://127.0.0.1:$1/v2/$2/manifests/t0" 2>/dev/null \
    | tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p'
}
declare -A DIGESTS=()
for r in $(seq 0 $((REPOSITORIES - 1))); do
  repo="$(printf 'bench/r%02d' "$r")"
  DIGESTS[$repo]="$(manifest_digest "$SOURCE_PORT" "$repo")"
  [ -n "${DIGESTS[$repo]}" ] || { echo "error: the source has no digest for $repo:t0" >&2; exit 1; }
done

# replicate_build REPO PORT: runs the `replicate` command for REPO:t0 into the registry behind PORT as a
# pipeline build runs it: the variables StartBuild and the project set (docs/contracts.md), in an otherwise
# empty environment with a HOME of its own (a build's container starts empty, so no CLI cache either), the
# state table's name and DynamoDB Local's endpoint through the SDK's standard variable. The destination is a
# plain registry, so no destination keys. Checks the build's own results too.
replicate_build() {
  local repo="$1" port="$2" home out request
  home="$(mktemp -d "$WORK/build-home.XXXXXX")"
  out="$home/replication-result.env"
  request="$(printf '{"repository":"%s","tag":"t0","digest":"%s","action":"PUSH","eventTime":"%s","eventId":"bench-%s","sourceRegistry":"123456789012"}' \
    "$repo" "${DIGESTS[$repo]}" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "${repo//\//-}")"
  (cd "$home" && env -i PATH="$JAVA_HOME/bin:/usr/bin:/bin" HOME="$home" LANG=C.UTF-8 JAVA_HOME="$JAVA_HOME" \
    AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1 \
    AWS_ACCESS_KEY_ID=AKIDBENCHONLY0000000 AWS_SECRET_ACCESS_KEY=bench-only-not-a-real-secret \
    AWS_ENDPOINT_URL_DYNAMODB="$TABLE_ENDPOINT" TABLE_NAME="$TABLE" \
    REPLICATION_REQUEST="$request" SOURCE_REGISTRY="127.0.0.1:$SOURCE_PORT" DESTINATION_REGISTRY="127.0.0.1:$port" \
    DESTINATION_REGION=us-east-1 CREATE_REPOSITORIES=false IMAGE_TAG_MUTABILITY=MUTABLE SCAN_ON_PUSH=false \
    REGISTRY_INSECURE=true REPLICATE_DELETES=false COPY_REFERRERS=true \
    "$REPO_ROOT/bin/replicator" replicate --output "$out") >/dev/null 2>"$WORK/cmd.err" \
    || { echo "error: the replicate build of $repo failed: $(tail -3 "$WORK/cmd.err")" >&2; exit 1; }
  grep -qx "OUTCOME=REPLICATED" "$out" && grep -qx "REPLICATED_DIGEST=${DIGESTS[$repo]}" "$out" \
    || { echo "error: the replicate build of $repo did not replicate ${DIGESTS[$repo]}: $(tr '\n' ' ' <"$out")" >&2; exit 1; }
  # A warning is the shared index failing (the build carries on without it): a figure without the index
  # would not be this contender's.
  if grep -q '^warning:' "$WORK/cmd.err"; then
    echo "error: the replicate build of $repo could not use the shared index: $(grep '^warning:' "$WORK/cmd.err" | head -1)" >&2
    exit 1
  fi
  [ ! -e "$home/.cache/ecr-replicator" ] || { echo "error: the replicate build of $repo wrote a CLI cache" >&2; exit 1; }
  sed -n 's/^BLOBS_MOUNTED=//p' "$out" >>"$WORK/mounted"
  rm -rf "$home"
}

# fleet LABEL PORT CONTROL DIRECT: copies every repository with LABEL's tool (ours, replicate or skopeo)
# through the proxy at PORT, one process after another; checks that the registry (DIRECT, its own port)
# serves every tag with the source's digest; appends "seconds bytes_sent" to $WORK/LABEL.
fleet() {
  local label="$1" port="$2" control="$3" direct="$4" started ended r repo got
  started="$(date +%s.%N)"
  for r in $(seq 0 $((REPOSITORIES - 1))); do
    repo="$(printf 'bench/r%02d' "$r")"
    case "$label" in
      ours)
        XDG_CACHE_HOME="$WORK/cache-ours" "$REPO_ROOT/bin/replicator" copy --insecure \
          "127.0.0.1:$SOURCE_PORT/$repo:t0" "127.0.0.1:$port/$repo:t0" >/dev/null 2>"$WORK/cmd.err" \
          || { echo "error: our copy of $repo failed: $(tail -3 "$WORK/cmd.err")" >&2; exit 1; }
        ;;
      replicate) replicate_build "$repo" "$port" ;;
      skopeo)
        skopeo copy --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false -q \
          "docker://127.0.0.1:$SOURCE_PORT/$repo:t0" "docker://127.0.0.1:$port/$repo:t0" >/dev/null 2>"$WORK/cmd.err" \
          || { echo "error: skopeo's copy of $repo failed: $(tail -3 "$WORK/cmd.err")" >&2; exit 1; }
        ;;
    esac
  done
  ended="$(date +%s.%N)"
  echo "$(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.2f", b - a }') $(curl -fs "http://127.0.0.1:$control/")" >>"$WORK/$label"
  for r in $(seq 0 $((REPOSITORIES - 1))); do
    repo="$(printf 'bench/r%02d' "$r")"
    got="$(manifest_digest "$direct" "$repo")"
    [ "$got" = "${DIGESTS[$repo]}" ] \
      || { echo "error: after $label's fleet the destination serves $repo:t0 as '${got:-nothing}', not ${DIGESTS[$repo]}" >&2; exit 1; }
  done
}

CONTENDERS=(ours replicate skopeo)
for round in $(seq 1 "$ROUNDS"); do
  declare -A FAR_PORT=() FAR_CONTROL=() FAR_DIRECT=()
  for label in "${CONTENDERS[@]}"; do
    start_far "$label$round"; FAR_PORT[$label]="$PORT"; FAR_CONTROL[$label]="$CONTROL"; FAR_DIRECT[$label]="$DIRECT"
  done
  start_table "table$round"
  : >"$WORK/mounted"
  # The order rotates, so that no contender always gets the warmest page cache or the first JVM start.
  for i in 0 1 2; do
    label="${CONTENDERS[$(((round - 1 + i) % 3))]}"
    fleet "$label" "${FAR_PORT[$label]}" "${FAR_CONTROL[$label]}" "${FAR_DIRECT[$label]}"
  done
  rm -rf "$WORK/cache-ours"
  printf 'round %d: ours %ss %s bytes, replicate %ss %s bytes (%s blobs mounted), skopeo %ss %s bytes\n' "$round" \
    $(tail -1 "$WORK/ours") $(tail -1 "$WORK/replicate") "$(awk '{ s += $1 } END { print s + 0 }' "$WORK/mounted")" \
    $(tail -1 "$WORK/skopeo") >&2
  stop_table "table$round"
  for label in "${CONTENDERS[@]}"; do stop_far "$label$round"; done
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
OURS_S="$(median "$WORK/ours" 1)"; OURS_B="$(median "$WORK/ours" 2)"
REPLICATE_S="$(median "$WORK/replicate" 1)"; REPLICATE_B="$(median "$WORK/replicate" 2)"
SKOPEO_S="$(median "$WORK/skopeo" 1)"; SKOPEO_B="$(median "$WORK/skopeo" 2)"

print_environment
echo "fleet: $REPOSITORIES repositories one after another, $UNIQUE bytes of unique blobs; RTT $((2 * DELAY_MS)) ms, $MBIT Mbit/s per connection; rounds: $ROUNDS (medians)"
row() { printf '%-52s %10s %14s %16s\n' "$@"; }
row "" "seconds" "bytes sent" "sent / unique"
row "bin/replicator copy (cache)" "$OURS_S" "${OURS_B%.*}" "$(ratio "$OURS_B" "$UNIQUE")"
row "bin/replicator replicate (shared index, --no-cache)" "$REPLICATE_S" "${REPLICATE_B%.*}" "$(ratio "$REPLICATE_B" "$UNIQUE")"
row "skopeo" "$SKOPEO_S" "${SKOPEO_B%.*}" "$(ratio "$SKOPEO_B" "$UNIQUE")"
printf '%-52s %10s\n' "time ratio copy (cache) / skopeo" "$(ratio "$OURS_S" "$SKOPEO_S")"
printf '%-52s %10s\n' "time ratio replicate (shared index) / skopeo" "$(ratio "$REPLICATE_S" "$SKOPEO_S")"
echo "(bytes target for ours: sent / unique <= 1.05)"
