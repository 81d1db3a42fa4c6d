import type { Attempt, AttemptOutcome, ReleaseReason } from '../../../../src-shared/job';

export const OUTCOME_TEXT: Record<AttemptOutcome, string> = {
  completed: 'completed',
  failed: 'failed',
  stalled: 'stalled (lost its lease)',
  cancelled: 'cancelled',
  released: 'released',
  crashed: 'crashed (its worker thread died)',
  out_of_memory: 'out of memory',
  timeout: 'timed out',
  suspended: 'suspended (waiting for the children it spawned)',
};

/** Why a worker handed a job back unrun or unfinished; none of these counts against its retries. */
export const RELEASE_TEXT: Record<ReleaseReason, string> = {
  shutdown: 'released (handed back at shutdown)',
  prefetch_hold: 'released (held too long before it could start)',
  neighbour_killed: 'released (its thread was replaced after another job crashed it)',
  outage: 'released (handed back during a Redis outage)',
  rate_limited: 'released (its group was rate limited; retried when the limit allows)',
};

/** An attempt's outcome in words; a release says why when the data says (older data: just "released"). */
export function outcomeText(a: Attempt): string | undefined {
  if (a.outcome === undefined) return undefined;
  if (a.outcome === 'released' && a.releaseReason !== undefined) return RELEASE_TEXT[a.releaseReason] ?? OUTCOME_TEXT.released;
  return OUTCOME_TEXT[a.outcome];
}
