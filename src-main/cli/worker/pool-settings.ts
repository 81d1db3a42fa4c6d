/**
 * From config.yml's `workers:` and `agents:` sections plus the command line to
 * the options of a WorkerPool (all but the adapter).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { ConveyorError, ErrorCode } from '../../../src-shared/errors';
import { resolveAgentsDir } from '../../agents/registry';
import { resolveThreadEntry, type PoolOptions } from '../../pool/pool';
import { type PoolWorkers, threadCount } from '../../pool/pool-options';
import { assertQueueName } from '../../queue/keys';
import type { ResolvedConfig } from '../context';
import type { CliIo } from '../io';

/**
 * Another worker thread entry (tests: test/support/ts-thread-entry.mjs, which
 * loads TypeScript agents). Also the hidden `--thread-entry` option.
 */
export const THREAD_ENTRY_ENV = 'CONVEYOR_THREAD_ENTRY';

export interface WorkerOverrides {
  /** Empty or absent: `workers.queues`. */
  queues?: string[];
  /** `--workers`: threads or inline (default `workers.workers`). */
  workers?: PoolWorkers;
  /** 0: one per CPU core. */
  threads?: number;
  concurrency?: number;
  threadEntry?: string;
}

export type PoolSettings = Omit<PoolOptions, 'adapter'> &
  Required<
    Pick<
      PoolOptions,
      'workers' | 'threads' | 'concurrency' | 'jobTimeoutMs' | 'killGraceMs' | 'maxMemoryMb' | 'shutdownTimeoutMs' | 'threadEntry'
    >
  >;

function threadEntry(given: string | undefined, io: Pick<CliIo, 'env' | 'cwd'>): string {
  const entry = given ?? (io.env[THREAD_ENTRY_ENV] || undefined);
  // Fails here, before connecting, with what to do about it.
  if (entry === undefined) return resolveThreadEntry();
  const file = path.resolve(io.cwd, entry);
  if (!existsSync(file)) {
    const from = given === undefined ? THREAD_ENTRY_ENV : '--thread-entry';
    throw new ConveyorError(ErrorCode.Pool, `${from}: worker thread entry ${file} does not exist`, { path: file });
  }
  return file;
}

export function poolSettings(config: ResolvedConfig, overrides: WorkerOverrides, io: Pick<CliIo, 'env' | 'cwd'>): PoolSettings {
  const w = config.loaded.config.workers;
  const queues = [...new Set(overrides.queues !== undefined && overrides.queues.length > 0 ? overrides.queues : w.queues)];
  for (const q of queues) assertQueueName(q);
  const agents = config.loaded.config.agents;
  return {
    queues,
    workers: overrides.workers ?? w.workers,
    threads: threadCount(overrides.threads ?? w.threads),
    concurrency: overrides.concurrency ?? w.concurrency,
    jobTimeoutMs: w.job_timeout_ms,
    killGraceMs: w.kill_grace_ms,
    maxMemoryMb: w.max_memory_mb,
    shutdownTimeoutMs: w.shutdown_timeout_ms,
    ...(w.agents_dir === undefined ? {} : { agentsDir: resolveAgentsDir(w.agents_dir, config.loaded.path) }),
    ...(w.prefetch === undefined ? {} : { prefetch: w.prefetch }),
    ...(Object.keys(agents).length === 0 ? {} : { llm: agents }),
    threadEntry: threadEntry(overrides.threadEntry, io),
  };
}
