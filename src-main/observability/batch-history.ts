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

function pushBuckets(out: Array<string | number>, kind: 'w' | 't', buckets: readonly number[], sfx: string): void {
  for (let i = 0; i < buckets.length; i++) if (buckets[i]! > 0) out.push(`${kind}${i + 1}${sfx}`, buckets[i]!);
}

/** One agent's share of a batch: counts per bucket and sums, as plain numbers (no string per job). */
interface AgentSums {
  count: number;
  waitBuckets: number[];
  waitSum: number;
  waited: boolean;
  runBuckets: number[];
  runSum: number;
}

/**
 * A batch of completed attempts as metrics.lua's history fields and
 * increments, summed per field (`c.|<agent>`, `w<i>.|<agent>`, `t<i>.|<agent>`,
 * `W.|<agent>`, `T.|<agent>`): complete-4 adds them to the minute's hash in
 * one pass instead of reading five fields of every job and summing in Lua.
 * Summed per agent first, so the field names are built once per agent, not per job.
 */
export function completedHistory(attempts: readonly AttemptTiming[], endedAt: number): Array<string | number> {
  const byAgent = new Map<string, AgentSums>();
  const slots = HISTORY_BOUNDS_MS.length + 1;
  for (const a of attempts) {
    let s = byAgent.get(a.agent);
    if (!s) {
      s = {
        count: 0,
        waitBuckets: new Array<number>(slots).fill(0),
        waitSum: 0,
        waited: false,
        runBuckets: new Array<number>(slots).fill(0),
        runSum: 0,
      };
      byAgent.set(a.agent, s);
    }
    s.count++;
    if (a.waitMs !== null) {
      const wait = a.waitMs > 0 ? Math.round(a.waitMs) : 0;
      s.waitBuckets[bucket(wait) - 1]! += 1;
      s.waitSum += wait;
      s.waited = true;
    }
    const ran = endedAt - a.startedAt;
    const run = ran > 0 ? Math.round(ran) : 0;
    s.runBuckets[bucket(run) - 1]! += 1;
    s.runSum += run;
  }
  const out: Array<string | number> = [];
  for (const [agent, s] of byAgent) {
    const sfx = '.|' + agent;
    out.push('c' + sfx, s.count);
    pushBuckets(out, 'w', s.waitBuckets, sfx);
    if (s.waited) out.push('W' + sfx, s.waitSum);
    pushBuckets(out, 't', s.runBuckets, sfx);
    out.push('T' + sfx, s.runSum);
  }
  return out;
}
