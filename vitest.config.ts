import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Integration tests mostly wait on Redis, so a little more than one worker per core pays;
// worker-pool tests spawn threads of their own, so stay modest (2 on a 2-core CI machine).
const workers = Math.min(4, Math.max(2, availableParallelism()));

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', '**/node_modules/**'],
    environment: 'node',
    // One private redis-server for the whole run; see test/support/global-setup.ts.
    globalSetup: ['test/support/global-setup.ts'],
    // Child processes: a test that crashes a worker thread or leaks a handle cannot take its neighbours down.
    pool: 'forks',
    maxWorkers: workers,
    fileParallelism: true,
    testTimeout: 20_000,
    hookTimeout: 30_000,
    teardownTimeout: 15_000,
    restoreMocks: true,
    // On CI (a shared machine of its own) a test that failed once runs once more; the summary
    // (scripts/test-summary.mjs) names each one that passed only then, so a flaky test is seen, not hidden.
    retry: process.env.CI ? 1 : 0,
  },
});
