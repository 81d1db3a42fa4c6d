/**
 * Playwright fixtures.
 *
 * - `webApp` (one per worker) runs the web mode from source against a private
 *   redis-server (test/e2e/support/serve-web.ts, through tsx; it serves the
 *   built renderer, from `build`) and always stops it. The smoke test uses it.
 * - `build` (one per worker): a copy of out/ that a rebuild meanwhile cannot touch.
 * - `redisUrl` (one per worker): a private redis-server for the feature tests.
 * - `stack` (one per test): the built `conveyor serve --port 0` (from `build`) on a temp
 *   config.yml with a fresh key prefix, plus a separate `conveyor worker`
 *   process (test/e2e/support/conveyor-stack.ts); both always stopped, their
 *   logs kept in the test's output folder. Shaped per file with
 *   `test.use({ stackOptions: { ... } })`.
 * - `app`: the page, opened on the stack's URL, connected, its local pool running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect, test as base, type Page } from '@playwright/test';
import { RedisServerProcess } from '../../src-main/redis/redis-server-process';
import { snapshotBuild, type BuildSnapshot } from './support/build-snapshot';
import { DEFAULT_STACK_OPTIONS, startStack, type ConveyorStack, type StackOptions } from './support/conveyor-stack';
import { openControlCenter } from './support/ui';

export interface WebApp {
  /** The tokenised URL: http://127.0.0.1:<port>/?token=… */
  url: string;
  /** The same server without the token. */
  origin: string;
  redisUrl: string;
}

const root = resolve(__dirname, '../..');

function startWebApp(staticDir: string): Promise<{ app: WebApp; child: ChildProcess }> {
  if (!existsSync(join(staticDir, 'index.html'))) {
    throw new Error('out/renderer is not built: run `npm run build` before the e2e tests');
  }
  const child = spawn(
    process.execPath,
    ['--require', './scripts/register-lua-raw.cjs', '--import', 'tsx', 'test/e2e/support/serve-web.ts', staticDir],
    {
      cwd: root,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the web mode did not start within 30 s:\n${stderr}`));
    }, 30_000);
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n')[0];
      if (!stdout.includes('\n') || !line) return;
      clearTimeout(timer);
      const { url, redis } = JSON.parse(line) as { url: string; redis: string };
      resolveStart({ app: { url, origin: new URL(url).origin, redisUrl: redis }, child });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the web mode exited (${code}) before serving:\n${stderr}`));
    });
  });
}

async function stopWebApp(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(killer);
}

interface TestFixtures {
  /** Options of this test's stack (config.yml, queues of each pool). */
  stackOptions: Partial<StackOptions>;
  stack: ConveyorStack;
  /** `page`, opened on the stack's control center and ready. */
  app: Page;
}

interface WorkerFixtures {
  webApp: WebApp;
  /** This worker's copy of the build (see support/build-snapshot.ts). */
  build: BuildSnapshot;
  /** redis://127.0.0.1:<port> of this worker's private redis-server. */
  redisUrl: string;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  webApp: [
    async ({ build }, use) => {
      const { app, child } = await startWebApp(join(build.dir, 'out/renderer'));
      try {
        await use(app);
      } finally {
        await stopWebApp(child);
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],

  redisUrl: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const redis = await RedisServerProcess.start({ port: 0 });
      try {
        await use(redis.url);
      } finally {
        await redis.stop();
      }
    },
    { scope: 'worker', timeout: 30_000 },
  ],

  build: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const build = await snapshotBuild();
      try {
        await use(build);
      } finally {
        await build.remove();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],

  stackOptions: [{}, { option: true }],

  stack: async ({ build, redisUrl, stackOptions }, use, testInfo) => {
    const stack = await startStack(build, redisUrl, testInfo.outputDir, { ...DEFAULT_STACK_OPTIONS, ...stackOptions });
    try {
      await use(stack);
    } finally {
      await stack.stop();
      // The logs stay in the output folder; on a failure they are attached to the report too.
      if (testInfo.status !== testInfo.expectedStatus) {
        await testInfo.attach('serve.log', { path: stack.serve.logPath, contentType: 'text/plain' });
        if (stack.worker) await testInfo.attach('worker.log', { path: stack.worker.child.logPath, contentType: 'text/plain' });
      }
    }
  },

  app: async ({ page, stack }, use) => {
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    await openControlCenter(page, stack.url, stack.options.concurrency);
    await use(page);
    expect(problems, 'errors thrown in the page').toEqual([]);
  },
});

export { expect } from '@playwright/test';
