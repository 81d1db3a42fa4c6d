import { HISTORY_BOUNDS_MS } from './history-keys';

/** What the history counts of one completed attempt, as the adapter that leased it knows it. */
export interface AttemptTiming {
  agent: string;
  /** ms from enqueue (or due time, or the previous attempt's end) to the lease, as the lease script reported; null if unknown. */
  waitMs: number | null;
  /** ms from the start to the completion. */
  runMs: number;
}

/** Index (1-based, as metrics.lua's mxBucket) of the bucket `ms` falls in. */
function bucket(ms: number): number {
  const i = HISTORY_BOUNDS_MS.findIndex((b) => ms <= b);
  return i < 0 ? HISTORY_BOUNDS_MS.length + 1 : i + 1;
}

/**
 * A batch of completed attempts as metrics.lua's history fields and
 * increments, summed per field (`c.|<agent>`, `w<i>.|<agent>`, `t<i>.|<agent>`,
 * `W.|<agent>`, `T.|<agent>`): complete-4 adds them to the minute's hash in
 * one pass instead of reading five fields of every job and summing in Lua.
 */
export function completedHistory(attempts: readonly AttemptTiming[]): Array<string | number> {
  const sums = new Map<string, number>();
  const add = (field: string, n: number): void => void sums.set(field, (sums.get(field) ?? 0) + n);
  for (const a of attempts) {
    const sfx = `.|${a.agent}`;
    add('c' + sfx, 1);
    if (a.waitMs !== null) {
      const wait = Math.max(0, Math.round(a.waitMs));
      add(`w${bucket(wait)}${sfx}`, 1);
      add('W' + sfx, wait);
    }
    const run = Math.max(0, Math.round(a.runMs));
    add(`t${bucket(run)}${sfx}`, 1);
    add('T' + sfx, run);
  }
  return [...sums].flat();
}
