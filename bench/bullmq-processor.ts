/**
 * BullMQ's processor for the processing measurements: runs the same built-in
 * agent code as Conveyor's worker threads (echo returns its input, hash
 * iterates SHA-256), progress going to `job.updateProgress` as Conveyor's goes
 * to the job. An in-process Worker imports it; a sandboxed one loads the built
 * file (out/bench/bullmq-processor.js) in each of its worker threads.
 */
import type { Agent, AgentContext } from '../src-shared/agent';
import echo from '../src-main/agents/builtin/echo';
import hash from '../src-main/agents/builtin/hash';

const AGENTS = new Map<string, Agent>([echo, hash].map((a) => [a.name, a as Agent]));

/** What the processor needs of a BullMQ `Job` (in-process) or `SandboxedJob` (in a worker thread). */
export interface AgentJob {
  id?: string;
  data: { agent: string; input: unknown };
  attemptsMade?: number;
  updateProgress(progress: number): Promise<unknown>;
}

/** Nothing aborts a bench job. */
const NEVER = new AbortController().signal;

export default async function runAgentJob(job: AgentJob): Promise<unknown> {
  const agent = AGENTS.get(job.data.agent);
  if (!agent) throw new Error(`bench processor: unknown agent ${JSON.stringify(job.data.agent)}`);
  const ctx: AgentContext = {
    signal: NEVER,
    jobId: job.id ?? '',
    attempt: (job.attemptsMade ?? 0) + 1,
    progress: (fraction) => void job.updateProgress(fraction).catch(() => undefined),
    log: () => undefined,
  };
  return agent.run(job.data.input, ctx);
}
