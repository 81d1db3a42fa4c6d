import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AgentInfo, AgentLoadError } from '../../src-shared/agent';
import type { AgentsConfig } from '../../src-shared/config-schema';
import type { AttemptOutcome, LeasedItem } from '../../src-shared/job';
import type { WorkerInfo } from '../../src-shared/worker';
import { agentOf } from '../queue/job-codec';
import { isConnectionError } from '../queue/redis-client';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';
import { type Ack, AckBatcher, type AckOutcome } from './ack-batcher';
import { PoolError, PoolErrorCode } from './errors';
import type { AbortReason, ProgressNote, RunJob, RunResult } from './messages';
import { ThreadHandle, type ThreadDeath } from './thread-handle';

export interface PoolOptions {
  adapter: RedisQueueAdapter;
  queues: string[];
  /** Worker threads. */
  threads: number;
  /** Async jobs per thread. */
  concurrency: number;
  /** Default per-job timeout; a job's own `timeoutMs` wins. */
  jobTimeoutMs: number;
  /** After a timeout or cancel, how long a job may take to stop before its thread is terminated. */
  killGraceMs: number;
  /** Old-generation heap limit per thread. */
  maxMemoryMb: number;
  /** On stop, how long running jobs may finish before their leases are handed back. */
  shutdownTimeoutMs: number;
  agentsDir?: string;
  llm?: AgentsConfig;
  /** Defaults to `<host>:<pid>:<random>`. */
  workerId?: string;
  /** Built thread entry; found next to the bundle by default. */
  threadEntry?: string;
  /** How often the worker registry entry is refreshed (its TTL is 5×). */
  heartbeatMs?: number;
  /** Keep one idle thread ready to replace a lost one at once (default true). */
  spareThread?: boolean;
  /**
   * Jobs leased beyond the free slots, held to start the moment a slot frees,
   * so short jobs do not wait a Redis round trip between them. Default: as
   * many as the slots get through in PREFETCH_WAIT_MS at the jobs' average
   * run time (none for jobs that take longer than that, so a held job never
   * waits long and its recorded start is never far off). 0 turns it off.
   */
  prefetch?: number;
}

export type JobEventState = 'started' | 'completed' | 'retrying' | 'dead' | 'cancelled' | 'released' | 'lost';

export type PoolEvent =
  | { type: 'job'; state: JobEventState; queue: string; id: string; attempt: number; agent?: string; durationMs?: number; error?: string; reason?: string }
  | { type: 'thread'; state: 'ready' | 'stalled' | 'died' | 'retired'; threadId: number; reason?: string; error?: string }
  | { type: 'agents'; agents: AgentInfo[]; errors: AgentLoadError[] }
  | { type: 'error'; error: Error };

interface PoolEvents {
  event: [PoolEvent];
}

interface RunningJob {
  runId: number;
  queue: string;
  id: string;
  token: string;
  attempt: number;
  agent: string;
  thread: ThreadHandle;
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  killTimer: NodeJS.Timeout | undefined;
  abortReason: AbortReason | undefined;
}

/** About how long a prefetched job may wait for a slot. */
const PREFETCH_WAIT_MS = 20;
/** Prefetched jobs at most, per slot and overall (whichever is more). */
const PREFETCH_PER_SLOT = 8;
const PREFETCH_MIN_CAP = 64;
/** Jobs per lease call at most: one script call blocks Redis for every other client, ~8 µs per job. */
const MAX_LEASE_BATCH = 256;
/** A prefetched job not started by then goes back to the queue, for a worker with a free slot. */
const PREFETCH_HOLD_MS = 1000;

/** A job leased ahead of a free slot (see PoolOptions.prefetch). */
interface HeldJob {
  queue: string;
  item: LeasedItem;
  heldAt: number;
}

/** Consecutive threads dying before they are ready that make the pool give up. */
const MAX_STARTUP_FAILURES = 3;
const WAIT_SLICE_MS = 1000;
/** The longest a running pool goes without its spare thread (it boots sooner if the queues run dry). */
const SPARE_DELAY_MS = 1000;

/** Waits `ms`, or less if `signal` aborts meanwhile. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Items grouped by a key, in their order: one adapter call per queue. */
function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Finds the built thread entry beside the running bundle (or the build output, when run from source). */
export function resolveThreadEntry(): string {
  const candidates = [join(__dirname, 'thread-entry.js'), join(__dirname, '..', 'thread-entry.js'), resolve(__dirname, '../../out/main/thread-entry.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new PoolError(PoolErrorCode.ThreadEntryMissing, `worker thread entry not found (looked at ${candidates.join(', ')}); run \`npm run build\``);
  }
  return found;
}

function validateOptions(o: PoolOptions): void {
  const positive = (name: string, v: number, min = 1): void => {
    if (!Number.isInteger(v) || v < min) throw new TypeError(`pool option ${name} must be an integer >= ${min}, got ${v}`);
  };
  positive('threads', o.threads);
  positive('concurrency', o.concurrency);
  positive('jobTimeoutMs', o.jobTimeoutMs);
  positive('killGraceMs', o.killGraceMs, 0);
  positive('maxMemoryMb', o.maxMemoryMb, 16);
  positive('shutdownTimeoutMs', o.shutdownTimeoutMs, 0);
  if (o.prefetch !== undefined) positive('prefetch', o.prefetch, 0);
  if (o.queues.length === 0) throw new TypeError('pool option queues must name at least one queue');
}

/**
 * A tokio-like worker pool: `threads` worker threads, each running up to
 * `concurrency` jobs at once. A dispatcher leases as many jobs as there are
 * free slots (plus, for short jobs, a few to start the moment a slot frees:
 * see PoolOptions.prefetch), sends each to the least-loaded thread, keeps their leases
 * alive, and acknowledges outcomes in batches. A fault stays with the job
 * (or, for a crash, the thread) that caused it.
 */
export class WorkerPool extends EventEmitter<PoolEvents> {
  readonly workerId: string;
  private readonly adapter: RedisQueueAdapter;
  private readonly entry: string;
  private readonly acks: AckBatcher;
  private threads: ThreadHandle[] = [];
  /** Started and ready, taking no work: the next replacement (see spawnSpare). */
  private spare: ThreadHandle | undefined;
  private readonly runs = new Map<number, RunningJob>();
  /** Prefetched jobs, in lease order. */
  private held: HeldJob[] = [];
  /** Moving average of how long jobs ran, for the default prefetch. */
  private avgRunMs: number | undefined;
  /** Set when held jobs had to go back: no prefetching until a slot frees. */
  private prefetchPaused = false;
  /** Jobs settled but not yet acknowledged by Redis: what their events report. */
  private readonly settled = new Map<string, { attempt: number; agent: string; ms: number }>();
  private nextRunId = 1;
  private targetThreads: number;
  private concurrency: number;
  private state: 'idle' | 'running' | 'stopping' | 'stopped' = 'idle';
  private wakeDispatcher: (() => void) | undefined;
  /** Ends the dispatcher's blocking waits when the pool stops. */
  private readonly stopWaiting = new AbortController();
  private dispatching: Promise<void> | undefined;
  private startupFailures = 0;
  private fatal: PoolError | undefined;
  private leaseMs = new Map<string, number>();
  private timers: NodeJS.Timeout[] = [];
  private readonly startedAt = Date.now();
  private processed = 0;
  private failed = 0;
  private agentInfo: { agents: AgentInfo[]; errors: AgentLoadError[] } = { agents: [], errors: [] };
  private firstReady: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private stopping: Promise<void> | undefined;

  constructor(private readonly options: PoolOptions) {
    super();
    validateOptions(options);
    this.adapter = options.adapter;
    this.targetThreads = options.threads;
    this.concurrency = options.concurrency;
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.entry = options.threadEntry ?? resolveThreadEntry();
    this.acks = new AckBatcher(
      this.adapter,
      (outcomes) => this.onAcked(outcomes),
      (err) => this.report(err),
    );
  }

  /** Agents the threads loaded, and plug-ins that failed to load. */
  get agents(): { agents: AgentInfo[]; errors: AgentLoadError[] } {
    return this.agentInfo;
  }

  get size(): { threads: number; concurrency: number } {
    return { threads: this.targetThreads, concurrency: this.concurrency };
  }

  /** Jobs running now, as `queue/id`. */
  get running(): string[] {
    return [...this.runs.values()].map((j) => `${j.queue}/${j.id}`);
  }

  get stats(): { processed: number; failed: number; running: number; threads: number } {
    return { processed: this.processed, failed: this.failed, running: this.runs.size, threads: this.liveThreads().length };
  }

  /** Creates missing queues, spawns the threads, and starts leasing once one thread is ready. */
  async start(): Promise<void> {
    if (this.state !== 'idle') throw new PoolError(PoolErrorCode.InvalidState, `the pool is ${this.state}`);
    for (const q of this.options.queues) {
      const info = await this.adapter.createQueue(q);
      this.leaseMs.set(q, info.options.leaseMs);
    }
    this.state = 'running';
    const ready = new Promise<void>((resolve, reject) => (this.firstReady = { resolve, reject }));
    for (let i = 0; i < this.targetThreads; i++) this.spawn();
    try {
      await ready;
    } catch (err) {
      await this.shutdownThreads();
      this.state = 'stopped';
      throw err;
    }
    // The spare boots once the queues first run dry, or SPARE_DELAY_MS in: on a small box its start-up
    // (~25 ms of a core) would otherwise compete with the backlog a pool often starts into.
    this.timers.push(setTimeout(() => this.spawnSpare(), SPARE_DELAY_MS));
    // Leases are extended well before they expire, and at least every second so a cancel request is seen fast.
    const keepMs = Math.max(200, Math.min(1000, Math.floor(Math.min(...this.leaseMs.values()) / 3)));
    this.timers.push(setInterval(() => void this.keepLeases(), keepMs));
    const beatMs = this.options.heartbeatMs ?? 2000;
    this.timers.push(setInterval(() => void this.heartbeat(beatMs), beatMs));
    void this.heartbeat(beatMs);
    this.dispatching = this.dispatchLoop();
  }

  /**
   * Graceful stop: no new leases; running jobs get `shutdownTimeoutMs` to
   * finish; the rest are aborted and their leases handed back so another
   * worker takes them at once.
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
    this.stopWaiting.abort();
    this.releaseHeld(this.held.length);
    this.wake();
    const deadline = Date.now() + this.options.shutdownTimeoutMs;
    while (this.runs.size > 0 && Date.now() < deadline) await this.nextWake(deadline - Date.now());
    for (const job of [...this.runs.values()]) {
      job.abortReason = 'shutdown';
      job.thread.abort(job.runId, 'shutdown');
      this.settle(job, { kind: 'release', id: job.id, token: job.token });
    }
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    // Whatever a lease in flight brings back is handed back with the rest.
    await this.dispatching;
    await this.acks.flush();
    this.acks.close();
    await this.shutdownThreads();
    await this.adapter.workers.unregister(this.workerId).catch(() => undefined);
    this.state = 'stopped';
  }

  /** Changes the number of threads and jobs per thread while running; no job is lost or run twice. */
  resize(size: { threads?: number; concurrency?: number }): void {
    const threads = size.threads ?? this.targetThreads;
    const concurrency = size.concurrency ?? this.concurrency;
    validateOptions({ ...this.options, threads, concurrency });
    this.concurrency = concurrency;
    this.targetThreads = threads;
    const live = this.liveThreads();
    if (live.length < threads && this.state === 'running') {
      for (let i = live.length; i < threads; i++) this.spawn();
    } else if (live.length > threads) {
      // Retire the least busy; they finish what they run and then end.
      const retire = [...live].sort((a, b) => a.running.size - b.running.size).slice(0, live.length - threads);
      for (const t of retire) {
        t.drain();
        this.retireIfIdle(t);
      }
    }
    this.wake();
  }

  // ------------------------------------------------------------- threads

  /** Threads that are not draining or ended. */
  private liveThreads(): ThreadHandle[] {
    return this.threads.filter((t) => !t.ended && !t.draining);
  }

  /** A new working thread: the ready spare if there is one (no start-up wait), else a fresh one. */
  private spawn(): void {
    const spare = this.spare;
    if (spare?.ready) {
      this.spare = undefined;
      this.threads.push(spare);
      this.spawnSpare();
      this.wake();
      return;
    }
    this.threads.push(this.newThread());
  }

  /**
   * Keeps one thread started but idle, so a thread lost to a crash, an
   * out-of-memory or a kill is replaced at once instead of after a thread's
   * start-up (loading the agents takes ~100 ms, during which its slots would sit empty).
   */
  private spawnSpare(): void {
    if (this.options.spareThread === false || this.spare || this.state !== 'running') return;
    this.spare = this.newThread();
  }

  private newThread(): ThreadHandle {
    const data = {
      ...(this.options.agentsDir ? { agentsDir: this.options.agentsDir } : {}),
      ...(this.options.llm ? { llm: this.options.llm } : {}),
    };
    const thread = new ThreadHandle(this.entry, data, this.options.maxMemoryMb);
    thread.on('ready', (agents, errors) => {
      this.startupFailures = 0;
      this.agentInfo = { agents, errors };
      this.emitEvent({ type: 'thread', state: 'ready', threadId: thread.id });
      if (this.firstReady) {
        this.emitEvent({ type: 'agents', agents, errors });
        this.firstReady.resolve();
        this.firstReady = undefined;
      }
      this.wake();
    });
    thread.on('results', (results) => this.onResults(results));
    thread.on('progress', (notes) => this.onProgress(notes));
    thread.on('died', (reason, error, wasReady) => this.onDied(thread, reason, error, wasReady));
    return thread;
  }

  private onDied(thread: ThreadHandle, reason: ThreadDeath, error: Error, wasReady: boolean): void {
    this.threads = this.threads.filter((t) => t !== thread);
    if (thread === this.spare) this.spare = undefined;
    this.emitEvent({ type: 'thread', state: 'died', threadId: thread.id, reason, error: error.message });
    // Died inside a run's synchronous start: that run did it, its neighbours wait again unharmed.
    // Otherwise the cause is unknown and every run the thread held fails.
    const culprit = this.runs.has(thread.busyWith) ? thread.busyWith : 0;
    const message = `${reason === 'out_of_memory' ? 'out of memory' : 'worker thread crashed'}: ${error.message}`;
    for (const runId of thread.running) {
      const job = this.runs.get(runId);
      if (!job) continue;
      if (culprit === 0 || runId === culprit) this.failJob(job, reason, message, error.stack ?? '');
      else this.releaseInnocent(job);
    }
    if (!wasReady && ++this.startupFailures >= MAX_STARTUP_FAILURES) {
      this.fatal = new PoolError(
        PoolErrorCode.ThreadsDyingAtStartup,
        `worker threads keep dying at start-up (${this.startupFailures} in a row): ${error.message}`,
        { cause: error },
      );
      if (this.firstReady) this.firstReady.reject(this.fatal);
      else {
        this.report(this.fatal);
        void this.stop();
      }
      return;
    }
    if ((this.state === 'running' || this.firstReady) && this.liveThreads().length < this.targetThreads) this.spawn();
    this.spawnSpare();
    this.wake();
  }

  private retireIfIdle(thread: ThreadHandle): void {
    if (!thread.draining || thread.running.size > 0) return;
    this.threads = this.threads.filter((t) => t !== thread);
    void thread.terminate();
    this.emitEvent({ type: 'thread', state: 'retired', threadId: thread.id });
  }

  private async shutdownThreads(): Promise<void> {
    const all = this.spare ? [...this.threads, this.spare] : this.threads;
    this.threads = [];
    this.spare = undefined;
    await Promise.all(all.map((t) => t.terminate()));
  }

  /**
   * Ends a thread whose job would not stop. The culprit is the run stuck in
   * its synchronous start, if any (it blocks the whole thread, so the others'
   * timers fire too), else the job itself; it fails, its neighbours wait again
   * without losing an attempt (a cancel request among them is honoured).
   */
  private killThreadOf(job: RunningJob, reason: 'timeout' | 'cancelled'): void {
    const thread = job.thread;
    if (thread.ended) return;
    this.threads = this.threads.filter((t) => t !== thread);
    const stuck = this.runs.get(thread.busyWith);
    const culprit = stuck && stuck.thread === thread ? stuck : job;
    for (const runId of thread.running) {
      const other = this.runs.get(runId);
      if (!other) continue;
      if (other === culprit) {
        const why = other === job ? reason : 'timeout';
        const blocked = thread.busyWith === other.runId;
        const message =
          why === 'cancelled'
            ? 'cancelled'
            : blocked
              ? `blocked its thread for ${Date.now() - other.startedAt} ms: thread terminated`
              : `did not stop within ${this.options.killGraceMs} ms of its timeout: thread terminated`;
        this.failJob(other, why, message, '');
      } else if (other.abortReason === 'cancelled') {
        this.failJob(other, 'cancelled', 'cancelled', '');
      } else {
        this.releaseInnocent(other);
      }
    }
    void thread.terminate();
    this.emitEvent({ type: 'thread', state: 'died', threadId: thread.id, reason: `terminated: ${culprit.queue}/${culprit.id} would not stop` });
    if (this.state === 'running' && this.liveThreads().length < this.targetThreads) this.spawn();
  }

  /** A run that lost its thread through no fault of its own: back to waiting, no attempt spent. */
  private releaseInnocent(job: RunningJob): void {
    if (job.abortReason === 'lease_lost') this.settle(job, undefined);
    else this.settle(job, { kind: 'release', id: job.id, token: job.token });
  }

  // ---------------------------------------------------------- dispatching

  private freeSlots(): number {
    let free = 0;
    for (const t of this.threads) if (t.accepting) free += Math.max(0, this.concurrency - t.running.size);
    return free;
  }

  private wake(): void {
    const w = this.wakeDispatcher;
    this.wakeDispatcher = undefined;
    w?.();
  }

  private nextWake(ms: number): Promise<void> {
    return new Promise((resolveWake) => {
      const timer = setTimeout(() => {
        if (this.wakeDispatcher === done) this.wakeDispatcher = undefined;
        resolveWake();
      }, Math.max(0, ms));
      const done = (): void => {
        clearTimeout(timer);
        resolveWake();
      };
      const previous = this.wakeDispatcher;
      this.wakeDispatcher = () => {
        previous?.();
        done();
      };
    });
  }

  private async dispatchLoop(): Promise<void> {
    const queues = this.options.queues;
    const signal = this.stopWaiting.signal;
    let turn = 0;
    // The queues ran dry at the last look; when the next timer (a delayed job, a lease expiry) fires.
    let idle = false;
    let nextTimer = -1;
    const waitMs = (): number => (nextTimer >= 0 ? Math.min(Math.max(nextTimer, 1), WAIT_SLICE_MS) : WAIT_SLICE_MS);
    while (this.state === 'running') {
      this.startHeld();
      if (this.wanted() <= 0) {
        await this.nextWake(WAIT_SLICE_MS);
        continue;
      }
      try {
        if (idle && queues.length === 1) {
          // One queue: the lease rides behind the wait, so a job enqueued now arrives with the wake-up.
          const queue = queues[0] as string;
          const batch = await this.adapter.waitAndLease(queue, this.wanted(), this.workerId, waitMs(), { start: true, signal });
          nextTimer = batch.nextTimerMs;
          this.take(queue, batch.items);
          idle = !batch.more;
          continue;
        }
        let leased = 0;
        nextTimer = -1;
        for (let i = 0; i < queues.length && this.wanted() > 0 && this.state === 'running'; i++) {
          const queue = queues[(turn + i) % queues.length] as string;
          const batch = await this.adapter.lease(queue, this.wanted(), this.workerId, { start: true });
          if (batch.nextTimerMs >= 0 && (nextTimer < 0 || batch.nextTimerMs < nextTimer)) nextTimer = batch.nextTimerMs;
          if (!this.take(queue, batch.items)) break;
          // A lease that emptied its queue counts as finding nothing: block now rather than lease again for nothing.
          if (batch.more) leased += batch.items.length;
        }
        turn++;
        idle = leased === 0;
        if (idle) this.spawnSpare();
        if (idle && queues.length > 1 && this.state === 'running') {
          await this.adapter.waitForJobs(queues, waitMs(), signal);
        }
      } catch (err) {
        this.report(err);
        // Redis down (or another fault): back off, the adapter reconnects by itself.
        await pause(isConnectionError(err) ? 500 : 1000, signal);
      }
    }
  }

  /** Runs what a lease brought, or, once the pool is stopping, hands it straight back. False when stopping. */
  private take(queue: string, items: LeasedItem[]): boolean {
    if (this.state !== 'running') {
      for (const item of items) this.acks.add(queue, { kind: 'release', id: item.action.id, token: item.lease.token });
      return false;
    }
    this.dispatch(queue, items);
    return true;
  }

  /** How many jobs to lease now: the free slots, plus room left for prefetched ones (one call's worth). */
  private wanted(): number {
    return Math.min(this.freeSlots() + Math.max(0, this.prefetchLimit() - this.held.length), MAX_LEASE_BATCH);
  }

  private prefetchLimit(): number {
    if (this.prefetchPaused) return 0;
    if (this.options.prefetch !== undefined) return this.options.prefetch;
    if (this.avgRunMs === undefined) return 0;
    const slots = this.liveThreads().length * this.concurrency;
    // The k-th held job waits about k × avgRunMs / slots.
    const fit = Math.floor((slots * PREFETCH_WAIT_MS) / Math.max(this.avgRunMs, 0.05));
    return Math.min(fit, Math.max(PREFETCH_MIN_CAP, PREFETCH_PER_SLOT * slots));
  }

  /** Starts held jobs on the slots that are free now. */
  private startHeld(): void {
    if (this.held.length === 0 || this.state !== 'running') return;
    const n = Math.min(this.held.length, this.freeSlots());
    if (n === 0) return;
    for (const [queue, held] of groupBy(this.held.splice(0, n), (h) => h.queue)) this.dispatch(queue, held.map((h) => h.item));
  }

  /** Hands the oldest `n` held jobs back to their queues, attempts unspent. */
  private releaseHeld(n: number): void {
    for (const h of this.held.splice(0, n)) this.ackHeld(h, { kind: 'release', id: h.item.action.id, token: h.item.lease.token });
  }

  private ackHeld(h: HeldJob, ack: Ack): void {
    this.settled.set(`${h.queue}\u0000${h.item.action.id}`, { attempt: h.item.attempt, agent: agentOf(h.item.message.payload), ms: 0 });
    this.acks.add(h.queue, ack);
  }

  private dispatch(queue: string, items: LeasedItem[]): void {
    if (items.length === 0) return;
    const perThread = new Map<ThreadHandle, RunJob[]>();
    const load = new Map(this.threads.map((t) => [t, t.running.size]));
    for (const item of items) {
      const payload = item.message.payload as { agent?: unknown; input?: unknown } | null;
      if (!payload || typeof payload !== 'object' || typeof payload.agent !== 'string') {
        this.acks.add(queue, {
          kind: 'fail',
          id: item.action.id,
          token: item.lease.token,
          error: { message: 'payload is not an agent job: expected {agent, input}', stack: '' },
          retryable: false,
          reason: 'failed',
        });
        continue;
      }
      // Least-loaded thread that still has a free slot.
      let best: ThreadHandle | undefined;
      for (const t of this.threads) {
        const n = load.get(t) ?? 0;
        if (t.accepting && n < this.concurrency && (!best || n < (load.get(best) ?? 0))) best = t;
      }
      if (!best) {
        // Leased ahead (or a slot went with a thread meanwhile): held until a slot frees.
        this.held.push({ queue, item, heldAt: Date.now() });
        continue;
      }
      load.set(best, (load.get(best) ?? 0) + 1);
      const job: RunningJob = {
        runId: this.nextRunId++,
        queue,
        id: item.action.id,
        token: item.lease.token,
        attempt: item.attempt,
        agent: payload.agent,
        thread: best,
        startedAt: Date.now(),
        timer: undefined,
        killTimer: undefined,
        abortReason: undefined,
      };
      const timeoutMs = item.timeoutMs ?? this.options.jobTimeoutMs;
      job.timer = setTimeout(() => {
        this.relieveStalledThread(job);
        job.timer = setTimeout(() => this.abortJob(job, 'timeout'), timeoutMs - Math.floor(timeoutMs / 2));
      }, Math.floor(timeoutMs / 2));
      this.runs.set(job.runId, job);
      let list = perThread.get(best);
      if (!list) perThread.set(best, (list = []));
      list.push({ runId: job.runId, jobId: job.id, attempt: job.attempt, agent: job.agent, input: payload.input });
      this.emitEvent({ type: 'job', state: 'started', queue, id: job.id, attempt: job.attempt, agent: job.agent });
    }
    for (const [thread, jobs] of perThread) thread.run(jobs);
  }

  /**
   * Halfway to its timeout and still inside its synchronous start, a run has
   * most likely hung its thread: the thread takes no more work and a
   * replacement (the ready spare) takes its place now, so its slots are not
   * lost until the timeout ends it. Should the run finish after all, the
   * drained thread completes its jobs and retires.
   */
  private relieveStalledThread(job: RunningJob): void {
    const thread = job.thread;
    if (thread.busyWith !== job.runId || !thread.accepting || this.state !== 'running') return;
    thread.drain();
    this.emitEvent({ type: 'thread', state: 'stalled', threadId: thread.id, reason: `${job.queue}/${job.id} has blocked it for ${Date.now() - job.startedAt} ms` });
    if (this.liveThreads().length < this.targetThreads) this.spawn();
    this.wake();
  }

  // --------------------------------------------------------- job outcomes

  /** Asks a job to stop; if it has not within the grace period, its thread is ended. */
  private abortJob(job: RunningJob, reason: AbortReason): void {
    if (!this.runs.has(job.runId) || job.abortReason) return;
    job.abortReason = reason;
    // Stuck in its own synchronous start, the job cannot hear the abort: a grace period would only
    // keep the thread (and its neighbours) blocked longer.
    if ((reason === 'timeout' || reason === 'cancelled') && job.thread.busyWith === job.runId) {
      this.killThreadOf(job, reason);
      return;
    }
    job.thread.abort(job.runId, reason);
    if (reason === 'timeout' || reason === 'cancelled') {
      job.killTimer = setTimeout(() => {
        if (this.runs.has(job.runId)) this.killThreadOf(job, reason);
      }, this.options.killGraceMs);
    }
  }

  private onResults(results: RunResult[]): void {
    for (const r of results) {
      const job = this.runs.get(r.runId);
      if (!job) continue;
      switch (job.abortReason) {
        case 'lease_lost':
          this.settle(job, undefined);
          break;
        case 'shutdown':
          this.settle(job, { kind: 'release', id: job.id, token: job.token });
          break;
        case 'timeout':
          this.failJob(job, 'timeout', `timed out after ${Date.now() - job.startedAt} ms`, r.ok ? '' : r.error.stack);
          break;
        case 'cancelled':
          this.failJob(job, 'cancelled', 'cancelled', '');
          break;
        default:
          if (r.ok) this.settle(job, { kind: 'complete', id: job.id, token: job.token, json: r.json });
          else this.failJob(job, 'failed', r.error.message, r.error.stack, r.error.retryable);
      }
    }
    for (const t of [...this.threads]) this.retireIfIdle(t);
    this.prefetchPaused = false;
    this.startHeld();
    this.wake();
  }

  private failJob(job: RunningJob, reason: AttemptOutcome, message: string, stack: string, retryable = true): void {
    this.settle(job, { kind: 'fail', id: job.id, token: job.token, error: { message, stack }, retryable, reason });
  }

  /** Forgets a running job and queues its acknowledgement (none for a lost lease). */
  private settle(job: RunningJob, ack: Ack | undefined): void {
    if (!this.runs.delete(job.runId)) return;
    clearTimeout(job.timer);
    clearTimeout(job.killTimer);
    job.thread.running.delete(job.runId);
    if (ack) {
      const ms = Date.now() - job.startedAt;
      if (ack.kind !== 'release') this.avgRunMs = this.avgRunMs === undefined ? ms : this.avgRunMs * 0.9 + ms * 0.1;
      this.settled.set(`${job.queue}\u0000${job.id}`, { attempt: job.attempt, agent: job.agent, ms });
      this.acks.add(job.queue, ack);
    } else {
      this.emitEvent({ type: 'job', state: 'lost', queue: job.queue, id: job.id, attempt: job.attempt, reason: 'lease lost' });
    }
    this.wake();
  }

  private onAcked(outcomes: AckOutcome[]): void {
    for (const { ack, queue, result } of outcomes) {
      const key = `${queue}\u0000${ack.id}`;
      const meta = this.settled.get(key);
      this.settled.delete(key);
      const base = { type: 'job' as const, queue, id: ack.id, attempt: meta?.attempt ?? 0, ...(meta ? { agent: meta.agent, durationMs: meta.ms } : {}) };
      if (!result.ok) {
        this.emitEvent({ ...base, state: 'lost', reason: result.error.message });
        continue;
      }
      if (ack.kind === 'complete') {
        this.processed++;
        this.emitEvent({ ...base, state: 'completed' });
      } else if (ack.kind === 'release') {
        this.emitEvent({ ...base, state: 'released' });
      } else {
        this.failed++;
        const next = result.value === 'dead' ? 'dead' : result.value === 'cancelled' ? 'cancelled' : 'retrying';
        this.emitEvent({ ...base, state: next, error: ack.error.message, reason: ack.reason });
      }
    }
  }

  private onProgress(notes: ProgressNote[]): void {
    const updates = notes.flatMap((n) => {
      const job = this.runs.get(n.runId);
      if (!job) return [];
      const update = { id: job.id, token: job.token, ...(n.fraction !== undefined ? { fraction: n.fraction } : {}), ...(n.message !== undefined ? { message: n.message } : {}), ...(n.log !== undefined ? { log: n.log } : {}) };
      return [{ queue: job.queue, update }];
    });
    for (const [queue, list] of groupBy(updates, (u) => u.queue)) {
      void this.adapter.reportProgress(queue, list.map((u) => u.update)).catch((err: unknown) => this.report(err));
    }
  }

  // ----------------------------------------------------- leases, registry

  /**
   * Extends the leases of running and held jobs, one call per queue; honours
   * cancel requests and lost leases. Held jobs that waited too long go back.
   */
  private async keepLeases(): Promise<void> {
    const stale = this.held.findIndex((h) => Date.now() - h.heldAt < PREFETCH_HOLD_MS);
    const old = stale === -1 ? this.held.length : stale;
    if (old > 0) {
      this.prefetchPaused = true;
      this.releaseHeld(old);
    }
    await this.keepHeldLeases();
    const leased = [...this.runs.values()].filter((job) => job.abortReason !== 'lease_lost');
    for (const [queue, jobs] of groupBy(leased, (job) => job.queue)) {
      try {
        const results = await this.adapter.extendLeases(queue, jobs.map((j) => ({ id: j.id, token: j.token })));
        results.forEach((r, i) => {
          const job = jobs[i] as RunningJob;
          if (!r.ok) this.abortJob(job, 'lease_lost');
          else if (r.value.cancelRequested) this.abortJob(job, 'cancelled');
        });
      } catch (err) {
        this.report(err);
      }
    }
  }

  private async keepHeldLeases(): Promise<void> {
    for (const [queue, jobs] of groupBy(this.held, (h) => h.queue)) {
      try {
        const results = await this.adapter.extendLeases(queue, jobs.map((h) => ({ id: h.item.action.id, token: h.item.lease.token })));
        results.forEach((r, i) => {
          const h = jobs[i] as HeldJob;
          if (r.ok && !r.value.cancelRequested) return;
          if (!this.held.includes(h)) return;
          this.held = this.held.filter((x) => x !== h);
          const id = h.item.action.id;
          if (!r.ok) this.emitEvent({ type: 'job', state: 'lost', queue, id, attempt: h.item.attempt, reason: 'lease lost' });
          else this.ackHeld(h, { kind: 'fail', id, token: h.item.lease.token, error: { message: 'cancelled', stack: '' }, retryable: true, reason: 'cancelled' });
        });
      } catch (err) {
        this.report(err);
      }
    }
  }

  private async heartbeat(beatMs: number): Promise<void> {
    if (this.state !== 'running') return;
    const info: WorkerInfo = {
      id: this.workerId,
      host: hostname(),
      pid: process.pid,
      queues: this.options.queues,
      threads: this.liveThreads().length,
      concurrency: this.concurrency,
      running: this.running,
      processed: this.processed,
      failed: this.failed,
      startedAt: this.startedAt,
      lastHeartbeat: Date.now(),
      agents: this.agentInfo.agents.map((a) => a.name),
    };
    await this.adapter.workers.heartbeat(info, beatMs * 5).catch(() => undefined);
  }

  private emitEvent(event: PoolEvent): void {
    this.emit('event', event);
  }

  private lastReported = 0;

  /** Reports a background error as an event, at most once a second for connection errors. */
  private report(err: unknown): void {
    const error = err instanceof Error ? err : new Error(String(err));
    if (isConnectionError(error)) {
      if (Date.now() - this.lastReported < 1000) return;
      this.lastReported = Date.now();
    }
    this.emitEvent({ type: 'error', error });
  }
}
