# Installs or checks what the build, the tests and the demo need: a JDK >= 21, Maven >= 3.8, the Debian
# packages docker-registry and skopeo, and Node's tools (npm ci). bin/test and `bin/replicator demo` both call
# ensure_setup, so a fresh Debian or Ubuntu machine needs no other step. Installing needs root or passwordless
# sudo; without them it stops with one line naming the packages.
# shellcheck shell=bash
source "${BASH_SOURCE[0]%/*}/common.sh"

# Where set-up reports its steps: bin/test shows them, the demo keeps them short.
setup_step() { printf '==> %s\n' "$*" >&2; }
setup_fail() { echo "error: $*" >&2; exit 1; }

# Runs apt-get as root, directly or through passwordless sudo; fails naming the packages otherwise.
apt_install() {
  local runner=()
  command -v apt-get >/dev/null || setup_fail "missing packages: $* (no apt-get here: install them with your package manager)"
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then runner=(sudo); else
      setup_fail "missing Debian packages: $*. Install them with: sudo apt-get install -y $*"
    fi
  fi
  "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${runner[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_jdk() {
  setup_step "JDK >= 21"
  if ! find_jdk 2>/dev/null; then
    # A fresh machine may have only an older JDK: take the newest one the distribution offers.
    local package candidates=()
    if command -v apt-cache >/dev/null; then
      for package in openjdk-25-jdk-headless openjdk-21-jdk-headless; do
        if apt-cache show "$package" >/dev/null 2>&1; then candidates+=("$package"); break; fi
      done
    fi
    [ "${#candidates[@]}" -gt 0 ] || { find_jdk; return; }
    apt_install "${candidates[@]}"
    find_jdk
  fi
  echo "using $JAVA_HOME ($("$JAVA_HOME/bin/java" -version 2>&1 | head -1))" >&2
}

ensure_maven() {
  setup_step "Maven >= 3.8"
  command -v mvn >/dev/null || apt_install maven
  local version
  version="$(mvn -v 2>/dev/null | sed -n 's/.*Apache Maven \([0-9][0-9.]*\).*/\1/p' | head -1)"
  case "$version" in
    3.[89]*|3.1[0-9]*|[4-9].*) echo "Maven $version" >&2 ;;
    *) setup_fail "Maven $version is too old: 3.8 or newer is needed (sudo apt-get install maven)" ;;
  esac
}

ensure_debian_packages() {
  setup_step "Debian packages: docker-registry, skopeo"
  local missing=()
  command -v docker-registry >/dev/null || [ -x /usr/bin/docker-registry ] || missing+=(docker-registry)
  command -v skopeo >/dev/null || missing+=(skopeo)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
  echo "docker-registry: $(docker-registry --version 2>&1 | head -1); skopeo: $(skopeo --version 2>&1 | head -1)" >&2
}

# npm ci when node_modules is missing or was installed from another lockfile.
ensure_node_tools() {
  setup_step "Node tools (npm ci)"
  command -v npm >/dev/null || setup_fail "npm is missing: install Node.js 20 or newer with npm (e.g. sudo apt-get install nodejs npm)"
  if [ ! -f "$REPO_ROOT/node_modules/.package-lock.json" ] \
      || ! cmp -s <(sed 1,3d "$REPO_ROOT/package-lock.json") <(sed 1,3d "$REPO_ROOT/node_modules/.package-lock.json"); then
    (cd "$REPO_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2)
  else
    echo "node_modules is up to date with package-lock.json" >&2
  fi
}

ensure_setup() {
  ensure_jdk
  ensure_maven
  ensure_debian_packages
  ensure_node_tools
}
