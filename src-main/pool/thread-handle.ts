import { EventEmitter } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { AgentInfo, AgentLoadError } from '../../src-shared/agent';
import type { AbortReason, HostMessage, ProgressNote, RunJob, RunResult, ThreadData, ThreadMessage } from './messages';

/**
 * What a ThreadHandle drives: a worker thread (workerPort) or the in-process
 * runtime of `workers: 'inline'` (InlineThread). Both speak the same messages.
 */
export interface ThreadPort {
  readonly threadId: number;
  readonly isolated: boolean;
  postMessage(message: HostMessage): void;
  terminate(): Promise<unknown>;
  listen(on: { message(m: ThreadMessage): void; error(err: Error): void; exit(code: number): void }): void;
}

/** A worker thread running `entry` (thread-entry.ts), as a ThreadPort. */
export function workerPort(entry: string, data: ThreadData, maxMemoryMb: number, busy: SharedArrayBuffer): ThreadPort {
  const worker = new Worker(entry, {
    workerData: { ...data, busy },
    resourceLimits: { maxOldGenerationSizeMb: maxMemoryMb },
    // A thread's console output goes to the host's, unbuffered.
    stdout: false,
    stderr: false,
  });
  return {
    threadId: worker.threadId,
    isolated: true,
    postMessage: (m) => worker.postMessage(m),
    terminate: () => worker.terminate(),
    listen: (on) => {
      worker.on('message', (m: ThreadMessage) => on.message(m));
      worker.on('error', (err) => on.error(err));
      worker.on('exit', (code) => on.exit(code));
    },
  };
}

/** Why a thread ended without being asked to. */
export type ThreadDeath = 'crashed' | 'out_of_memory';

export interface ThreadHandleEvents {
  ready: [agents: AgentInfo[], errors: AgentLoadError[]];
  results: [results: RunResult[]];
  progress: [notes: ProgressNote[]];
  /** The thread ended on its own (crash, process.exit, OOM); `error` says why. */
  died: [reason: ThreadDeath, error: Error, wasReady: boolean];
}

/**
 * One worker thread (or, with `workers: 'inline'`, the in-process runtime) as
 * the pool sees it: its run ids in flight, whether it is ready, draining (no
 * new work) or gone, and a way to end it.
 */
export class ThreadHandle extends EventEmitter<ThreadHandleEvents> {
  private static nextId = 1;
  readonly id = ThreadHandle.nextId++;
  readonly running = new Set<number>();
  /** False for an in-process runtime (`workers: 'inline'`): terminating it cannot stop what runs there. */
  readonly isolated: boolean;
  private readonly port: ThreadPort;
  private state: 'starting' | 'ready' | 'draining' | 'ended' = 'starting';
  private lastError: Error | undefined;
  private readonly busy = new Int32Array(new SharedArrayBuffer(4));

  /** `spawn` starts the thread (or the in-process runtime) with the shared `busy` word. */
  constructor(spawn: (busy: SharedArrayBuffer) => ThreadPort) {
    super();
    this.port = spawn(this.busy.buffer as SharedArrayBuffer);
    this.isolated = this.port.isolated;
    this.port.listen({
      message: (m) => this.onMessage(m),
      error: (err) => {
        this.lastError = err;
      },
      exit: (code) => this.onExit(code),
    });
  }

  get ready(): boolean {
    return this.state === 'ready';
  }

  /** Ready and taking new work. */
  get accepting(): boolean {
    return this.state === 'ready';
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  get threadId(): number {
    return this.port.threadId;
  }

  /**
   * The run whose synchronous start the thread is executing (or was, when it
   * died), else 0. A thread stuck or dead inside such a start was put there by that run.
   */
  get busyWith(): number {
    return Atomics.load(this.busy, 0);
  }

  run(jobs: RunJob[]): void {
    for (const j of jobs) this.running.add(j.runId);
    this.send({ type: 'run', jobs });
  }

  abort(runId: number, reason: AbortReason): void {
    this.send({ type: 'abort', runId, reason });
  }

  /** Flows: answers a run's request for its job's step memo and children's results. */
  flowState(runId: number, state: string): void {
    this.send({ type: 'flow-state', runId, state });
  }

  /** Stops new work; the pool terminates the thread once its running jobs are done. */
  drain(): void {
    if (this.state === 'ready' || this.state === 'starting') this.state = 'draining';
  }

  get draining(): boolean {
    return this.state === 'draining';
  }

  /** Ends the thread now; no `died` event follows. */
  async terminate(): Promise<void> {
    if (this.state === 'ended') return;
    this.state = 'ended';
    await this.port.terminate();
  }

  private send(message: HostMessage): void {
    if (this.state !== 'ended') this.port.postMessage(message);
  }

  private onMessage(m: ThreadMessage): void {
    switch (m.type) {
      case 'ready':
        if (this.state === 'starting') this.state = 'ready';
        this.emit('ready', m.agents, m.errors);
        break;
      case 'results':
        for (const r of m.results) this.running.delete(r.runId);
        this.emit('results', m.results);
        break;
      case 'progress':
        this.emit('progress', m.notes);
        break;
    }
  }

  private onExit(code: number): void {
    if (this.state === 'ended') return;
    const wasReady = this.state !== 'starting';
    this.state = 'ended';
    const err = this.lastError ?? new Error(`worker thread exited with code ${code}`);
    const oom = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
    this.emit('died', oom ? 'out_of_memory' : 'crashed', err, wasReady);
  }
}
