import type { AgentInfo, AgentLoadError } from '../../src-shared/agent';

/**
 * Messages between the pool (host thread) and its worker threads. Everything
 * is batched: one `run` carries many jobs, one `results` many outcomes, so a
 * busy pool sends few messages, not one per job.
 */

/** Given to each thread at spawn. */
export interface ThreadData {
  agentsDir?: string;
  /** LLM agents from config.yml's `agents:` section. */
  llm?: Record<string, unknown>;
  /**
   * One Int32 the thread sets to a run id while that run's synchronous start
   * executes, and back to 0 after. Shared memory stays readable when the
   * thread is stuck in a loop or dead, so the host can tell which job did it.
   */
  busy?: SharedArrayBuffer;
}

export interface RunJob {
  /** Host-assigned, unique per dispatch. */
  runId: number;
  jobId: string;
  attempt: number;
  agent: string;
  input: unknown;
  /**
   * Date.now() past which the run must not start: its lease would be over, or too near its end to
   * renew, by the Redis clock (the host's own check at dispatch, made again where the run starts,
   * since a process stalled in between, say SIGSTOPped, finds the message waiting when it resumes).
   */
  startBy?: number;
}

export type AbortReason = 'timeout' | 'cancelled' | 'shutdown' | 'lease_lost';

export type HostMessage =
  | { type: 'run'; jobs: RunJob[] }
  | { type: 'abort'; runId: number; reason: AbortReason }
  // Flows: the answer to a ProgressNote's `flowState` (src-main/flows/agent-flow.ts FlowResumeState as JSON).
  | { type: 'flow-state'; runId: number; state: string };

export interface SerializedError {
  name: string;
  message: string;
  stack: string;
  /** false for errors no retry can fix (unknown agent, invalid input). */
  retryable: boolean;
  /** A RateLimitedError (a 429): wait this long, attempt unspent, the job's group paused. */
  retryAfterMs?: number;
  /** The run was not started: it came past its `startBy`. */
  notStarted?: true;
}

/**
 * `suspend` (flows): the run spawned children and waits for them (JSON of src-main/flows/agent-flow.ts SuspendSpec).
 * `cost`: what the agent reported with ctx.cost (points limits, issue #18).
 */
export type RunResult = (
  { runId: number; ok: true; json: string; suspend?: string } | { runId: number; ok: false; error: SerializedError }
) & { cost?: number };

export interface ProgressNote {
  runId: number;
  fraction?: number;
  message?: string;
  log?: string;
  /** Flows: the run asks for its job's step memo and children's results (answered by a `flow-state` message). */
  flowState?: true;
}

export type ThreadMessage =
  | { type: 'ready'; agents: AgentInfo[]; errors: AgentLoadError[] }
  | { type: 'results'; results: RunResult[] }
  | { type: 'progress'; notes: ProgressNote[] };
