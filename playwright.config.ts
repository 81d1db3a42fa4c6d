/**
 * Playwright: browser e2e tests of the web mode (test/e2e/*.spec.ts) in the
 * system Chromium (/usr/bin/chromium; Playwright's own browser downloads are
 * not used), plus the Electron app where its binary exists. One worker: each
 * worker starts its own web mode and Redis (see test/e2e/fixtures.ts).
 *
 * Reports: list on the console, JSON to $CONVEYOR_REPORT_DIR/playwright.json
 * (default test-results/), which scripts/test-summary.mjs reads.
 * Needs `npm run build` first (the page is the built renderer).
 */
import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';

const reportDir = process.env['CONVEYOR_REPORT_DIR'] ?? 'test-results';

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env['CI'],
  // As vitest.config.ts: once more on CI, and the summary names a test that passed only then.
  retries: process.env.CI ? 1 : 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // Playwright empties its outputDir: never the report dir itself.
  outputDir: resolve(reportDir, 'playwright-artifacts'),
  reporter: [['list'], ['json', { outputFile: resolve(reportDir, 'playwright.json') }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: process.env['CONVEYOR_CHROMIUM'] ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
    trace: 'retain-on-failure',
  },
});
