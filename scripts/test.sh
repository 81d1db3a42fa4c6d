#!/usr/bin/env bash
# Run every test runner; each writes a JSON report into $CONVEYOR_REPORT_DIR
# (default test-results/), then scripts/test-summary.mjs sums them into
# "N passed, N failed". Exit status is non-zero if any runner failed or did not report.
#
# To add a runner (e.g. Playwright e2e): define run_<name> writing
# "$REPORT_DIR/<name>.json", and append <name> to RUNNERS.
# Arguments are passed to vitest: scripts/test.sh test/integration/foo.test.ts
set -uo pipefail
cd "$(dirname "$0")/.."

REPORT_DIR=${CONVEYOR_REPORT_DIR:-test-results}
read -r -a RUNNERS <<<"${CONVEYOR_TEST_RUNNERS:-vitest playwright}"
export VITE_CONFIG_NATIVE_IGNORE_WARNING=true

run_vitest() {
  # The vitest global setup starts and stops a private redis-server.
  npx --no-install vitest run --reporter=default --reporter=json --outputFile.json="$REPORT_DIR/vitest.json" "$@"
}

run_playwright() {
  # Browser e2e of the web mode in /usr/bin/chromium, on the build (playwright.config.ts);
  # its json reporter writes $REPORT_DIR/playwright.json.
  CONVEYOR_REPORT_DIR="$REPORT_DIR" npx --no-install playwright test
}

mkdir -p "$REPORT_DIR"
# The summary counts a listed runner without a report as "did not run".
printf '%s\n' "${RUNNERS[@]}" >"$REPORT_DIR/runners.txt"
for runner in "${RUNNERS[@]}"; do rm -f "$REPORT_DIR/$runner.json"; done
status=0
# Tests run what the build makes (out/main/cli.js and the worker thread entry):
# build first, so no runner tests a stale or missing build. If it fails, no
# runner runs, and the summary counts each as "did not run".
echo "== build"
if npm run build --silent >"$REPORT_DIR/build.log" 2>&1; then
  for runner in "${RUNNERS[@]}"; do
    echo "== $runner"
    if [[ $runner == vitest ]]; then run_vitest "$@" || status=1; else "run_$runner" || status=1; fi
  done
else
  echo "npm run build failed (full log: $REPORT_DIR/build.log):" >&2
  tail -n 20 "$REPORT_DIR/build.log" >&2
  status=1
fi
node scripts/test-summary.mjs "$REPORT_DIR" || status=1
exit $status
