import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { AgentInfo, AgentLoadError } from '../../src-shared/agent';
import { PoolError, PoolErrorCode } from './errors';
import type { ProgressNote, RunResult } from './messages';
import type { PoolContext } from './pool-context';
import { InlineThread } from './inline-thread';
import { ThreadHandle, type ThreadDeath, workerPort } from './thread-handle';

/** Consecutive threads dying before they are ready that make the pool give up. */
const MAX_STARTUP_FAILURES = 3;

/** What the supervisor tells the rest of the pool. */
export interface SupervisorHooks {
  results(results: RunResult[]): void;
  progress(notes: ProgressNote[]): void;
  /** A thread died on its own: its runs must be failed or handed back. */
  died(thread: ThreadHandle, reason: ThreadDeath, error: Error): void;
  /** Threads keep dying at start-up after the pool started: it must stop. */
  fatal(error: PoolError): void;
}

/** Finds the built thread entry beside the running bundle (or the build output, when run from source). */
export function resolveThreadEntry(): string {
  const candidates = [
    join(__dirname, 'thread-entry.js'),
    join(__dirname, '..', 'thread-entry.js'),
    resolve(__dirname, '../../out/main/thread-entry.js'),
  ];
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new PoolError(
      PoolErrorCode.ThreadEntryMissing,
      `worker thread entry not found (looked at ${candidates.join(', ')}); run \`npm run build\``,
    );
  }
  return found;
}

/**
 * Thread supervision: spawns the worker threads, learns when they are ready,
 * replaces the ones that die (from a ready spare when there is one), retires
 * drained ones, and gives up when threads keep dying at start-up.
 */
export class ThreadSupervisor {
  private all: ThreadHandle[] = [];
  /** Started and ready, taking no work: the next replacement (see spawnSpare). */
  private spare: ThreadHandle | undefined;
  private startupFailures = 0;
  private firstReady: { resolve: () => void; reject: (err: Error) => void } | undefined;
  private agentInfo: { agents: AgentInfo[]; errors: AgentLoadError[] } = { agents: [], errors: [] };
  /** The thread entry; undefined with `workers: 'inline'`, whose one runtime runs on this thread. */
  private readonly entry: string | undefined;
  target: number;

  constructor(
    private readonly ctx: PoolContext,
    private readonly hooks: SupervisorHooks,
  ) {
    this.entry = this.inline ? undefined : (ctx.options.threadEntry ?? resolveThreadEntry());
    this.target = this.inline ? 1 : ctx.options.threads;
  }

  private get inline(): boolean {
    return this.ctx.options.workers === 'inline';
  }

  /** Every working thread, draining ones included. */
  get threads(): readonly ThreadHandle[] {
    return this.all;
  }

  get agents(): { agents: AgentInfo[]; errors: AgentLoadError[] } {
    return this.agentInfo;
  }

  /** Threads that are not draining or ended. */
  live(): ThreadHandle[] {
    return this.all.filter((t) => !t.ended && !t.draining);
  }

  /** A working thread is still starting (a replacement, a resize): its slots are about to free. */
  get starting(): boolean {
    return this.all.some((t) => !t.ended && !t.draining && !t.ready);
  }

  freeSlots(concurrency: number): number {
    let free = 0;
    for (const t of this.all) if (t.accepting) free += Math.max(0, concurrency - t.running.size);
    return free;
  }

  /** Spawns the threads; resolves once one is ready, rejects if they keep dying first. */
  start(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => (this.firstReady = { resolve, reject }));
    for (let i = 0; i < this.target; i++) this.spawn();
    return ready;
  }

  /** Changes the number of threads: spawns more, or drains the least busy (they retire once idle). */
  resize(threads: number): void {
    // Inline: one runtime on this thread, whatever `threads` says.
    if (this.inline) return;
    this.target = threads;
    const live = this.live();
    if (live.length < threads && this.ctx.state === 'running') {
      for (let i = live.length; i < threads; i++) this.spawn();
    } else if (live.length > threads) {
      const retire = [...live].sort((a, b) => a.running.size - b.running.size).slice(0, live.length - threads);
      for (const t of retire) {
        t.drain();
        this.retireIfIdle(t);
      }
    }
  }

  /** Drained threads with nothing left to run end now. */
  retireIdle(): void {
    for (const t of [...this.all]) this.retireIfIdle(t);
  }

  /**
   * A thread blocked by a run: it takes no more work and a replacement takes
   * its place now. Should the run finish after all, it retires.
   */
  relieve(thread: ThreadHandle, reason: string): void {
    thread.drain();
    this.ctx.emit({ type: 'thread', state: 'stalled', threadId: thread.id, reason });
    if (this.live().length < this.target) this.spawn();
    this.ctx.wake();
  }

  /** Ends a thread the pool gave up on (its runs already settled) and replaces it. */
  terminate(thread: ThreadHandle, reason: string): void {
    this.all = this.all.filter((t) => t !== thread);
    void thread.terminate();
    this.ctx.emit({ type: 'thread', state: 'died', threadId: thread.id, reason });
    if (this.ctx.state === 'running' && this.live().length < this.target) this.spawn();
  }

  /** Boots the spare once the queues run dry (or a second in). */
  spawnSpare(): void {
    // Inline: nothing to replace (the runtime cannot die without the process).
    if (this.inline || this.ctx.options.spareThread === false || this.spare || this.ctx.state !== 'running') return;
    this.spare = this.newThread();
  }

  async shutdown(): Promise<void> {
    const all = this.spare ? [...this.all, this.spare] : this.all;
    this.all = [];
    this.spare = undefined;
    await Promise.all(all.map((t) => t.terminate()));
  }

  /** A new working thread: the ready spare if there is one (no start-up wait), else a fresh one. */
  private spawn(): void {
    const spare = this.spare;
    if (spare?.ready) {
      this.spare = undefined;
      this.all.push(spare);
      this.spawnSpare();
      this.ctx.wake();
      return;
    }
    this.all.push(this.newThread());
  }

  private newThread(): ThreadHandle {
    const o = this.ctx.options;
    const data = { ...(o.agentsDir ? { agentsDir: o.agentsDir } : {}), ...(o.llm ? { llm: o.llm } : {}) };
    const entry = this.entry;
    const thread = new ThreadHandle((busy) =>
      entry === undefined ? new InlineThread(data, busy) : workerPort(entry, data, o.maxMemoryMb, busy),
    );
    thread.on('ready', (agents, errors) => {
      this.startupFailures = 0;
      this.agentInfo = { agents, errors };
      this.ctx.emit({ type: 'thread', state: 'ready', threadId: thread.id });
      if (this.firstReady) {
        this.ctx.emit({ type: 'agents', agents, errors });
        this.firstReady.resolve();
        this.firstReady = undefined;
      }
      this.ctx.wake();
    });
    thread.on('results', (results) => this.hooks.results(results));
    thread.on('progress', (notes) => this.hooks.progress(notes));
    thread.on('died', (reason, error, wasReady) => this.onDied(thread, reason, error, wasReady));
    return thread;
  }

  private onDied(thread: ThreadHandle, reason: ThreadDeath, error: Error, wasReady: boolean): void {
    this.all = this.all.filter((t) => t !== thread);
    if (thread === this.spare) this.spare = undefined;
    this.ctx.emit({ type: 'thread', state: 'died', threadId: thread.id, reason, error: error.message });
    this.hooks.died(thread, reason, error);
    if (!wasReady && ++this.startupFailures >= MAX_STARTUP_FAILURES) {
      const fatal = new PoolError(
        PoolErrorCode.ThreadsDyingAtStartup,
        `worker threads keep dying at start-up (${this.startupFailures} in a row): ${error.message}`,
        {
          cause: error,
        },
      );
      if (this.firstReady) this.firstReady.reject(fatal);
      else this.hooks.fatal(fatal);
      return;
    }
    if ((this.ctx.state === 'running' || this.firstReady) && this.live().length < this.target) this.spawn();
    this.spawnSpare();
    this.ctx.wake();
  }

  private retireIfIdle(thread: ThreadHandle): void {
    if (!thread.draining || thread.running.size > 0) return;
    this.all = this.all.filter((t) => t !== thread);
    void thread.terminate();
    this.ctx.emit({ type: 'thread', state: 'retired', threadId: thread.id });
  }
}
