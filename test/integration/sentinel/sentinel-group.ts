/**
 * A Redis Sentinel setup for tests, all on loopback ports of its own: a
 * primary, one replica, and three `redis-sentinel` processes (quorum 2)
 * watching them under the master name `conveyor`. Quick to fail over: a
 * primary silent for 1 s is down.
 *
 *   const group = await SentinelGroup.start();
 *   await group.primary.kill();            // SIGKILL
 *   const next = await group.waitForFailover(old);
 *   await group.stop();
 *
 * `SentinelGroup.unavailable()` says why it cannot run (no redis-sentinel).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Redis } from 'ioredis';
import { findFreePort, pingRedis, RedisServerProcess } from '../../../src-main/redis/redis-server-process';

export const MASTER_NAME = 'conveyor';
const HOST = '127.0.0.1';
const DOWN_AFTER_MS = 1000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(probe: () => Promise<T | undefined>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
}

/** One short-lived command against host:port (a fresh connection, so a dead server fails fast). */
async function ask<T>(port: number, fn: (r: Redis) => Promise<T>): Promise<T> {
  const r = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 1000,
    commandTimeout: 1000,
  });
  r.on('error', () => undefined);
  try {
    await r.connect();
    return await fn(r);
  } finally {
    r.disconnect();
  }
}

export class SentinelGroup {
  private constructor(
    readonly dir: string,
    readonly primary: RedisServerProcess,
    readonly replica: RedisServerProcess,
    readonly sentinelPorts: number[],
    private readonly sentinels: ChildProcess[],
  ) {}

  /** Why sentinel tests cannot run here, or undefined. */
  static unavailable(): string | undefined {
    try {
      execFileSync('redis-sentinel', ['--version'], { stdio: 'ignore' });
      return undefined;
    } catch {
      return 'redis-sentinel is not installed (Debian: apt-get install redis-sentinel)';
    }
  }

  static async start(): Promise<SentinelGroup> {
    const dir = await mkdtemp(path.join(tmpdir(), 'conveyor-sentinel-'));
    const started: Array<RedisServerProcess | ChildProcess> = [];
    try {
      const primary = await RedisServerProcess.start({ port: 0 });
      started.push(primary);
      const replica = await RedisServerProcess.start({ port: 0, extraArgs: ['--replicaof', HOST, String(primary.port)] });
      started.push(replica);
      await until(
        async () => (/master_link_status:up/.test(await ask(replica.port, (r) => r.info('replication'))) ? true : undefined),
        10_000,
        'replica in sync',
      );
      const ports: number[] = [];
      const sentinels: ChildProcess[] = [];
      for (let i = 0; i < 3; i++) {
        const port = await findFreePort(HOST);
        const conf = path.join(dir, `sentinel-${i}.conf`);
        // Sentinel rewrites its config file as it learns: one file each, in a folder of its own.
        await writeFile(
          conf,
          [
            `port ${port}`,
            `bind ${HOST}`,
            `dir ${dir}`,
            'daemonize no',
            'logfile ""',
            `sentinel monitor ${MASTER_NAME} ${HOST} ${primary.port} 2`,
            `sentinel down-after-milliseconds ${MASTER_NAME} ${DOWN_AFTER_MS}`,
            `sentinel failover-timeout ${MASTER_NAME} 10000`,
            `sentinel parallel-syncs ${MASTER_NAME} 1`,
            '',
          ].join('\n'),
        );
        const child = spawn('redis-sentinel', [conf], { stdio: 'ignore' });
        started.push(child);
        sentinels.push(child);
        ports.push(port);
      }
      const group = new SentinelGroup(dir, primary, replica, ports, sentinels);
      for (const port of ports) {
        await until(async () => ((await pingRedis(HOST, port)) ? true : undefined), 10_000, `sentinel on ${port} up`);
        // Each knows the replica and the other two (they find each other through the primary every 2 s).
        await until(
          async () => {
            const replicas = (await ask(port, (r) => r.call('SENTINEL', 'REPLICAS', MASTER_NAME))) as unknown[];
            const others = (await ask(port, (r) => r.call('SENTINEL', 'SENTINELS', MASTER_NAME))) as unknown[];
            return replicas.length === 1 && others.length === 2 ? true : undefined;
          },
          15_000,
          `sentinel on ${port} knows the replica and the other sentinels`,
        );
      }
      return group;
    } catch (err) {
      for (const p of started.reverse()) {
        if (p instanceof RedisServerProcess) await p.stop().catch(() => undefined);
        else p.kill('SIGKILL');
      }
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** `[{host, port}]` of the three sentinels, as `queue.redis_sentinels` takes them. */
  get sentinelNodes(): Array<{ host: string; port: number }> {
    return this.sentinelPorts.map((port) => ({ host: HOST, port }));
  }

  /** The port the sentinels name as the primary (the first sentinel that answers). */
  async masterPort(): Promise<number> {
    for (const port of this.sentinelPorts) {
      const addr = await ask(port, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME)).catch(() => undefined);
      if (Array.isArray(addr)) return Number(addr[1]);
    }
    throw new Error('no sentinel answers');
  }

  /** Resolves with the new primary's port once a majority of sentinels name another port than `old`. */
  async waitForFailover(old: number, ms = 20_000): Promise<number> {
    return until(
      async () => {
        const named = await Promise.all(
          this.sentinelPorts.map((port) =>
            ask(port, (r) => r.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME))
              .then((a) => Number((a as string[])[1]))
              .catch(() => old),
          ),
        );
        const moved = named.filter((p) => p !== old);
        return moved.length >= 2 ? moved[0] : undefined;
      },
      ms,
      'sentinels promote the replica',
    );
  }

  async stop(): Promise<void> {
    for (const s of this.sentinels) s.kill('SIGKILL');
    await Promise.allSettled([this.primary.stop(), this.replica.stop()]);
    await rm(this.dir, { recursive: true, force: true });
  }
}
