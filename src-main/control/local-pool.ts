/**
 * The optional worker pool the control core runs in its own process: built
 * from config.yml's `workers:` section (plus fixed overrides), started once
 * Redis answers, resized or restarted when the config changes, and reported
 * as a PoolStatus.
 */
import { availableParallelism } from 'node:os';
import type { AgentsList, PoolStatus } from '../../src-shared/contract';
import type { ConveyorConfig } from '../../src-shared/config-schema';
import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import { resolveAgentsDir } from '../agents/registry';
import { WorkerPool, type PoolEvent, type PoolOptions } from '../pool/pool';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';

/** Pool settings that do not come from the adapter. */
export type LocalPoolSettings = Omit<PoolOptions, 'adapter'>;

/** `workers:` as pool settings; `agents_dir` is relative to the config file's folder. */
export function poolSettingsFromConfig(
  config: ConveyorConfig,
  configPath: string,
  overrides: Partial<LocalPoolSettings> = {},
): LocalPoolSettings {
  const w = config.workers;
  const settings: LocalPoolSettings = {
    queues: [...w.queues],
    workers: w.workers,
    threads: w.threads === 0 ? availableParallelism() : w.threads,
    concurrency: w.concurrency,
    jobTimeoutMs: w.job_timeout_ms,
    killGraceMs: w.kill_grace_ms,
    maxMemoryMb: w.max_memory_mb,
    shutdownTimeoutMs: w.shutdown_timeout_ms,
  };
  if (w.agents_dir !== undefined) settings.agentsDir = resolveAgentsDir(w.agents_dir, configPath);
  if (w.prefetch !== undefined) settings.prefetch = w.prefetch;
  if (Object.keys(config.agents).length > 0) settings.llm = config.agents;
  return { ...settings, ...overrides };
}

/** What changing from `a` to `b` needs: nothing, a resize, or a new pool. */
export function poolChange(a: LocalPoolSettings, b: LocalPoolSettings): 'none' | 'resize' | 'restart' {
  const rest = (s: LocalPoolSettings): string => JSON.stringify({ ...s, threads: 0, concurrency: 0 });
  if (rest(a) !== rest(b)) return 'restart';
  return a.threads !== b.threads || a.concurrency !== b.concurrency ? 'resize' : 'none';
}

/** Which settings differ, by config.yml name, for people. */
export function changedSettings(a: LocalPoolSettings, b: LocalPoolSettings): string[] {
  const names: Record<string, string> = {
    queues: 'workers.queues',
    workers: 'workers.workers',
    jobTimeoutMs: 'workers.job_timeout_ms',
    killGraceMs: 'workers.kill_grace_ms',
    maxMemoryMb: 'workers.max_memory_mb',
    shutdownTimeoutMs: 'workers.shutdown_timeout_ms',
    agentsDir: 'workers.agents_dir',
    prefetch: 'workers.prefetch',
    llm: 'agents',
  };
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .filter((k) => k !== 'threads' && k !== 'concurrency')
    .filter((k) => JSON.stringify(a[k as keyof LocalPoolSettings]) !== JSON.stringify(b[k as keyof LocalPoolSettings]))
    .map((k) => names[k] ?? k);
}

export interface LocalPoolOptions {
  /** Something about the pool changed (threads, counts, agents). */
  onChange: (status: PoolStatus) => void;
  log: (line: string) => void;
}

const STOPPED: PoolStatus = { running: false, queues: [], threads: 0, concurrency: 0, processed: 0, failed: 0, active: 0 };
/** Job outcomes change the counts often: report them at most this often. */
const JOB_CHANGE_MS = 1000;

export class LocalPool {
  private pool: WorkerPool | undefined;
  private currentSettings: LocalPoolSettings | undefined;
  private started = false;
  private readonly retiring = new Set<Promise<void>>();
  private readonly starting = new Map<WorkerPool, Promise<void>>();
  private jobTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LocalPoolOptions) {}

  get running(): boolean {
    return this.pool !== undefined && this.started;
  }

  status(): PoolStatus {
    const pool = this.pool;
    if (!pool || !this.started || !this.currentSettings) return { ...STOPPED };
    const { threads, concurrency } = pool.size;
    const stats = pool.stats;
    return {
      running: true,
      workerId: pool.workerId,
      queues: [...this.currentSettings.queues],
      threads,
      concurrency,
      processed: stats.processed,
      failed: stats.failed,
      active: stats.running,
    };
  }

  agents(): AgentsList {
    const a = this.pool?.agents ?? { agents: [], errors: [] };
    return { agents: [...a.agents], errors: [...a.errors] };
  }

  /**
   * Starts a pool on `adapter`. One already running is handed over: it leases
   * nothing more and stops in the background (see `detach`). A pool that
   * cannot start is logged and left stopped.
   */
  async start(adapter: RedisQueueAdapter, settings: LocalPoolSettings): Promise<void> {
    void this.detach();
    let pool: WorkerPool;
    try {
      pool = new WorkerPool({ ...settings, adapter });
    } catch (err) {
      this.options.log(`[conveyor] local worker pool not started: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    this.pool = pool;
    this.currentSettings = settings;
    pool.on('event', (e) => this.onEvent(pool, e));
    const starting = pool.start();
    this.starting.set(pool, starting);
    try {
      await starting;
    } catch (err) {
      if (this.pool === pool) this.pool = undefined;
      this.options.log(`[conveyor] local worker pool not started: ${err instanceof Error ? err.message : String(err)}`);
      return;
    } finally {
      this.starting.delete(pool);
    }
    // Replaced or stopped while starting: `detach` is stopping it.
    if (this.pool !== pool) return;
    this.started = true;
    this.changed();
  }

  /**
   * Lets go of the running pool: it leases no more jobs, its running jobs get
   * `shutdownTimeoutMs` to finish, then it ends. Resolves when it has ended
   * (its adapter may be closed then); the caller need not wait.
   */
  detach(): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    clearTimeout(this.jobTimer);
    this.jobTimer = undefined;
    if (!pool) return Promise.resolve();
    const wasStarted = this.started;
    this.started = false;
    const stopped = this.retire(pool);
    if (wasStarted) this.changed();
    return stopped;
  }

  /** Graceful stop of the running pool and of any still handing over. */
  async stop(): Promise<void> {
    await this.detach();
    await Promise.all([...this.retiring]);
  }

  private retire(pool: WorkerPool): Promise<void> {
    // A pool still starting is stopped once started (stopping it midway would race its start).
    const started = this.starting.get(pool)?.catch(() => undefined) ?? Promise.resolve();
    const stopped = started
      .then(() => pool.stop())
      .catch((err: unknown) =>
        this.options.log(`[conveyor] local worker pool did not stop cleanly: ${err instanceof Error ? err.message : String(err)}`),
      )
      .finally(() => {
        pool.removeAllListeners('event');
        this.retiring.delete(stopped);
      });
    this.retiring.add(stopped);
    return stopped;
  }

  resize(size: { threads?: number; concurrency?: number }): PoolStatus {
    const pool = this.pool;
    if (!pool || !this.started || !this.currentSettings) {
      throw new ConveyorError(ErrorCode.InvalidState, 'no local worker pool is running in this process', { pool: 'stopped' });
    }
    pool.resize(size);
    this.currentSettings = { ...this.currentSettings, ...pool.size };
    this.changed();
    return this.status();
  }

  private onEvent(pool: WorkerPool, e: PoolEvent): void {
    if (pool !== this.pool) return;
    if (e.type === 'error') {
      this.options.log(`[conveyor] local worker pool: ${e.error.message}`);
    } else if (e.type === 'job') {
      this.jobTimer ??= setTimeout(() => {
        this.jobTimer = undefined;
        this.changed();
      }, JOB_CHANGE_MS);
    } else if (this.started) {
      this.changed();
    }
  }

  private changed(): void {
    this.options.onChange(this.status());
  }
}
