/**
 * Flows inside an agent (runs in the worker thread; keep it light): `ctx.step`
 * and `ctx.children`. The replay model: a job that spawns children suspends
 * (its run ends, its slot is given back) and, once they have ended, runs
 * again FROM THE TOP. `ctx.step(name, fn)` runs `fn` on the first pass and
 * returns its stored value on every later one; `ctx.children(name, specs)`
 * suspends on the first pass and returns the children's results on the next.
 * The step values are stored on the job when it suspends.
 */
import type { AgentChildResult, AgentChildSpec } from '../../src-shared/agent';

/** What the host reads for a resumed run: the stored step values and the children's results. */
export interface FlowResumeState {
  memo: Record<string, unknown>;
  children: AgentChildResult[];
}

/** What a suspending run hands the host. */
export interface SuspendSpec {
  name: string;
  children: AgentChildSpec[];
  memo: Record<string, unknown>;
}

/** Thrown through the agent by `ctx.children` to end the run as a suspension (do not catch it). */
export class SuspendSignal extends Error {
  override name = 'SuspendSignal';
  constructor(readonly spec: SuspendSpec) {
    super(`suspended until the children of "${spec.name}" end`);
  }
}

/** `ctx.step(name, fn)` of a run whose job's state is `state` (asked of the host once, when first needed). */
export async function runStep<T>(state: Promise<FlowResumeState>, name: string, fn: () => T | Promise<T>): Promise<T> {
  const s = await state;
  const key = `s:${name}`;
  if (key in s.memo) return s.memo[key] as T;
  const value = await fn();
  s.memo[key] = value === undefined ? null : value;
  return value;
}

/** `ctx.children(name, children)` of job `jobId`'s run: its children's results on a resumed run, else a suspension. */
export async function runChildren(
  state: Promise<FlowResumeState>,
  jobId: string,
  name: string,
  children: AgentChildSpec[],
): Promise<AgentChildResult[]> {
  const s = await state;
  const prefix = `${jobId}.${name}.`;
  const mine = s.children.filter((c) => c.id.startsWith(prefix));
  if (mine.length > 0) return mine;
  throw new SuspendSignal({ name, children, memo: s.memo });
}
