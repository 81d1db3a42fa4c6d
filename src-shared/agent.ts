/**
 * The agent contract: what a module in `workers.agents_dir` (or a built-in)
 * default-exports. Agents run inside worker threads, many at once per thread.
 */

export interface AgentContext {
  /** Fires on timeout, cancel or shutdown; agents should stop promptly. */
  signal: AbortSignal;
  /** Reports progress, 0..1, with an optional message; stored on the job and evented. */
  progress(fraction: number, message?: string): void;
  /** Appends a line to the job's log; stored on the job and evented. */
  log(line: string): void;
  jobId: string;
  /** 1 for the first attempt. */
  attempt: number;
  /**
   * Reports what the run cost (LLM tokens, say); reports add up. A queue's or
   * group's `points` limit debits it once the job ends (issue #18). Always set
   * in a pool; optional for contexts built by hand.
   */
  cost?(points: number): void;
  /**
   * Flows (README "Flows", "Inside an agent"), in a WorkerPool: runs `fn` once for this job and
   * stores its value; when the job runs again after a suspension, returns the stored value.
   */
  step?<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
  /**
   * Flows, in a WorkerPool: enqueues `children` and suspends the job (its slot is given back) until
   * they end; the job then runs again from the top and this call returns their results.
   */
  children?(name: string, children: AgentChildSpec[]): Promise<AgentChildResult[]>;
}

/** A child an agent spawns with `ctx.children`. */
export interface AgentChildSpec {
  queue: string;
  agent: string;
  input?: unknown;
  /** What its failure does to this job: fail (default), ignore, continue, remove. */
  onFailure?: 'fail' | 'ignore' | 'continue' | 'remove';
}

/** How a spawned child ended. */
export interface AgentChildResult {
  queue: string;
  id: string;
  outcome: 'pending' | 'completed' | 'dead' | 'cancelled' | 'removed';
  result?: unknown;
  error?: string;
}

export interface Agent<I = unknown, O = unknown> {
  name: string;
  description: string;
  run(input: I, ctx: AgentContext): Promise<O> | O;
}

/** What the control center and `agents.list` show about an agent. */
export interface AgentInfo {
  name: string;
  description: string;
  /** 'builtin', 'plugin' (from agents_dir, with its path) or 'llm' (from config). */
  kind: 'builtin' | 'plugin' | 'llm';
  source?: string;
}

/** A plug-in module that failed to load, reported with its path. */
export interface AgentLoadError {
  path: string;
  error: string;
}
