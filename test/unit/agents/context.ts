import type { AgentContext } from '../../../src-shared/agent';

/** An AgentContext that records what the agent reports, with its AbortController. */
export interface RecordingContext {
  ctx: AgentContext;
  progress: Array<[fraction: number, message: string | undefined]>;
  logs: string[];
  controller: AbortController;
}

export function recordingContext(attempt = 1): RecordingContext {
  const controller = new AbortController();
  const progress: RecordingContext['progress'] = [];
  const logs: string[] = [];
  return {
    ctx: {
      signal: controller.signal,
      progress: (fraction, message) => progress.push([fraction, message]),
      log: (line) => logs.push(line),
      jobId: 'job-1',
      attempt,
    },
    progress,
    logs,
    controller,
  };
}

/** What a run rejects with; fails the test if it resolves. */
export async function rejectionOf(run: unknown): Promise<unknown> {
  return Promise.resolve(run).then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (err: unknown) => err,
  );
}
