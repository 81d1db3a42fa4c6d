#!/usr/bin/env bash
# Install what the dev/test targets need, when it is missing.
#   scripts/ensure.sh redis          redis-server on PATH (apt-get as root on Debian/Ubuntu, else say what to install)
#   scripts/ensure.sh chromium       Chromium for the e2e tests (likewise)
#   scripts/ensure.sh node-modules   `npm ci` when node_modules is missing or older than package-lock.json
#   scripts/ensure.sh electron-download   whether npm ci can get the Electron binary (its cache, or its download host answering)
# ELECTRON_SKIP_BINARY_DOWNLOAD is passed through to npm if you set it; it is set here, with one line
# saying so, only when the Electron binary is in no cache and its download host does not answer.
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

# Where electron's install script downloads the binary from: @electron/get's default, or the mirror you set.
electron_download_url() {
  echo "${ELECTRON_MIRROR:-${npm_config_electron_mirror:-https://github.com/electron/electron/releases/download/}}"
}

# Succeeds when `npm ci` can get the Electron binary of package-lock.json: it is in electron's download
# cache, or the download host answers at all within 5 s (any HTTP status; curl honours https_proxy).
electron_download_works() {
  local version cache url
  version=$(node -p 'require("./package-lock.json").packages["node_modules/electron"]?.version ?? ""' 2>/dev/null) || version=
  cache=${electron_config_cache:-${XDG_CACHE_HOME:-$HOME/.cache}/electron}
  if [[ -n $version && -d $cache && -n $(find "$cache" -name "electron-v$version-*.zip" -print -quit 2>/dev/null) ]]; then return 0; fi
  url=$(electron_download_url)
  if command -v curl >/dev/null 2>&1; then
    curl -sS -o /dev/null -I --max-time 5 "$url" 2>/dev/null
  else
    node -e 'fetch(process.argv[1], { method: "HEAD", redirect: "manual", signal: AbortSignal.timeout(5000) }).then(() => process.exit(0), () => process.exit(1))' "$url"
  fi
}

ensure_electron_download() {
  if electron_download_works; then echo "the Electron binary is in electron's cache, or its download host answers ($(electron_download_url))"; return 0; fi
  echo "the Electron binary's download host does not answer ($(electron_download_url)): npm ci would install without it (ELECTRON_SKIP_BINARY_DOWNLOAD=1)"
  return 1
}

ensure_node_modules() {
  local stamp=node_modules/.package-lock.json
  if [[ ! -d node_modules || ! -f $stamp || package-lock.json -nt $stamp ]]; then
    echo "node_modules missing or older than package-lock.json: npm ci" >&2
    # Decided before npm ci: its failed download would print ~15 lines of npm error stack first.
    if [[ -z ${ELECTRON_SKIP_BINARY_DOWNLOAD:-} ]] && ! electron_download_works; then
      echo "the Electron binary's download host does not answer ($(electron_download_url)): installing without it; everything but the desktop window works (tests, CLI, web mode)" >&2
      export ELECTRON_SKIP_BINARY_DOWNLOAD=1
    fi
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
    electron-download) ensure_electron_download ;;
    *) echo "usage: $0 [redis] [chromium] [node-modules] [electron-download]" >&2; exit 2 ;;
  esac
done
