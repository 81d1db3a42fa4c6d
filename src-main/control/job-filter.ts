/**
 * The agent filter of the Jobs view, run here rather than over the rows a
 * front end happens to hold (issue #17: "Agent = echo" said "No waiting jobs"
 * while echo jobs waited, and "Remove all waiting" removed every agent's jobs).
 *
 * The queue port lists a state in pages; a filtered page pages through it and
 * keeps the jobs of one agent. Each call looks at no more than a budget of
 * jobs, so a rare agent in a long list costs several calls, each bounded, and
 * a page may come back short (even empty) with a cursor to go on from.
 */
import type { JobPage, JobRecord, JobState } from '../../src-shared/job';
import type { QueuePort } from '../queue/port';

/** What the filter needs of the adapter. */
export type JobLister = Pick<QueuePort, 'listJobs'>;

/** Adapter page size while filtering; a cursor's in-page offset counts in pages of this size. */
export const FILTER_PAGE = 500;
/** Jobs looked at per call, at most (a page may overshoot it by less than one adapter page). */
export const SCAN_BUDGET = 5000;
/** Ids gathered per `jobs.ids` call, at most. */
export const ID_BUDGET = 10_000;

export interface FilteredPage extends JobPage {
  /** Jobs looked at for this page. */
  scanned: number;
}

/** The agent a job asks for: the stored field, or the payload's for jobs that lack it. */
export function agentOf(job: JobRecord): string | undefined {
  if (job.agent !== undefined) return job.agent;
  const payload = job.item?.message.payload;
  if (typeof payload === 'object' && payload !== null && typeof (payload as { agent?: unknown }).agent === 'string') {
    return (payload as { agent: string }).agent;
  }
  return undefined;
}

/** `<offset in the adapter page>:<adapter cursor>`; the adapter's own cursor is opaque here. */
function encodeCursor(at: string | undefined, skip: number): string {
  return `${skip}:${at ?? ''}`;
}

function decodeCursor(cursor: string | undefined): { at: string | undefined; skip: number } {
  if (cursor === undefined) return { at: undefined, skip: 0 };
  const colon = cursor.indexOf(':');
  if (colon < 0) return { at: cursor, skip: 0 };
  const skip = Math.max(Number(cursor.slice(0, colon)) || 0, 0);
  const at = cursor.slice(colon + 1);
  return { at: at === '' ? undefined : at, skip };
}

/**
 * Up to `limit` jobs of `agent` in `state`, from `cursor` on, in the adapter's
 * order, looking at about `budget` jobs at most. `cursor` is absent on the result
 * only once the whole state has been looked at.
 */
export async function listByAgent(
  adapter: JobLister,
  queue: string,
  state: JobState,
  agent: string,
  opts: { cursor?: string; limit: number; budget?: number },
): Promise<FilteredPage> {
  const budget = opts.budget ?? SCAN_BUDGET;
  let { at, skip } = decodeCursor(opts.cursor);
  const jobs: JobRecord[] = [];
  let scanned = 0;
  for (;;) {
    const page = await adapter.listJobs(queue, state, { ...(at === undefined ? {} : { cursor: at }), limit: FILTER_PAGE });
    for (let i = skip; i < page.jobs.length; i++) {
      const job = page.jobs[i] as JobRecord;
      scanned++;
      if (agentOf(job) === agent) jobs.push(job);
      if (jobs.length >= opts.limit) {
        const more = i + 1 < page.jobs.length || page.cursor !== undefined;
        return more ? { jobs, cursor: encodeCursor(at, i + 1), scanned } : { jobs, scanned };
      }
    }
    if (page.cursor === undefined) return { jobs, scanned };
    at = page.cursor;
    skip = 0;
    if (scanned >= budget) return { jobs, cursor: encodeCursor(at, 0), scanned };
  }
}

/** The next slice of the ids a filter selects (all of `state`, or only `agent`'s jobs). */
export async function collectIds(
  adapter: JobLister,
  queue: string,
  state: JobState,
  opts: { agent?: string; cursor?: string; budget?: number },
): Promise<{ ids: string[]; cursor?: string; scanned: number }> {
  const budget = opts.budget ?? ID_BUDGET;
  if (opts.agent !== undefined) {
    const page = await listByAgent(adapter, queue, state, opts.agent, {
      ...(opts.cursor === undefined ? {} : { cursor: opts.cursor }),
      limit: budget,
      budget,
    });
    return { ids: page.jobs.map((j) => j.id), scanned: page.scanned, ...(page.cursor === undefined ? {} : { cursor: page.cursor }) };
  }
  const ids: string[] = [];
  let cursor = opts.cursor;
  do {
    const page = await adapter.listJobs(queue, state, { ...(cursor === undefined ? {} : { cursor }), limit: 1000 });
    for (const job of page.jobs) ids.push(job.id);
    cursor = page.cursor;
  } while (cursor !== undefined && ids.length < budget);
  return { ids, scanned: ids.length, ...(cursor === undefined ? {} : { cursor }) };
}
