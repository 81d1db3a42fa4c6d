import type { Redis } from 'ioredis';
import type { WorkerInfo } from '../../src-shared/worker';
import { workerKey as workerKeyOf, workersKey as workersKeyOf } from './keys';
import { isCluster } from './redis-client';

/**
 * The worker registry: each worker process writes its entry on every
 * heartbeat with a TTL, so the entry of a worker that vanished expires by
 * itself. Readers list the ids seen recently and drop those whose entry expired.
 */
export class WorkerRegistry {
  private readonly cluster: boolean;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.cluster = isCluster(redis);
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
    await this.redis
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
      .zadd(this.workersKey(), info.lastHeartbeat, info.id)
      .exec();
  }

  /** Removes a worker's entry (clean shutdown). */
  async unregister(id: string): Promise<void> {
    await this.redis.multi().del(this.workerKey(id)).zrem(this.workersKey(), id).exec();
  }

  async list(): Promise<WorkerInfo[]> {
    const ids = await this.redis.zrange(this.workersKey(), 0, -1);
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) pipe.hgetall(this.workerKey(id));
    const replies = (await pipe.exec()) ?? [];
    const workers: WorkerInfo[] = [];
    const gone: string[] = [];
    ids.forEach((id, i) => {
      const hash = (replies[i]?.[1] ?? {}) as Record<string, string>;
      const info = decodeWorker(hash);
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
