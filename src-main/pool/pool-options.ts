import { availableParallelism } from 'node:os';
import { DEFAULT_CONFIG, type AgentsConfig } from '../../src-shared/config-schema';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';

/**
 * Where agents run. `threads` (the default): in worker threads, isolated (a
 * crash, an OOM or an endless loop costs one thread, which is replaced).
 * `inline`: on the pool's own thread, for I/O-bound agents (LLM calls) that
 * mostly wait and gain nothing from a thread; no isolation (see README,
 * "Execution modes: threads or in-process").
 */
export type PoolWorkers = 'threads' | 'inline';
export const POOL_WORKERS: readonly PoolWorkers[] = ['threads', 'inline'];

/** Options of a WorkerPool. All but `adapter` and `queues` default to config.yml's `workers:` defaults. */
export interface PoolOptions {
  adapter: RedisQueueAdapter;
  queues: string[];
  /**
   * `threads` (default `workers.workers`: threads) or `inline`: agents run on
   * this thread, up to `concurrency` at once; `threads`, `maxMemoryMb` and
   * `spareThread` do not apply.
   */
  workers?: PoolWorkers;
  /** Worker threads (default `workers.threads`: 0, one per CPU core). */
  threads?: number;
  /** Async jobs per thread (default 8). */
  concurrency?: number;
  /** Default per-job timeout; a job's own `timeoutMs` wins (default 300,000). */
  jobTimeoutMs?: number;
  /** After a timeout or cancel, how long a job may take to stop before its thread is terminated (default 5,000). */
  killGraceMs?: number;
  /** Old-generation heap limit per thread (default 512). */
  maxMemoryMb?: number;
  /** On stop, how long running jobs may finish before their leases are handed back (default 30,000). */
  shutdownTimeoutMs?: number;
  agentsDir?: string;
  llm?: AgentsConfig;
  /** Defaults to `<host>:<pid>:<random>`. */
  workerId?: string;
  /** Built thread entry; found next to the bundle by default. */
  threadEntry?: string;
  /**
   * How often the worker registry entry is refreshed (its TTL is 5×, default
   * 2,000). Redis silent for twice this long (at least 2 s) is an outage.
   */
  heartbeatMs?: number;
  /** Keep one idle thread ready to replace a lost one at once (default true). */
  spareThread?: boolean;
  /**
   * Jobs leased beyond the free slots, held to start the moment a slot frees,
   * so short jobs do not wait a Redis round trip between them. Default: as
   * many as the slots get through in about 20 ms at the jobs' average run
   * time (none for jobs that take longer than that, so a held job never
   * waits long and its recorded start is never far off). 0 turns it off.
   */
  prefetch?: number;
}

/** The options with every default applied. */
export type ResolvedPoolOptions = PoolOptions &
  Required<
    Pick<
      PoolOptions,
      'workers' | 'threads' | 'concurrency' | 'jobTimeoutMs' | 'killGraceMs' | 'maxMemoryMb' | 'shutdownTimeoutMs' | 'heartbeatMs'
    >
  >;

export const DEFAULT_HEARTBEAT_MS = 2000;

/** `workers.threads: 0` is one thread per CPU core. */
export function threadCount(threads: number): number {
  return threads > 0 ? threads : availableParallelism();
}

export function resolvePoolOptions(o: PoolOptions): ResolvedPoolOptions {
  const w = DEFAULT_CONFIG.workers;
  const resolved: ResolvedPoolOptions = {
    ...o,
    workers: o.workers ?? w.workers,
    threads: o.threads ?? threadCount(w.threads),
    concurrency: o.concurrency ?? w.concurrency,
    jobTimeoutMs: o.jobTimeoutMs ?? w.job_timeout_ms,
    killGraceMs: o.killGraceMs ?? w.kill_grace_ms,
    maxMemoryMb: o.maxMemoryMb ?? w.max_memory_mb,
    shutdownTimeoutMs: o.shutdownTimeoutMs ?? w.shutdown_timeout_ms,
    heartbeatMs: o.heartbeatMs ?? DEFAULT_HEARTBEAT_MS,
  };
  validatePoolOptions(resolved);
  return resolved;
}

export function validatePoolOptions(o: ResolvedPoolOptions): void {
  const positive = (name: string, v: number, min = 1): void => {
    if (!Number.isInteger(v) || v < min) throw new TypeError(`pool option ${name} must be an integer >= ${min}, got ${v}`);
  };
  if (!POOL_WORKERS.includes(o.workers))
    throw new TypeError(`pool option workers must be ${POOL_WORKERS.map((w) => `'${w}'`).join(' or ')}, got ${JSON.stringify(o.workers)}`);
  positive('threads', o.threads);
  positive('concurrency', o.concurrency);
  positive('jobTimeoutMs', o.jobTimeoutMs);
  positive('killGraceMs', o.killGraceMs, 0);
  positive('maxMemoryMb', o.maxMemoryMb, 16);
  positive('shutdownTimeoutMs', o.shutdownTimeoutMs, 0);
  positive('heartbeatMs', o.heartbeatMs, 10);
  if (o.prefetch !== undefined) positive('prefetch', o.prefetch, 0);
  if (o.queues.length === 0) throw new TypeError('pool option queues must name at least one queue');
}
