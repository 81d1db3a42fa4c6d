/**
 * A throwaway local Redis Cluster for tests: three masters, no replicas, each
 * a RedisServerProcess in its own temp dir, joined with `redis-cli --cluster
 * create`. Always `stop()` it (afterAll).
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { RedisServerProcess } from '../../src-main/redis/redis-server-process';

const run = promisify(execFile);

/** A port free right now (for the cluster bus, which must not be port + 10000 when that may exceed 65535). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

export class LocalRedisCluster {
  private constructor(readonly servers: RedisServerProcess[]) {}

  /** `host:port` of every master. */
  get nodes(): string[] {
    return this.servers.map((s) => `127.0.0.1:${s.port}`);
  }

  static async start(masters = 3, timeoutMs = 20_000): Promise<LocalRedisCluster> {
    const servers: RedisServerProcess[] = [];
    const cluster = new LocalRedisCluster(servers);
    try {
      for (let i = 0; i < masters; i++) {
        const busPort = await freePort();
        servers.push(
          await RedisServerProcess.start({
            port: 0,
            // Relative: redis-server resolves it inside its own --dir.
            extraArgs: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-port', String(busPort)],
          }),
        );
      }
      await run('redis-cli', ['--cluster', 'create', ...cluster.nodes, '--cluster-replicas', '0', '--cluster-yes'], { timeout: timeoutMs });
      await cluster.waitUntilOk(timeoutMs);
      return cluster;
    } catch (err) {
      await cluster.stop();
      throw err;
    }
  }

  /** Every node reports `cluster_state:ok` and knows all masters. */
  private async waitUntilOk(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const states = await Promise.all(
        this.servers.map(async (s) => {
          const c = new Redis(s.port, '127.0.0.1', { maxRetriesPerRequest: 1, lazyConnect: true });
          try {
            await c.connect();
            const info = String(await c.call('CLUSTER', 'INFO'));
            return /cluster_state:ok/.test(info) && new RegExp(`cluster_known_nodes:${this.servers.length}\\b`).test(info);
          } finally {
            c.disconnect();
          }
        }),
      );
      if (states.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error(`cluster not ok after ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.stop()));
  }
}
