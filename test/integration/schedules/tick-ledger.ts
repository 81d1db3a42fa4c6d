/**
 * Reads what a schedule did from the queue itself: every job whose id is a
 * tick of the schedule (`<id>@<ms>`), in any state, and from those the
 * duplicate and missed ticks and the fire-time precision.
 */
import { JOB_STATES } from '../../../src-shared/job';
import type { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';

export interface TickJob {
  id: string;
  tick: number;
  createdAt: number;
}

export async function tickJobs(adapter: RedisQueueAdapter, queue: string, scheduleId: string): Promise<TickJob[]> {
  const out: TickJob[] = [];
  const re = new RegExp(`^${scheduleId.replace(/[.]/g, '\\.')}@(\\d+)$`);
  for (const state of JOB_STATES) {
    let cursor: string | undefined;
    do {
      const page = await adapter.listJobs(queue, state, { limit: 500, ...(cursor ? { cursor } : {}) });
      for (const job of page.jobs) {
        const m = re.exec(job.id);
        if (m) out.push({ id: job.id, tick: Number(m[1]), createdAt: job.createdAt });
      }
      cursor = page.cursor;
    } while (cursor);
  }
  return out.sort((a, b) => a.tick - b.tick);
}

export interface TickReport {
  jobs: number;
  /** Ticks with more than one job (impossible by id; counted anyway from the ticks). */
  duplicates: number;
  /** Ticks of `everyMs` between the first and the last job (inclusive) with no job, except those in `gaps`. */
  missed: number;
  first: number;
  last: number;
  /** created-at minus tick time, ms. */
  delays: number[];
}

export function report(jobs: TickJob[], everyMs: number, gaps: Array<[number, number]> = []): TickReport {
  const ticks = new Map<number, number>();
  for (const j of jobs) ticks.set(j.tick, (ticks.get(j.tick) ?? 0) + 1);
  const first = jobs[0]?.tick ?? 0;
  const last = jobs[jobs.length - 1]?.tick ?? 0;
  let missed = 0;
  for (let t = first; t <= last; t += everyMs) {
    if (!ticks.has(t) && !gaps.some(([a, b]) => t >= a && t <= b)) missed++;
  }
  return {
    jobs: jobs.length,
    duplicates: [...ticks.values()].filter((n) => n > 1).length,
    missed,
    first,
    last,
    delays: jobs.map((j) => j.createdAt - j.tick),
  };
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
}

export async function until(cond: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  // A failed look (Redis reconnecting) is a no.
  while (
    !(await Promise.resolve()
      .then(cond)
      .catch(() => false))
  ) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
