/**
 * Playwright fixtures. `webApp` (one per worker) runs the web mode against a
 * private redis-server (test/e2e/support/serve-web.ts, from source through
 * tsx; it serves the built renderer in out/renderer) and always stops it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { test as base } from '@playwright/test';

export interface WebApp {
  /** The tokenised URL: http://127.0.0.1:<port>/?token=… */
  url: string;
  /** The same server without the token. */
  origin: string;
  redisUrl: string;
}

const root = resolve(__dirname, '../..');

function startWebApp(): Promise<{ app: WebApp; child: ChildProcess }> {
  if (!existsSync(resolve(root, 'out/renderer/index.html'))) {
    throw new Error('out/renderer is not built: run `npm run build` before the e2e tests');
  }
  const child = spawn(process.execPath, ['--require', './scripts/register-lua-raw.cjs', '--import', 'tsx', 'test/e2e/support/serve-web.ts'], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
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

export const test = base.extend<Record<never, never>, { webApp: WebApp }>({
  webApp: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const { app, child } = await startWebApp();
      try {
        await use(app);
      } finally {
        await stopWebApp(child);
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
});

export { expect } from '@playwright/test';
