#!/usr/bin/env bash
# Install what the dev/test targets need, when it is missing.
#   scripts/ensure.sh redis          redis-server on PATH (apt-get as root on Debian/Ubuntu, else say what to install)
#   scripts/ensure.sh chromium       Chromium for the e2e tests (likewise)
#   scripts/ensure.sh node-modules   `npm ci` when node_modules is missing or older than package-lock.json
# ELECTRON_SKIP_BINARY_DOWNLOAD is passed through to npm if you set it; it is never forced here.
set -euo pipefail
cd "$(dirname "$0")/.."

ensure_redis() {
  command -v redis-server >/dev/null 2>&1 && return 0
  if [[ $(id -u) -eq 0 ]] && { [[ -f /etc/debian_version ]] || command -v apt-get >/dev/null 2>&1; }; then
    echo "redis-server not found: installing it with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null
    apt-get install -y -q --no-install-recommends redis-server </dev/null
    command -v redis-server >/dev/null 2>&1 && return 0
    echo "apt-get installed redis-server but it is not on PATH" >&2
    exit 1
  fi
  cat >&2 <<'MSG'
redis-server not found: install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or run docker compose up -d redis
  (then point the tests at it: CONVEYOR_TEST_REDIS_URL=redis://127.0.0.1:6379 make test)
MSG
  exit 1
}

# The browser of the end-to-end tests: Debian's Chromium (Playwright's own download is not used).
ensure_chromium() {
  local browser=${CONVEYOR_CHROMIUM:-/usr/bin/chromium}
  [[ -x $browser ]] && return 0
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "$browser not found: installing chromium with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null
    apt-get install -y -q --no-install-recommends chromium </dev/null
    [[ -x $browser ]] && return 0
  fi
  cat >&2 <<MSG
$browser not found: install Chromium (Debian/Ubuntu: apt-get install chromium) or point CONVEYOR_CHROMIUM at a Chrome/Chromium binary
MSG
  exit 1
}

ensure_node_modules() {
  local stamp=node_modules/.package-lock.json
  if [[ ! -d node_modules || ! -f $stamp || package-lock.json -nt $stamp ]]; then
    echo "node_modules missing or older than package-lock.json: npm ci" >&2
    if ! npm ci --no-audit --no-fund </dev/null; then
      [[ -n ${ELECTRON_SKIP_BINARY_DOWNLOAD:-} ]] && exit 1
      # Electron's install script downloads its binary from GitHub; without it
      # everything but the desktop window still works (tests, CLI, web mode).
      echo "npm ci failed (most likely the Electron binary download): retrying without the Electron binary" >&2
      ELECTRON_SKIP_BINARY_DOWNLOAD=1 npm ci --no-audit --no-fund </dev/null
    fi
  fi
}

[[ $# -gt 0 ]] || set -- redis chromium node-modules
for what in "$@"; do
  case $what in
    redis) ensure_redis ;;
    chromium) ensure_chromium ;;
    node-modules) ensure_node_modules ;;
    *) echo "usage: $0 [redis] [node-modules]" >&2; exit 2 ;;
  esac
done
