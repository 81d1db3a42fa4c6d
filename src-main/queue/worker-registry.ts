import type { Redis } from 'ioredis';
import type { WorkerInfo } from '../../src-shared/worker';
import { isWrongType } from './connections';
import { renameIfWrongType } from './key-repair';
import { workerKey as workerKeyOf, workersKey as workersKeyOf } from './keys';
import { isCluster } from './redis-client';

type ExecReply = Array<[Error | null, unknown]> | null;

/** The first command error of a MULTI's replies (EXEC itself succeeds when one of its commands fails). */
function firstError(replies: ExecReply): Error | undefined {
  return (replies ?? []).find(([err]) => err)?.[0] ?? undefined;
}

/**
 * The worker registry: each worker process writes its entry on every
 * heartbeat with a TTL, so the entry of a worker that vanished expires by
 * itself. Readers list the ids seen recently and drop those whose entry expired.
 * A registry key of the wrong type is set aside (`<key>:malformed:<ms>`) with
 * one log line and the call made again, so heartbeats and listings go on.
 */
export class WorkerRegistry {
  private readonly cluster: boolean;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly log: (line: string) => void = (line) => console.warn(line),
    /** Gives every error a code (the adapter's mapping). */
    private readonly mapError: (err: unknown) => unknown = (err) => err,
  ) {
    this.cluster = isCluster(redis);
  }

  /** Runs `fn`; on a wrong-type key among `keys`, sets it aside and runs it again. */
  private async repairing<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    try {
      return await this.once(keys, fn);
    } catch (err) {
      throw this.mapError(err);
    }
  }

  private async once<T>(keys: string[], fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!isWrongType(err)) throw err;
      for (const key of keys) {
        const want = key === this.workersKey() ? 'zset' : 'hash';
        const aside = `${key}:malformed:${Date.now()}`;
        const type = await renameIfWrongType(this.redis, key, want, aside);
        if (type === null) continue;
        this.log(`[conveyor] worker registry key ${key} held a ${type}, expected a ${want}; moved it to ${aside}`);
      }
      return fn();
    }
  }

  private workersKey(): string {
    return workersKeyOf(this.prefix, this.cluster);
  }

  private workerKey(id: string): string {
    return workerKeyOf(this.prefix, id, this.cluster);
  }

  /** Writes (or refreshes) a worker's entry; it expires after `ttlMs` without another call. */
  async heartbeat(info: WorkerInfo, ttlMs: number): Promise<void> {
    const key = this.workerKey(info.id);
    await this.repairing([key, this.workersKey()], async () => {
      const tx = this.redis
        .multi()
        .hset(key, {
          id: info.id,
          host: info.host,
          pid: info.pid,
          queues: JSON.stringify(info.queues),
          threads: info.threads,
          concurrency: info.concurrency,
          running: JSON.stringify(info.running),
          processed: info.processed,
          failed: info.failed,
          startedAt: info.startedAt,
          lastHeartbeat: info.lastHeartbeat,
          ...(info.agents ? { agents: JSON.stringify(info.agents) } : {}),
        })
        .pexpire(key, ttlMs)
        .zadd(this.workersKey(), info.lastHeartbeat, info.id);
      const err = firstError(await tx.exec());
      if (err) throw err;
    });
  }

  /** Removes a worker's entry (clean shutdown). */
  async unregister(id: string): Promise<void> {
    await this.repairing([this.workersKey()], async () => {
      const err = firstError(await this.redis.multi().del(this.workerKey(id)).zrem(this.workersKey(), id).exec());
      if (err) throw err;
    });
  }

  async list(): Promise<WorkerInfo[]> {
    const ids = await this.repairing([this.workersKey()], () => this.redis.zrange(this.workersKey(), 0, -1));
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.workerKey(id));
    const replies = (await pipe.exec()) ?? [];
    const workers: WorkerInfo[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const [err, reply] = replies[i] ?? [null, {}];
      // An entry of the wrong type reads as gone; its heartbeat sets it aside.
      const info = err ? null : decodeWorker((reply ?? {}) as Record<string, string>);
      if (info) workers.push(info);
      else gone.push(id);
    });
    if (gone.length > 0) await this.redis.zrem(this.workersKey(), ...gone);
    return workers;
  }
}

function parseList(v: string | undefined): string[] {
  try {
    const parsed: unknown = JSON.parse(v ?? '[]');
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

function decodeWorker(h: Record<string, string>): WorkerInfo | null {
  if (!h['id']) return null;
  const n = (k: string): number => Number(h[k] ?? 0) || 0;
  return {
    id: h['id'],
    host: h['host'] ?? '',
    pid: n('pid'),
    queues: parseList(h['queues']),
    threads: n('threads'),
    concurrency: n('concurrency'),
    running: parseList(h['running']),
    processed: n('processed'),
    failed: n('failed'),
    startedAt: n('startedAt'),
    lastHeartbeat: n('lastHeartbeat'),
    ...(h['agents'] === undefined ? {} : { agents: parseList(h['agents']) }),
  };
}
