import type { Agent, AgentContext } from '../../src-shared/agent';
import type { AgentsConfig } from '../../src-shared/config-schema';
import { loadAgents, unknownAgentMessage } from '../agents/registry';
import { type FlowResumeState, SuspendSignal, runChildren, runStep } from '../flows/agent-flow';
import type { AbortReason, HostMessage, ProgressNote, RunJob, RunResult, SerializedError, ThreadData, ThreadMessage } from './messages';

/** Thrown into an agent's signal when the host aborts its run. */
export class RunAbortedError extends Error {
  constructor(readonly reason: AbortReason) {
    super(`aborted: ${reason}`);
    this.name = 'AbortError';
  }
}

/** Where a run's ctx keeps its RunSignal, for `signalOf`. */
const RUN = Symbol('conveyor.run');

/**
 * `ctx.signal` of every run: one getter function for all of them. A getter
 * written in each ctx's literal is a new closure per run, and V8 then makes a
 * new hidden class for every ctx (0.9 µs and about 1 kB per job, measured).
 */
function signalOf(this: { [RUN]: RunSignal }): AbortSignal {
  return this[RUN].signal;
}

/** An error no retry can fix; the job goes to dead at once. */
export class NonRetryableError extends Error {
  override name = 'NonRetryableError';
}

function serializeError(err: unknown, retryable = true): SerializedError {
  if (err instanceof Error) {
    const out: SerializedError = {
      name: err.name,
      message: err.message || err.name,
      stack: err.stack ?? '',
      retryable: retryable && !(err instanceof NonRetryableError) && (err as { retryable?: unknown }).retryable !== false,
    };
    // A RateLimitedError (conveyor/agents), or any error that says how long to wait like one.
    const wait = (err as { retryAfterMs?: unknown }).retryAfterMs;
    if (typeof wait === 'number' && Number.isFinite(wait) && wait >= 0) out.retryAfterMs = wait;
    return out;
  }
  return { name: 'Error', message: typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err)), stack: '', retryable };
}

/**
 * A run's abort signal, made when the agent first reads `ctx.signal`: an
 * AbortController per job was a quarter of a thread's CPU time on echo jobs
 * (createAbortSignal, bench e2e profile), and most short agents never look.
 */
class RunSignal {
  private controller: AbortController | undefined;
  private reason: RunAbortedError | undefined;

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.reason) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: RunAbortedError): void {
    this.reason ??= reason;
    this.controller?.abort(reason);
  }
}

/**
 * What runs inside a worker thread (or, with `workers: 'inline'`, on the
 * pool's own thread: inline-thread.ts): many agent runs at once, each with
 * its own abort signal. Results and progress are collected and posted in batches,
 * once per turn of the event loop.
 */
export class ThreadRuntime {
  private readonly running = new Map<number, RunSignal>();
  /** What each run reported with ctx.cost, sent with its result. */
  private readonly costs = new Map<number, number>();
  private results: RunResult[] = [];
  private notes: ProgressNote[] = [];
  private flushScheduled = false;
  /** Flows: runs waiting for their job's state from the host. */
  private readonly flowStates = new Map<number, (state: FlowResumeState) => void>();
  /** Flows: each run's request for its job's state, made when ctx.step or ctx.children is first called. */
  private readonly flowLoads = new Map<number, Promise<FlowResumeState>>();

  private readonly busy: Int32Array;

  constructor(
    private readonly agents: Map<string, Agent>,
    private readonly post: (message: ThreadMessage) => void,
    private readonly unknownAgent: (name: string) => string,
    busy: SharedArrayBuffer = new SharedArrayBuffer(4),
  ) {
    this.busy = new Int32Array(busy);
  }

  handle(message: HostMessage): void {
    if (message.type === 'run') {
      const runs: Array<() => void> = [];
      for (const job of message.jobs) {
        const run = this.prepare(job);
        if (run) runs.push(run);
      }
      // Started on a later turn, all of them in it: every run of the batch is registered (an abort finds it)
      // before any agent code runs. One immediate per batch, not per job.
      if (runs.length > 0) setImmediate(() => runs.forEach((run) => run()));
    } else if (message.type === 'flow-state') {
      this.flowStates.get(message.runId)?.(JSON.parse(message.state) as FlowResumeState);
      this.flowStates.delete(message.runId);
    } else {
      this.running.get(message.runId)?.abort(new RunAbortedError(message.reason));
    }
  }

  /** Aborts every run (an in-process runtime being ended: nothing can be killed, so each is asked to stop). */
  abortAll(reason: AbortReason): void {
    for (const run of this.running.values()) run.abort(new RunAbortedError(reason));
  }

  get size(): number {
    return this.running.size;
  }

  /** Registers a run and builds its ctx; returns what starts it (undefined when it cannot run). */
  private prepare(job: RunJob): (() => void) | undefined {
    const agent = this.agents.get(job.agent);
    if (!agent) {
      this.finish({ runId: job.runId, ok: false, error: serializeError(new NonRetryableError(this.unknownAgent(job.agent))) });
      return undefined;
    }
    const run = new RunSignal();
    this.running.set(job.runId, run);
    // Every member an own property (a spread copy of ctx keeps them); the closures share one scope.
    const members: Omit<AgentContext, 'signal'> & { [RUN]: RunSignal } = {
      [RUN]: run,
      jobId: job.jobId,
      attempt: job.attempt,
      progress: (fraction, message) => {
        if (!this.running.has(job.runId) || !Number.isFinite(fraction)) return;
        const note: ProgressNote = { runId: job.runId, fraction: Math.min(Math.max(fraction, 0), 1) };
        if (message !== undefined) note.message = String(message);
        this.note(note);
      },
      log: (line) => {
        if (this.running.has(job.runId)) this.note({ runId: job.runId, log: String(line) });
      },
      // Flows (agent-flow.ts): the job's state is asked of the host when first needed.
      step: (name, fn) => runStep(this.flowLoad(job.runId), name, fn),
      children: (name, children) => runChildren(this.flowLoad(job.runId), job.jobId, name, children),
      cost: (points) => {
        if (this.running.has(job.runId) && Number.isFinite(points) && points > 0)
          this.costs.set(job.runId, (this.costs.get(job.runId) ?? 0) + points);
      },
    };
    const ctx: AgentContext = Object.defineProperty(members, 'signal', { get: signalOf, enumerable: true }) as typeof members & {
      readonly signal: AbortSignal;
    };
    return () => this.start(job, agent, ctx);
  }

  /** Runs the agent, unless the run came past its `startBy` (the process stalled since dispatch). */
  private start(job: RunJob, agent: Agent, ctx: AgentContext): void {
    const late = job.startBy === undefined ? 0 : Date.now() - job.startBy;
    if (late > 0) {
      const message = `not started: it came ${late} ms past the last moment its lease allowed a start`;
      this.finish({ runId: job.runId, ok: false, error: { name: 'LateStart', message, stack: '', retryable: true, notStarted: true } });
      return;
    }
    let started: unknown;
    // Marked while the agent's synchronous start runs: an endless loop or a crash there names its job.
    Atomics.store(this.busy, 0, job.runId);
    try {
      started = agent.run(job.input, ctx);
    } catch (err) {
      started = Promise.reject(err);
    } finally {
      Atomics.store(this.busy, 0, 0);
    }
    Promise.resolve(started).then(
      (value) => this.finish(this.encode(job.runId, value)),
      (err: unknown) =>
        this.finish(
          err instanceof SuspendSignal
            ? { runId: job.runId, ok: true, json: 'null', suspend: JSON.stringify(err.spec) }
            : { runId: job.runId, ok: false, error: serializeError(err) },
        ),
    );
  }

  /** Flows: the run's request for its job's state, made once. */
  private flowLoad(runId: number): Promise<FlowResumeState> {
    let load = this.flowLoads.get(runId);
    if (!load) {
      load = new Promise((resolve) => {
        this.flowStates.set(runId, resolve);
        this.note({ runId, flowState: true });
      });
      this.flowLoads.set(runId, load);
    }
    return load;
  }

  private encode(runId: number, value: unknown): RunResult {
    try {
      return { runId, ok: true, json: JSON.stringify(value === undefined ? null : value) };
    } catch (err) {
      return {
        runId,
        ok: false,
        error: serializeError(new NonRetryableError(`result is not JSON-serializable: ${(err as Error).message}`)),
      };
    }
  }

  private finish(result: RunResult): void {
    this.running.delete(result.runId);
    this.flowStates.delete(result.runId);
    this.flowLoads.delete(result.runId);
    const cost = this.costs.get(result.runId);
    if (cost !== undefined) {
      this.costs.delete(result.runId);
      result.cost = cost;
    }
    this.results.push(result);
    this.schedule();
  }

  private note(note: ProgressNote): void {
    this.notes.push(note);
    this.schedule();
  }

  private schedule(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Posts what accumulated since the last flush: progress first, so it precedes the result it led to. */
  flush(): void {
    this.flushScheduled = false;
    if (this.notes.length > 0) {
      this.post({ type: 'progress', notes: this.notes });
      this.notes = [];
    }
    if (this.results.length > 0) {
      this.post({ type: 'results', results: this.results });
      this.results = [];
    }
  }
}

/**
 * Loads the agents `data` names and builds the runtime, with the `ready`
 * message to post once the caller routes host messages to it: the start-up
 * of a worker thread (thread-entry.ts) and of the in-process runtime
 * (inline-thread.ts) alike.
 */
export async function bootRuntime(
  data: ThreadData,
  post: (m: ThreadMessage) => void,
  busy?: SharedArrayBuffer,
): Promise<{ runtime: ThreadRuntime; ready: ThreadMessage }> {
  const { agents, infos, errors } = await loadAgents({
    ...(data.agentsDir ? { agentsDir: data.agentsDir } : {}),
    ...(data.llm ? { llm: data.llm as AgentsConfig } : {}),
  });
  const known = [...agents.keys()];
  const runtime = new ThreadRuntime(agents, post, (name) => unknownAgentMessage(name, known), busy);
  return { runtime, ready: { type: 'ready', agents: infos, errors } };
}
