#!/usr/bin/env bash
# Measures one reconcile run through the local pipeline (decision 0068): REPOSITORIES x TAGS small images
# (SyncBenchImages) pushed to a local source registry, then `bin/replicator demo --reconcile` with shards of
# SHARD_SIZE tags into an empty destination (a full backfill), then again into the now-full destination (a no-op
# run). The real reconcile.asl.json runs under the interpreter, its builds in the CodeBuild stand-in with the real
# buildspec and worker jar. Prints wall time, builds, shards and the run's counts: the local figures of
# docs/scale.md. Registries are the Debian docker-registry on 127.0.0.1 with free ports. Not part of the tests.
#
# Usage: bench/reconcile-scale.sh   (env REPOSITORIES=200 TAGS=10 LAYER_BYTES=20000 SHARD_SIZE=500)
set -euo pipefail
source "$(dirname "$0")/../bin/lib/common.sh"
find_jdk

REPOSITORIES="${REPOSITORIES:-200}"
TAGS="${TAGS:-10}"
LAYER_BYTES="${LAYER_BYTES:-20000}"
SHARD_SIZE="${SHARD_SIZE:-500}"
BENCH_NAME=reconcile-scale
source "$(dirname "$0")/lib.sh"

LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
start_registry source
SOURCE_PORT="$PORT"
start_registry dest
DEST_PORT="$PORT"
PUSHED="$("$JAVA_HOME/bin/java" -cp "$REPO_ROOT/local-engines/target/classes" "$REPO_ROOT/bench/SyncBenchImages.java" \
  "http://127.0.0.1:$SOURCE_PORT" "$REPOSITORIES" "$TAGS" "$LAYER_BYTES")"
echo "source: $PUSHED tags in $REPOSITORIES repositories" >&2

CMD=("$REPO_ROOT/bin/replicator" demo --source "127.0.0.1:$SOURCE_PORT" --dest "127.0.0.1:$DEST_PORT" --reconcile
  --shard-size "$SHARD_SIZE" --timeout 2h)
report() { # label: the run's line of the table from the demo's output
  local out="$WORK/cmd.out" result builds
  grep -q "every tag converged" "$out" || { echo "error: the $1 run did not converge: $(tail -3 "$out")" >&2; exit 1; }
  result="$(sed -n 's/^reconcile succeeded: //p' "$out")"
  builds="$(sed -n 's/^builds started: \([0-9]*\),.*/\1/p' "$out")"
  printf '%-28s %8s %7s %7s %9s %9s\n' "$1" "$(tail -1 "$WORK/$1" | cut -d' ' -f1)" "$builds" \
    "$(echo "$result" | sed -n 's/.*"shards":\([0-9]*\).*/\1/p')" \
    "$(echo "$result" | sed -n 's/.*"repaired":\([0-9]*\).*/\1/p')" \
    "$(echo "$result" | sed -n 's/.*"inSync":\([0-9]*\).*/\1/p')" >>"$WORK/table"
}
timed full; report full
timed noop; report noop

print_environment
echo "source: $REPOSITORIES repositories x $TAGS tags ($PUSHED), shards of $SHARD_SIZE tags, 2 shard builds at once;" \
  "wall time of the whole demo process (pipeline start, plan build, shard builds, RecordReconcile, the final table)"
printf '%-28s %8s %7s %7s %9s %9s\n' "run" "seconds" "builds" "shards" "repaired" "in sync"
sed 's/^full /backfill into an empty dest/; s/^noop /no-op run                  /' "$WORK/table"
