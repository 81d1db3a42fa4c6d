import type { JobRecord, JobState } from '../../../../src-shared/job';

/**
 * Wait and run time of a job: waited from creation (or its due time) to the
 * start of its last attempt; ran from that start to its end (or to `now` while
 * it runs). Undefined when the job has not got that far.
 */
export function jobTimes(job: JobRecord, now: number): { waitMs?: number; runMs?: number } {
  const last = job.attempts[job.attempts.length - 1];
  const started = last?.startedAt ?? last?.leasedAt;
  if (started === undefined) return {};
  const queuedSince =
    job.attempts.length === 1 ? Math.max(job.createdAt, job.runAt ?? 0) : (job.attempts[job.attempts.length - 2]?.endedAt ?? job.createdAt);
  const end = last?.endedAt ?? (job.state === 'active' ? now : undefined);
  const out: { waitMs?: number; runMs?: number } = { waitMs: Math.max(started - Math.min(queuedSince, started), 0) };
  if (end !== undefined) out.runMs = Math.max(end - started, 0);
  return out;
}

/** What the Result panel says when there is no result. */
export function resultNote(state: JobState): string {
  switch (state) {
    case 'completed':
      return 'The agent returned nothing.';
    case 'dead':
      return 'No result: the job failed for good.';
    case 'cancelled':
      return 'No result: the job was cancelled.';
    default:
      return 'No result yet.';
  }
}
