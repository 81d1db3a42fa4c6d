/**
 * Issue 16 item 5: a Redis target that is wrong must fail to connect, in the
 * server's words or in ours, and quickly; never "connection ok". Checked in
 * the library (`connectQueue`) and in the built CLI run as a subprocess.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, RedisUnavailableError } from '../../../src-shared/errors';
import { connectQueue } from '../../../src-main/queue';
import { testRedisUrl } from '../../support/redis';

const ROOT = path.resolve(__dirname, '../../..');
const BUILT_CLI = path.join(ROOT, 'out/main/cli.js');

let http: Server;
let httpPort = 0;
let dir = '';

beforeAll(async () => {
  http = createServer((_req, res) => res.end('hello from a web server\n'));
  await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
  httpPort = (http.address() as AddressInfo).port;
  dir = await mkdtemp(path.join(tmpdir(), 'conveyor-wrong-target-'));
});

afterAll(async () => {
  await new Promise((r) => http.close(r));
  await rm(dir, { recursive: true, force: true });
});

/** A Redis URL for database `db` on the run's Redis (16 databases, Redis's default). */
function dbUrl(db: number): string {
  const u = new URL(testRedisUrl());
  u.pathname = `/${db}`;
  return u.toString();
}

/** `connectQueue` with only this target: no config file of the machine, no REDIS_URL of the environment. */
function connectTo(url: string) {
  return connectQueue({ configPath: path.join(dir, 'none.yml'), env: { REDIS_URL: url }, queue: { connection_timeout: 30 } });
}

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BUILT_CLI, ...args],
      { cwd: dir, env: { PATH: process.env.PATH, HOME: dir }, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
  });
}

describe('connectQueue refuses a wrong target', () => {
  it("a database the server does not have fails with the server's error, naming the database", async () => {
    const err = await connectTo(dbUrl(99)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: ErrorCode.ConfigInvalid });
    expect((err as Error).message).toMatch(/refused database 99: ERR DB index is out of range/);
  });

  it('a database the server has still connects', async () => {
    const adapter = await connectTo(dbUrl(15));
    await adapter.close();
  });

  it('a port where something other than Redis listens fails within a few seconds, saying so', async () => {
    const started = Date.now();
    const err = await connectTo(`redis://127.0.0.1:${httpPort}`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect((err as Error).message).toContain(`no Redis at 127.0.0.1:${httpPort} (it answered something else)`);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('the built CLI refuses a wrong target', () => {
  const skip = existsSync(BUILT_CLI) ? false : 'out/main/cli.js does not exist: run npm run build first';

  it.skipIf(skip)("status on a database the server does not have exits 1 with the server's error", async () => {
    const r = await runCli(['status', '--redis-url', dbUrl(99)]);
    expect(r.stdout).not.toContain('ok');
    expect(r.stderr).toMatch(/refused database 99: ERR DB index is out of range/);
    expect(r.code).not.toBe(0);
  });

  it.skipIf(skip)('status on an HTTP port exits non-zero within a few seconds: no Redis there', async () => {
    const r = await runCli(['status', '--redis-url', `redis://127.0.0.1:${httpPort}`]);
    expect(r.stderr).toContain(`no Redis at 127.0.0.1:${httpPort} (it answered something else)`);
    expect(r.stderr).not.toContain("Stream isn't writeable");
    expect(r.code).not.toBe(0);
    expect(r.ms).toBeLessThan(5000);
  });
});
