import { HISTORY_BOUNDS_MS } from './history-keys';

/** What the history counts of one completed attempt, as the adapter that leased it knows it. */
export interface AttemptTiming {
  agent: string;
  /** ms from enqueue (or due time, or the previous attempt's end) to the lease, as the lease script reported; null if unknown. */
  waitMs: number | null;
  /** When it started here (performance.now()): its run time is until `endedAt`. */
  startedAt: number;
}

/** Index (1-based, as metrics.lua's mxBucket) of the bucket `ms` falls in. */
function bucket(ms: number): number {
  let i = 0;
  while (i < HISTORY_BOUNDS_MS.length && ms > HISTORY_BOUNDS_MS[i]!) i++;
  return i + 1;
}

/**
 * A batch of completed attempts as metrics.lua's history fields and
 * increments, summed per field (`c.|<agent>`, `w<i>.|<agent>`, `t<i>.|<agent>`,
 * `W.|<agent>`, `T.|<agent>`): complete-4 adds them to the minute's hash in
 * one pass instead of reading five fields of every job and summing in Lua.
 */
export function completedHistory(attempts: readonly AttemptTiming[], endedAt: number): Array<string | number> {
  const sums = new Map<string, number>();
  const add = (field: string, n: number): void => {
    sums.set(field, (sums.get(field) ?? 0) + n);
  };
  for (const a of attempts) {
    const sfx = '.|' + a.agent;
    add('c' + sfx, 1);
    if (a.waitMs !== null) {
      const wait = a.waitMs > 0 ? Math.round(a.waitMs) : 0;
      add('w' + bucket(wait) + sfx, 1);
      add('W' + sfx, wait);
    }
    const ran = endedAt - a.startedAt;
    const run = ran > 0 ? Math.round(ran) : 0;
    add('t' + bucket(run) + sfx, 1);
    add('T' + sfx, run);
  }
  const out: Array<string | number> = [];
  for (const [field, n] of sums) out.push(field, n);
  return out;
}
