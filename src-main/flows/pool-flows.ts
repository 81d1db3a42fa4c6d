/** The pool's side of flows inside agents: answering a run's state request, and suspending a run (host thread). */
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';
import type { FlowResumeState, SuspendSpec } from './agent-flow';

/** The step memo and children's results of a job, as its run asks for them. */
export async function flowStateOf(adapter: RedisQueueAdapter, queue: string, id: string): Promise<string> {
  const state: FlowResumeState = await adapter.flows.resumeState(queue, id);
  return JSON.stringify(state);
}

/** A run that spawned children: its job goes to waiting-children (fenced by its lease) and the children are enqueued. */
export async function suspendRun(adapter: RedisQueueAdapter, queue: string, id: string, token: string, spec: string): Promise<void> {
  const s = JSON.parse(spec) as SuspendSpec;
  await adapter.flows.suspend(queue, id, token, s);
}
