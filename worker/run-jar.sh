#!/usr/bin/env bash
# Runs the worker jar with the JVM options chosen in docs/decisions/0013-jvm-options.md, keeping a class-data
# cache per jar and command next to the jar, so every run after a command's first one starts fast.
#
# Usage: run-jar.sh JAR [COMMAND ARGS...]   with JAVA_HOME set to a JDK >= 21 (bin/replicator does both).
# REPLICATOR_JAVA_OPTS, when set, replaces the options and turns the cache off; --help and --version run
# without a cache too.
#
# - JDK 25 and newer: an AOT cache (JEP 483/514/515: classes loaded and linked, call sites resolved, method
#   profiles). A command's first run records what it does (-XX:AOTMode=record); only a successful run
#   trains the cache, built right after it (-XX:AOTMode=create), quietly. A cache older than the jar is
#   rebuilt the same way; one the JVM cannot use (another JDK) is ignored by it. A changed jar is not: up to
#   JDK 25.0.3 the JVM runs the classes the cache holds (JDK-8377932), so this comparison is the only guard.
# - JDK 21 to 24: a dynamic AppCDS archive, written at the end of the first run (-XX:+AutoCreateSharedArchive).
#   The JVM does not replace an archive that was made for an older jar, so a stale one is removed first.
# bin/replicator sources this file instead of starting another shell: BASH_SOURCE, not $0, names it.
set -euo pipefail
here="${BASH_SOURCE[0]%/*}"
[ "$here" != "${BASH_SOURCE[0]}" ] || here=.
source "$here/../bin/lib/common.sh"

jar="$1"
shift
java="${JAVA_HOME:?JAVA_HOME must name a JDK 21 or newer (bin/replicator sets it)}/bin/java"

if [ -n "${REPLICATOR_JAVA_OPTS:-}" ]; then
  # shellcheck disable=SC2086 # the variable holds several options
  exec "$java" $REPLICATOR_JAVA_OPTS -jar "$jar" "$@"
fi

# The options are the build's: the one line of buildspec.yml that sets REPLICATOR_JVM_OPTIONS.
options=()
while IFS= read -r line; do
  case "$line" in
    *'REPLICATOR_JVM_OPTIONS: "'*)
      line="${line#*\"}"
      read -r -a options <<<"${line%\"*}"
      break
      ;;
  esac
done <"$here/../buildspec.yml"
if [ "${#options[@]}" -eq 0 ]; then
  echo "error: $here/../buildspec.yml sets no REPLICATOR_JVM_OPTIONS: the worker's JVM options live there" >&2
  exit 1
fi
java_major "$java" >/dev/null 2>&1 || true
major="$JAVA_MAJOR"
command_name="${1:-}"
command_name="${command_name//[^a-z]/}"
base="${jar%.jar}-${command_name:-none}"

jar_dir="${jar%/*}"
[ "$jar_dir" != "$jar" ] || jar_dir=.
if [ ! -w "$jar_dir" ] || [ -z "$major" ]; then
  exec "$java" "${options[@]}" -jar "$jar" "$@"
fi

# Help and version output run none of the command, so they would train a useless cache, and recording one
# costs about a second: they run without.
for arg in "$@"; do
  case "$arg" in -h | --help | -V | --version) exec "$java" "${options[@]}" -jar "$jar" "$@" ;; esac
done

if [ "$major" -lt 25 ]; then
  archive="$base.jsa"
  [ "$archive" -nt "$jar" ] || rm -f "$archive"
  exec "$java" "${options[@]}" -XX:SharedArchiveFile="$archive" -XX:+AutoCreateSharedArchive \
    -Xlog:cds=off -Xlog:cds+dynamic=off -jar "$jar" "$@"
fi

quiet=(-Xlog:aot*=off -Xlog:cds*=off)
cache="$base.aot"
if [ "$cache" -nt "$jar" ]; then
  exec "$java" "${options[@]}" "${quiet[@]}" -XX:AOTCache="$cache" -jar "$jar" "$@"
fi

# No usable cache yet: this run trains one. Temporary names keep concurrent first runs apart. Recording
# ends with a notice on stdout that no log option silences; stdout belongs to the command (--json).
config="$base.aotconf.$$"
status=0
"$java" "${options[@]}" "${quiet[@]}" -XX:+UnlockDiagnosticVMOptions -XX:-DisplayVMOutput -XX:AOTMode=record -XX:AOTConfiguration="$config" -jar "$jar" "$@" || status=$?
trained=$([ "$status" -eq 0 ] && [ -s "$config" ] && echo yes || echo no)
if [ "$trained" = yes ] \
  && "$java" "${options[@]}" "${quiet[@]}" -XX:AOTMode=create -XX:AOTConfiguration="$config" \
    -XX:AOTCache="$cache.$$" -jar "$jar" >/dev/null 2>&1; then
  mv -f "$cache.$$" "$cache"
fi
rm -f "$config" "$cache.$$"
exit "$status"
