# Shared by the scripts under bin/ and bench/: locate a JDK >= 21 and the project root.
# shellcheck shell=bash

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO_ROOT

# Prints the major version of the JDK whose java executable is $1, or nothing. Reads the JDK's `release`
# file when there is one: starting a JVM only to ask its version costs a quarter of a second per launch.
java_major() {
  local home version
  home="$(dirname "$(dirname "$1")")"
  if [ -f "$home/release" ]; then
    version="$(sed -n 's/^JAVA_VERSION="\([0-9][0-9]*\).*/\1/p' "$home/release")"
    if [ -n "$version" ]; then
      echo "$version"
      return
    fi
  fi
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | cut -d. -f1
}

# Sets JAVA_HOME to a JDK >= 21: JAVA_HOME if it qualifies, else the java on PATH, else the newest under
# /usr/lib/jvm. Fails with what to install when there is none.
find_jdk() {
  local candidate major
  for candidate in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v javac 2>/dev/null || echo /nonexistent)")")")" /usr/lib/jvm/*; do
    [ -n "$candidate" ] && [ -x "$candidate/bin/javac" ] || continue
    major="$(java_major "$candidate/bin/java")"
    if [ -n "$major" ] && [ "$major" -ge 21 ]; then
      JAVA_HOME="$candidate"
      export JAVA_HOME
      export PATH="$JAVA_HOME/bin:$PATH"
      return 0
    fi
  done
  echo "error: no JDK 21 or newer found (checked JAVA_HOME, the java on PATH and /usr/lib/jvm)." >&2
  echo "       install one, e.g. 'sudo apt-get install openjdk-21-jdk-headless' or a Temurin 21+ JDK, or set JAVA_HOME." >&2
  return 1
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
