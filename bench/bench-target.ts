import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { RedisServerProcess } from '../src-main/redis/redis-server-process';

/** Where the contenders run: a private redis-server (flushed freely) or one the caller named (never flushed). */
export interface Target {
  url: string;
  isPrivate: boolean;
  /** Key prefix under which everything of this bench lives. */
  prefix: string;
  stats: Redis;
  /** Empties the bench's keys before a run. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await client.unlink(...keys);
  } while (cursor !== '0');
}

export async function openTarget(redisUrl: string | undefined): Promise<Target> {
  const server = redisUrl === undefined ? await RedisServerProcess.start({ port: 0 }) : undefined;
  const url = server?.url ?? (redisUrl as string);
  const stats = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectionName: 'conveyor-bench:stats' });
  try {
    await stats.connect();
  } catch (err) {
    stats.disconnect();
    await server?.stop();
    throw err;
  }
  const prefix = server ? 'bench' : `bench-${randomBytes(4).toString('hex')}`;
  return {
    url,
    isPrivate: server !== undefined,
    prefix,
    stats,
    // FLUSHALL only ever on our own server; elsewhere delete our prefix.
    reset: async () => {
      if (server) await stats.flushall();
      else await deleteKeys(stats, prefix);
    },
    close: async () => {
      if (!server) await deleteKeys(stats, prefix).catch(() => undefined);
      stats.disconnect();
      await server?.stop();
    },
  };
}
