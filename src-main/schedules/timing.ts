import type { Cron } from 'croner';
import { MISFIRE_GRACE_MS, type ScheduleDefinition } from '../../src-shared/schedule';
import { parseCron } from './validate';

/**
 * When a schedule ticks. All instants are ms since the epoch; "now" is always
 * the Redis clock, read by the caller.
 *
 * Cron runs through croner in the schedule's zone (UTC by default). DST, as
 * croner does it (Vixie cron): a fixed-time job (one value in each of second,
 * minute, hour, e.g. `30 2 * * *`) runs once when its time occurs twice, and
 * at the end of the gap when it does not exist; any other job (`*`/5 * * * *`)
 * runs on both occurrences of a repeated hour and skips times in a gap.
 *
 * Intervals tick at start + k * every (start defaults to the epoch, so every
 * process and every upsert computes the same ticks).
 */
export class Timing {
  private readonly cron: Cron | undefined;

  constructor(private readonly def: Pick<ScheduleDefinition, 'cron' | 'tz' | 'everyMs' | 'startMs' | 'endMs'>) {
    this.cron = def.cron === undefined ? undefined : parseCron(def.cron, def.tz);
  }

  /** The first tick strictly after `t`, or null past the end. */
  nextAfter(t: number): number | null {
    const { startMs, endMs, everyMs } = this.def;
    let next: number | null;
    if (startMs !== undefined && t < startMs) t = startMs - 1;
    if (everyMs !== undefined) {
      const anchor = startMs ?? 0;
      next = anchor + (Math.floor((t - anchor) / everyMs) + 1) * everyMs;
    } else {
      next = this.cron?.nextRun(new Date(t))?.getTime() ?? null;
    }
    return next !== null && endMs !== undefined && next > endMs ? null : next;
  }

  /** The next `n` ticks after `t`. */
  nextRuns(t: number, n: number): number[] {
    const out: number[] = [];
    for (let next = this.nextAfter(t); next !== null && out.length < n; next = this.nextAfter(next)) out.push(next);
    return out;
  }

  /** Up to `n` latest ticks in [from, to], ascending. */
  latestIn(from: number, to: number, n: number): number[] {
    const { startMs, endMs, everyMs } = this.def;
    const lo = Math.max(from, startMs ?? -Infinity);
    const hi = Math.min(to, endMs ?? Infinity);
    if (hi < lo) return [];
    let ticks: number[];
    if (everyMs !== undefined) {
      const anchor = startMs ?? 0;
      const last = anchor + Math.floor((hi - anchor) / everyMs) * everyMs;
      ticks = [];
      for (let t = last; t >= lo && ticks.length < n; t -= everyMs) ticks.push(t);
      return ticks.reverse();
    }
    // Forward from `lo` while that is short (a scheduler that keeps up has one or two ticks due), else back from `hi`.
    ticks = [];
    for (let t = this.nextAfter(lo - 1), steps = 0; t !== null && t <= hi; t = this.nextAfter(t), steps++) {
      if (steps >= 2 * n) {
        return (this.cron?.previousRuns(n, new Date(hi + 1)) ?? [])
          .map((d) => d.getTime())
          .filter((x) => x >= lo)
          .reverse();
      }
      ticks.push(t);
    }
    return ticks.slice(-n);
  }
}

export interface TickPlan {
  /** Ticks that get a job, ascending. */
  fire: number[];
  /** The latest due tick: every tick up to it is handled (fired or skipped). */
  handledUpTo: number;
  /** Due ticks that get no job. */
  skipped: number;
  /** The first tick after now, or null past the end. */
  next: number | null;
}

/** Ticks considered per catch-up: more than any `each` limit, and cheap (cron ticks are walked back one by one). */
const WINDOW = 1001;

/**
 * What a scheduler does with a schedule whose earliest unclaimed tick is
 * `dueFrom` at time `now`: the latest due tick runs if it is on time (within
 * MISFIRE_GRACE_MS), and the catch-up policy decides the missed ones.
 * Null when nothing is due.
 */
export function planTicks(
  timing: Timing,
  def: Pick<ScheduleDefinition, 'catchUp' | 'catchUpLimit' | 'everyMs'>,
  dueFrom: number,
  now: number,
): TickPlan | null {
  if (dueFrom > now) return null;
  const due = timing.latestIn(dueFrom, now, WINDOW);
  const latest = due[due.length - 1];
  const next = timing.nextAfter(now);
  if (latest === undefined) return { fire: [], handledUpTo: now, skipped: 0, next };
  // How many ticks were due in all (the window may hold only the latest of them).
  const total = def.everyMs !== undefined ? Math.floor((latest - dueFrom) / def.everyMs) + 1 : due.length;
  const onTime = now - latest <= MISFIRE_GRACE_MS;
  const missed = onTime ? due.slice(0, -1) : due;
  let fire: number[];
  switch (def.catchUp) {
    case 'skip':
      fire = [];
      break;
    case 'once':
      fire = missed.slice(-1);
      break;
    case 'each':
      fire = missed.slice(-def.catchUpLimit);
      break;
  }
  // 'once' folds the missed ticks into the on-time one when there is one.
  if (onTime) fire = def.catchUp === 'once' ? [latest] : [...fire, latest];
  return { fire, handledUpTo: latest, skipped: total - fire.length, next };
}
