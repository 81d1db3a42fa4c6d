import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, RedisUnavailableError } from '../../src-shared/errors';
import { findFreePort, pingRedis, RedisServerNotFoundError, RedisServerProcess } from '../../src-main/redis/redis-server-process';

const servers: RedisServerProcess[] = [];
const clients: Redis[] = [];
const dirs: string[] = [];

async function startServer(...args: Parameters<typeof RedisServerProcess.start>): Promise<RedisServerProcess> {
  const server = await RedisServerProcess.start(...args);
  servers.push(server);
  return server;
}

function client(url: string): Redis {
  // No retries: a test that expects Redis to be down must see it at once.
  const c = new Redis(url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  clients.push(c);
  return c;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.disconnect();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe('RedisServerProcess', () => {
  it('starts on a free port and answers PING', async () => {
    const server = await startServer();
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(server.pid).toBeTypeOf('number');
    expect(server.running).toBe(true);

    const redis = client(server.url);
    await redis.connect();
    expect(await redis.ping()).toBe('PONG');
    // Snapshots are off unless asked for.
    expect(await redis.config('GET', 'save')).toEqual(['save', '']);
    expect(await redis.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
  });

  it('starts on a given port', async () => {
    const port = await findFreePort();
    const server = await startServer({ port });
    expect(server.port).toBe(port);
    expect(await pingRedis('127.0.0.1', port)).toBe(true);
  });

  it('stop() ends the process and removes its temp data dir', async () => {
    const server = await startServer();
    const pid = server.pid!;
    await server.stop();
    expect(server.running).toBe(false);
    expect(server.pid).toBeUndefined();
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(server.dir)).toBe(false);
    expect(await pingRedis('127.0.0.1', server.port)).toBe(false);
    await server.stop(); // idempotent
  });

  it('restart() keeps the port, the data dir and the AOF data', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cvt-aof-'));
    dirs.push(dir);
    const server = await startServer({ dir, appendonly: true, appendfsync: 'everysec' });
    const { port } = server;
    const firstPid = server.pid;

    const before = client(server.url);
    await before.connect();
    await before.set('cvt:restart', 'kept');
    before.disconnect();

    await server.restart();
    expect(server.port).toBe(port);
    expect(server.pid).not.toBe(firstPid);

    const after = client(server.url);
    await after.connect();
    expect(await after.get('cvt:restart')).toBe('kept');
    // A caller-supplied dir survives stop().
    await server.stop();
    expect(existsSync(join(dir, 'appendonlydir'))).toBe(true);
  });

  it('kill() is a crash: Redis is gone at once, and restart() recovers fsynced AOF data', async () => {
    const server = await startServer({ appendonly: true, appendfsync: 'always' });
    const redis = client(server.url);
    await redis.connect();
    await redis.set('cvt:crash', 'durable');
    redis.disconnect();

    const pid = server.pid!;
    await server.kill();
    expect(server.running).toBe(false);
    expect(isAlive(pid)).toBe(false);
    expect(await pingRedis('127.0.0.1', server.port)).toBe(false);
    // The temp dir outlives kill() so the data can be recovered.
    expect(existsSync(server.dir)).toBe(true);

    await server.restart();
    const again = client(server.url);
    await again.connect();
    expect(await again.get('cvt:crash')).toBe('durable');
  });

  it('fails with a typed error saying what to install when the binary is missing', async () => {
    const start = RedisServerProcess.start({ binary: '/nonexistent/redis-server' });
    await expect(start).rejects.toBeInstanceOf(RedisServerNotFoundError);
    const err = await start.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RedisUnavailableError);
    expect(err).toMatchObject({
      code: ErrorCode.RedisUnavailable,
      message:
        'redis-server not found: install it (Debian/Ubuntu: apt-get install redis-server; macOS: brew install redis) or run docker compose up -d redis',
      details: { reason: 'binary-missing', binary: '/nonexistent/redis-server' },
    });
  });

  it('fails fast with a typed error when a fixed port is taken', async () => {
    const first = await startServer();
    const second = RedisServerProcess.start({ port: first.port, startTimeoutMs: 5_000 });
    await expect(second).rejects.toMatchObject({
      code: ErrorCode.RedisUnavailable,
      details: { reason: 'port-in-use', port: first.port },
    });
    // The first one is untouched.
    expect(await pingRedis('127.0.0.1', first.port)).toBe(true);
  });

  it('reports a server that exits during start-up, with its log', async () => {
    const start = RedisServerProcess.start({ extraArgs: ['--no-such-option', 'x'] });
    await expect(start).rejects.toMatchObject({
      code: ErrorCode.RedisUnavailable,
      details: { reason: 'exited' },
    });
    await expect(start).rejects.toThrow(/no-such-option/);
  });

  it('rejects a bad port with a TypeError', async () => {
    await expect(RedisServerProcess.start({ port: 70_000 })).rejects.toBeInstanceOf(TypeError);
  });
});
