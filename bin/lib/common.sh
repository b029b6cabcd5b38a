# Shared by the scripts under bin/ and bench/: locate a JDK >= 21 and the project root.
# shellcheck shell=bash

# Parameter expansion instead of dirname, sed and readlink where it will do: every CLI launch runs this
# file, and each helper process costs a few milliseconds on a small VM.
# No command substitution either: each one forks the shell, 5-20 ms here, and a launch sources this file
# twice (bin/replicator, then worker/run-jar.sh).
_common_dir="${BASH_SOURCE[0]%/*}"
[ "$_common_dir" != "${BASH_SOURCE[0]}" ] || _common_dir=.
_common_pwd="$PWD"
CDPATH='' cd -- "$_common_dir/../.."
REPO_ROOT="$PWD"
cd -- "$_common_pwd"
export REPO_ROOT
unset _common_dir _common_pwd

# Prints the major version of the JDK whose java executable is $1, or nothing, and leaves it in JAVA_MAJOR
# (so that a caller can run it without forking: java_major "$java" >/dev/null). Reads the JDK's `release`
# file when there is one: starting a JVM only to ask its version costs a quarter of a second per launch.
java_major() {
  local home="${1%/*}" line
  home="${home%/*}"
  JAVA_MAJOR=""
  if [ -f "$home/release" ]; then
    while IFS= read -r line; do
      if [[ $line =~ ^JAVA_VERSION=\"([0-9]+) ]]; then
        JAVA_MAJOR="${BASH_REMATCH[1]}"
        echo "$JAVA_MAJOR"
        return
      fi
    done <"$home/release"
  fi
  JAVA_MAJOR="$("$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | cut -d. -f1)"
  echo "$JAVA_MAJOR"
}

# Sets JAVA_HOME to a JDK >= 21: JAVA_HOME if it qualifies, else the java on PATH, else the first under
# /usr/lib/jvm that does. Fails with what to install when there is none.
find_jdk() {
  local javac candidate
  use_jdk "${JAVA_HOME:-}" && return 0
  if javac="$(command -v javac 2>/dev/null)" && javac="$(readlink -f "$javac")" && use_jdk "${javac%/bin/javac}"; then
    return 0
  fi
  for candidate in /usr/lib/jvm/*; do
    use_jdk "$candidate" && return 0
  done
  echo "error: no JDK 21 or newer found (checked JAVA_HOME, the java on PATH and /usr/lib/jvm)." >&2
  echo "       install one, e.g. 'sudo apt-get install openjdk-21-jdk-headless' or a Temurin 21+ JDK, or set JAVA_HOME." >&2
  return 1
}

# Exports JAVA_HOME=$1 (and puts its bin first on PATH) when $1 is a JDK >= 21; fails otherwise.
use_jdk() {
  [ -n "$1" ] && [ -x "$1/bin/javac" ] || return 1
  java_major "$1/bin/java" >/dev/null
  [ -n "$JAVA_MAJOR" ] && [ "$JAVA_MAJOR" -ge 21 ] || return 1
  JAVA_HOME="$1"
  export JAVA_HOME
  export PATH="$JAVA_HOME/bin:$PATH"
}

# Maven in batch mode with the repo's settings; quiet about the JDK's own deprecation notices.
mvn_batch() {
  local opts="-XX:+UseParallelGC -Xss4m"
  # Maven 3.8's Guava calls sun.misc.Unsafe, which JDK 24+ warns about on every build.
  if [ -n "${JAVA_HOME:-}" ] && [ "$(java_major "$JAVA_HOME/bin/java")" -ge 24 ] 2>/dev/null; then
    opts="$opts --sun-misc-unsafe-memory-access=allow"
  fi
  MAVEN_OPTS="${MAVEN_OPTS:-} $opts" mvn -B --no-transfer-progress "$@"
}

# A quiet build for the launchers, its output on stderr with terminal escape codes removed: Maven 3.8 writes
# colour resets (ESC[0m) even in batch mode with -q and -Dstyle.color=never, which would reach the user's
# terminal or a log as garbage. pipefail keeps Maven's exit status.
mvn_quiet_package() {
  ( set -o pipefail; mvn_batch -q -DskipTests -DskipITs -Dspotless.check.skip=true package "$@" 2>&1 \
      | sed -u 's/\x1b\[[0-9;]*[A-Za-z]//g' >&2 )
}

# True when the built artifact $1 is missing or older than any file under the source trees that follow.
# Walked by the shell itself (globstar): `find` in a command substitution costs two processes per launch.
stale() {
  local built="$1" dir file had_globstar=0 had_nullglob=0 found=1
  shift
  [ -e "$built" ] || return 0
  shopt -q globstar && had_globstar=1
  shopt -q nullglob && had_nullglob=1
  shopt -s globstar nullglob
  for dir in "$@"; do
    for file in "$dir"/**; do
      if [[ -f $file && $file -nt $built ]]; then
        found=0
        break 2
      fi
    done
  done
  [ "$had_globstar" = 1 ] || shopt -u globstar
  [ "$had_nullglob" = 1 ] || shopt -u nullglob
  return "$found"
}
