import type { BulkResult, ConveyorApi } from '../../../../src-shared/contract';
import type { JobState } from '../../../../src-shared/job';
import { formatCount } from '../../lib/format';

/**
 * Bulk job commands: by ids (chunked to the contract's 10,000 per call) or
 * for a whole state (ids paged from the server first). Outcomes are per job,
 * so one refused job never hides the others.
 */

export type BulkOp = 'retry' | 'cancel' | 'remove';

const COMMAND = { retry: 'jobs.retry', cancel: 'jobs.cancel', remove: 'jobs.remove' } as const;
export const MAX_IDS_PER_CALL = 10_000;
/** Page size when collecting a state's ids (the server's maximum). */
const ID_PAGE = 1000;

export async function runBulk(api: ConveyorApi, op: BulkOp, queue: string, ids: readonly string[]): Promise<BulkResult> {
  const out: BulkResult = { ok: [], failed: [] };
  for (let i = 0; i < ids.length; i += MAX_IDS_PER_CALL) {
    const chunk = ids.slice(i, i + MAX_IDS_PER_CALL);
    const r = await api.call(COMMAND[op], { queue, ids: chunk });
    out.ok.push(...r.ok);
    out.failed.push(...r.failed);
  }
  return out;
}

/** Every id in a state, in the server's order, up to `max`. */
export async function idsInState(api: ConveyorApi, queue: string, state: JobState, max = 100_000): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.call('jobs.list', cursor === undefined ? { queue, state, limit: ID_PAGE } : { queue, state, cursor, limit: ID_PAGE });
    for (const job of page.jobs) ids.push(job.id);
    cursor = page.cursor;
  } while (cursor !== undefined && ids.length < max);
  return ids.slice(0, max);
}

const PAST: Record<BulkOp, string> = { retry: 'Retried', cancel: 'Cancelled', remove: 'Removed' };

/** "Retried 3 jobs. 1 refused: job 7: job "7" in queue "q" is active; …" */
export function describeBulk(op: BulkOp, r: BulkResult): string {
  const done = `${PAST[op]} ${formatCount(r.ok.length)} ${r.ok.length === 1 ? 'job' : 'jobs'}.`;
  if (r.failed.length === 0) return done;
  const shown = r.failed.slice(0, 3).map((f) => `${f.id}: ${f.error.message}`);
  const more = r.failed.length > 3 ? `; and ${formatCount(r.failed.length - 3)} more` : '';
  return `${done} ${formatCount(r.failed.length)} refused: ${shown.join('; ')}${more}.`;
}

/** Which whole-state actions make sense for a state. */
export function stateActions(state: JobState): BulkOp[] {
  const ops: BulkOp[] = [];
  if (state === 'dead' || state === 'cancelled') ops.push('retry');
  if (state === 'waiting' || state === 'delayed' || state === 'active') ops.push('cancel');
  ops.push('remove');
  return ops;
}
