import { EventEmitter } from 'node:events';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AgentInfo, AgentLoadError } from '../../src-shared/agent';
import { isConnectionError } from '../queue/redis-client';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';
import { Dispatcher } from './dispatcher';
import { PoolError, PoolErrorCode } from './errors';
import { JobOutcomes } from './job-outcomes';
import { LeaseKeeper, LeaseTimes } from './lease-keeper';
import { OutageWatch } from './outage-watch';
import { type PoolContext, type PoolState, until } from './pool-context';
import type { PoolEvent } from './pool-events';
import { type PoolOptions, type PoolWorkers, type ResolvedPoolOptions, resolvePoolOptions, validatePoolOptions } from './pool-options';
import { RedisClock } from './redis-clock';
import { ThreadSupervisor } from './thread-supervisor';

export type { PoolOptions, PoolWorkers } from './pool-options';
export type { PoolEvent, JobEventState } from './pool-events';
export { resolveThreadEntry } from './thread-supervisor';

interface PoolEvents {
  event: [PoolEvent];
}

/** The longest a running pool goes without its spare thread (it boots sooner if the queues run dry). */
const SPARE_DELAY_MS = 1000;
/** Redis silent this long (or twice the heartbeat interval, if longer) is an outage. */
const MIN_SILENT_MS = 2000;
/**
 * Graceful stop: after `shutdownTimeoutMs`, how long handing back leases and
 * leaving the registry may take. Redis unreachable, what is not handed back
 * by then is left to lease expiry. (The CLI adds a second to close its connection.)
 */
export const STOP_MARGIN_MS = 2000;

/**
 * A tokio-like worker pool: `threads` worker threads, each running up to
 * `concurrency` jobs at once. Its parts, each in its own module:
 * - ThreadSupervisor: spawns threads, replaces the ones that die, keeps a spare;
 * - Dispatcher: leases jobs for free slots (and prefetches), never starts a late lease;
 * - JobOutcomes: runs, timeouts, aborts, and batched acknowledgements;
 * - LeaseKeeper: keeps leases alive, refreshes the registry entry;
 * - OutageWatch: notices Redis going away (or silent) and coming back.
 * A fault stays with the job (or, for a crash, the thread) that caused it.
 */
export class WorkerPool extends EventEmitter<PoolEvents> {
  readonly workerId: string;
  private readonly options: ResolvedPoolOptions;
  private readonly adapter: RedisQueueAdapter;
  private readonly ctx: PoolContext;
  private readonly supervisor: ThreadSupervisor;
  private readonly outcomes: JobOutcomes;
  private readonly dispatcher: Dispatcher;
  private readonly keeper: LeaseKeeper;
  private readonly outage: OutageWatch;
  private readonly times = new LeaseTimes();
  private state: PoolState = 'idle';
  private dispatching: Promise<void> | undefined;
  private spareTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private lastReported = 0;

  constructor(options: PoolOptions) {
    super();
    this.options = resolvePoolOptions(options);
    this.adapter = options.adapter;
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    const state = (): PoolState => this.state;
    this.ctx = {
      options: this.options,
      adapter: this.adapter,
      workerId: this.workerId,
      get state() {
        return state();
      },
      emit: (e) => this.emit('event', e),
      report: (err) => this.report(err),
      wake: () => this.dispatcher.wake(),
    };
    const clock = new RedisClock();
    this.supervisor = new ThreadSupervisor(this.ctx, {
      results: (results) => {
        this.outcomes.onResults(results);
        this.supervisor.retireIdle();
        this.dispatcher.prefetchPaused = false;
        this.dispatcher.startHeld();
        this.dispatcher.wake();
      },
      progress: (notes) => this.outcomes.onProgress(notes),
      died: (thread, reason, error) => this.outcomes.threadDied(thread, reason, error),
      fatal: (error) => {
        this.report(error);
        void this.stop();
      },
    });
    this.outage = new OutageWatch(
      this.ctx,
      Math.max(MIN_SILENT_MS, 2 * this.options.heartbeatMs),
      () => this.keeper.beat(),
      () => {
        this.dispatcher.startHeld();
        this.dispatcher.wake();
      },
    );
    this.outcomes = new JobOutcomes(this.ctx, this.supervisor, () => this.outage.replied());
    this.dispatcher = new Dispatcher(this.ctx, this.supervisor, this.outcomes, clock, this.outage, this.times);
    this.keeper = new LeaseKeeper(this.ctx, this.times, this.supervisor, this.dispatcher, this.outcomes, clock, this.outage);
  }

  /** Agents the threads loaded, and plug-ins that failed to load. */
  get agents(): { agents: AgentInfo[]; errors: AgentLoadError[] } {
    return this.supervisor.agents;
  }

  /** Where agents run: `threads`, or `inline` on this thread (PoolOptions.workers). */
  get workers(): PoolWorkers {
    return this.options.workers;
  }

  get size(): { threads: number; concurrency: number } {
    return { threads: this.supervisor.target, concurrency: this.dispatcher.concurrency };
  }

  /** Jobs running now, as `queue/id`. */
  get running(): string[] {
    return [...this.outcomes.runs.values()].map((j) => `${j.queue}/${j.id}`);
  }

  get stats(): { processed: number; failed: number; running: number; threads: number } {
    return {
      processed: this.outcomes.processed,
      failed: this.outcomes.failed,
      running: this.outcomes.runs.size,
      threads: this.supervisor.live().length,
    };
  }

  /** Whether Redis is out right now, as the outage watch sees it (no job starts meanwhile). */
  get redisOutage(): boolean {
    return this.outage.down;
  }

  /** Creates missing queues, spawns the threads, and starts leasing once one thread is ready. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new PoolError(PoolErrorCode.InvalidState, `the pool is ${this.state}`);
    for (const q of this.options.queues) {
      const info = await this.adapter.createQueue(q);
      this.times.set(q, info.options.leaseMs);
    }
    this.state = 'running';
    try {
      await this.supervisor.start();
    } catch (err) {
      await this.supervisor.shutdown();
      this.state = 'stopped';
      throw err;
    }
    // The spare boots once the queues first run dry, or SPARE_DELAY_MS in: on a small box its start-up
    // (~25 ms of a core) would otherwise compete with the backlog a pool often starts into.
    this.spareTimer = setTimeout(() => this.supervisor.spawnSpare(), SPARE_DELAY_MS);
    this.keeper.start();
    this.outage.start();
    this.dispatching = this.dispatcher.run();
  }

  /**
   * Graceful stop: no new leases; running jobs get `shutdownTimeoutMs` to
   * finish; the rest are aborted and their leases handed back so another
   * worker takes them at once. Bounded by `shutdownTimeoutMs + STOP_MARGIN_MS`
   * even while Redis is unreachable: what could not be handed back by then is
   * left to lease expiry.
   */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    if (this.state === 'idle' || this.state === 'stopped') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    this.dispatcher.stop();
    this.dispatcher.releaseHeld(this.dispatcher.held.length, 'shutdown');
    const deadline = Date.now() + this.options.shutdownTimeoutMs;
    while (this.outcomes.runs.size > 0 && Date.now() < deadline) await this.dispatcher.nextWake(deadline - Date.now());
    this.outcomes.handBackAll();
    clearTimeout(this.spareTimer);
    this.keeper.stop();
    this.outage.stop();
    const handBackBy = Date.now() + STOP_MARGIN_MS;
    // Whatever a lease in flight brings back is handed back with the rest.
    await until(handBackBy, this.dispatching);
    await until(handBackBy, this.outcomes.flush());
    this.outcomes.close();
    await this.supervisor.shutdown();
    await until(handBackBy, this.adapter.workers.unregister(this.workerId));
    this.state = 'stopped';
  }

  /** Changes the number of threads and jobs per thread while running; no job is lost or run twice. */
  resize(size: { threads?: number; concurrency?: number }): void {
    const threads = size.threads ?? this.supervisor.target;
    const concurrency = size.concurrency ?? this.dispatcher.concurrency;
    validatePoolOptions({ ...this.options, threads, concurrency });
    this.dispatcher.concurrency = concurrency;
    this.supervisor.resize(threads);
    this.dispatcher.wake();
  }

  /** Reports a background error as an event, at most once a second for connection errors (the outage watch tells those). */
  private report(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (isConnectionError(error)) {
      this.outage.failed(error);
      if (Date.now() - this.lastReported < 1000) return;
      this.lastReported = Date.now();
    }
    this.emit('event', { type: 'error', error });
  }
}
