import type { BulkResult, ConveyorApi } from '../../../../src-shared/contract';
import type { JobState } from '../../../../src-shared/job';
import { formatCount } from '../../lib/format';

/**
 * Bulk job commands, always by ids (chunked to the contract's 10,000 per
 * call). A whole-state action first collects exactly the ids the filter
 * selects (state, and agent when one is picked), says how many, and then acts
 * on those ids and no others. Outcomes are per job, so one refused job never
 * hides the others.
 */

export type BulkOp = 'retry' | 'cancel' | 'remove';

const COMMAND = { retry: 'jobs.retry', cancel: 'jobs.cancel', remove: 'jobs.remove' } as const;
export const MAX_IDS_PER_CALL = 10_000;
/** A whole-state action collects at most this many ids. */
export const MAX_BULK_IDS = 100_000;

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

/** Every id the filter selects, in the server's order, up to `max` (the server filters by agent, a bounded slice per call). */
export async function selectIds(
  api: ConveyorApi,
  queue: string,
  state: JobState,
  agent: string | null,
  max = MAX_BULK_IDS,
): Promise<{ ids: string[]; truncated: boolean }> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const slice = await api.call('jobs.ids', {
      queue,
      state,
      ...(agent === null ? {} : { agent }),
      ...(cursor === undefined ? {} : { cursor }),
    });
    ids.push(...slice.ids);
    cursor = slice.cursor;
  } while (cursor !== undefined && ids.length < max);
  return { ids: ids.slice(0, max), truncated: cursor !== undefined || ids.length > max };
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

/** Whether the queue accepts `op` for a job in `state` (the adapter refuses the rest). */
export function allows(op: BulkOp, state: JobState): boolean {
  switch (op) {
    case 'retry':
      return state === 'dead' || state === 'cancelled';
    case 'cancel':
      return state === 'waiting' || state === 'delayed' || state === 'active';
    case 'remove':
      return state !== 'active';
  }
}

/** Why `op` cannot apply to a job in `state`, in words; undefined when it can. */
export function refusal(op: BulkOp, state: JobState): string | undefined {
  if (allows(op, state)) return undefined;
  switch (op) {
    case 'retry':
      return `only dead or cancelled jobs can be retried; this one is ${state}`;
    case 'cancel':
      return `only waiting, delayed or running jobs can be cancelled; this one is ${state}`;
    case 'remove':
      return 'a running job cannot be removed: cancel it first';
  }
}

/** Which whole-state actions make sense for a state: only those the queue would not refuse for every job. */
export function stateActions(state: JobState): BulkOp[] {
  return (['retry', 'cancel', 'remove'] as const).filter((op) => allows(op, state));
}

/** Why `op` cannot run on the selected jobs (some are in a state that refuses it), or undefined. */
export function selectionRefusal(op: BulkOp, states: readonly JobState[]): string | undefined {
  if (states.length === 0) return 'select jobs first';
  const refused = states.filter((st) => !allows(op, st));
  if (refused.length === 0) return undefined;
  const which = [...new Set(refused)].join(', ');
  const n = refused.length;
  return `${formatCount(n)} selected ${n === 1 ? 'job is' : 'jobs are'} ${which}: ${refusal(op, refused[0] as JobState) ?? ''}`;
}
