/**
 * scripts/ensure.sh decides before `npm ci` whether the Electron binary can
 * be downloaded, and says so in one line, instead of letting npm fail with a
 * page of error stack first.
 */
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
/** Nothing listens on port 1 of the loopback. */
const CLOSED = 'http://127.0.0.1:1/';
const ELECTRON = (
  JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> }
).packages['node_modules/electron']?.version;

let dir = '';
beforeEach(() => {
  // A checkout without node_modules: the script, the lock file, and an `npm` that only says what it was given.
  dir = mkdtempSync(path.join(tmpdir(), 'conveyor-ensure-'));
  mkdirSync(path.join(dir, 'scripts'));
  mkdirSync(path.join(dir, 'bin'));
  mkdirSync(path.join(dir, 'cache'));
  copyFileSync(path.join(ROOT, 'scripts/ensure.sh'), path.join(dir, 'scripts/ensure.sh'));
  copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(dir, 'package-lock.json'));
  writeFileSync(path.join(dir, 'bin/npm'), '#!/bin/sh\necho "npm $* ELECTRON_SKIP_BINARY_DOWNLOAD=${ELECTRON_SKIP_BINARY_DOWNLOAD:-}"\n');
  chmodSync(path.join(dir, 'bin/npm'), 0o755);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function ensure(what: string, env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  const base = { PATH: `${path.join(dir, 'bin')}:${process.env.PATH ?? ''}`, HOME: dir, electron_config_cache: path.join(dir, 'cache') };
  try {
    const { stdout, stderr } = await run(path.join(dir, 'scripts/ensure.sh'), [what], { env: { ...base, ...env }, timeout: 30_000 });
    return { code: 0, stdout, stderr, ms: Date.now() - started };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr, ms: Date.now() - started };
  }
}

describe('scripts/ensure.sh and the Electron binary', () => {
  test('when the download host does not answer, npm ci runs without the binary after one line saying so', async () => {
    const res = await ensure('node-modules', { ELECTRON_MIRROR: CLOSED });
    expect(res.code).toBe(0);
    expect(res.stderr).toBe(
      `node_modules missing or older than package-lock.json: npm ci\nthe Electron binary's download host does not answer (${CLOSED}): installing without it; everything but the desktop window works (tests, CLI, web mode)\n`,
    );
    expect(res.stdout).toBe('npm ci --no-audit --no-fund ELECTRON_SKIP_BINARY_DOWNLOAD=1\n');
    expect(res.ms).toBeLessThan(15_000);
  });

  test('when the download host answers, npm ci runs as it is', async () => {
    const server: Server = createServer((_req, res) => res.writeHead(404).end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as { port: number };
      const res = await ensure('node-modules', { ELECTRON_MIRROR: `http://127.0.0.1:${port}/` });
      expect(res.stderr).toBe('node_modules missing or older than package-lock.json: npm ci\n');
      expect(res.stdout).toBe('npm ci --no-audit --no-fund ELECTRON_SKIP_BINARY_DOWNLOAD=\n');
    } finally {
      server.close();
    }
  });

  test("a binary already in electron's cache needs no download host", async () => {
    writeFileSync(path.join(dir, 'cache', `electron-v${ELECTRON ?? '0'}-linux-x64.zip`), '');
    const res = await ensure('electron-download', { ELECTRON_MIRROR: CLOSED });
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^the Electron binary is in electron's cache, or its download host answers/);
  });

  test('ELECTRON_SKIP_BINARY_DOWNLOAD set by you is passed through, and nothing is probed', async () => {
    const res = await ensure('node-modules', { ELECTRON_MIRROR: CLOSED, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' });
    expect(res.stderr).toBe('node_modules missing or older than package-lock.json: npm ci\n');
    expect(res.stdout).toBe('npm ci --no-audit --no-fund ELECTRON_SKIP_BINARY_DOWNLOAD=1\n');
  });
});
