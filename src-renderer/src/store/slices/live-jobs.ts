import type { JobRecord } from '../../../../src-shared/job';
import { rowFromRecord, sameRow, type JobRow } from './job-row';

/**
 * The live cache: per queue, the jobs most recently heard of (by event or
 * read), oldest first. Map order is recency: a touched job is re-inserted at
 * the end, and the front is evicted past the bound, so memory stays flat
 * however many jobs go by. The Jobs view pages the rest from the server.
 */
export type LiveJobs = ReadonlyMap<string, ReadonlyMap<string, JobRow>>;

export const MAX_JOBS_PER_QUEUE = 5000;

const EMPTY: ReadonlyMap<string, JobRow> = new Map();

export function liveRowsOf(live: LiveJobs, queue: string | null): ReadonlyMap<string, JobRow> {
  return (queue === null ? undefined : live.get(queue)) ?? EMPTY;
}

/** Moves `id` to the most recent end. */
export function touch(map: Map<string, JobRow>, row: JobRow): void {
  map.delete(row.id);
  map.set(row.id, row);
}

/** Evicts the least recently touched jobs past `max`. */
export function trim(map: Map<string, JobRow>, max: number): void {
  let excess = map.size - max;
  if (excess <= 0) return;
  for (const id of map.keys()) {
    if (excess-- <= 0) break;
    map.delete(id);
  }
}

/** Merges read records into a queue's cache; a row changed by an event after the read was sent wins. */
export function mergeRecords(
  live: LiveJobs,
  queue: string,
  records: readonly JobRecord[],
  sentSeq: number,
  max = MAX_JOBS_PER_QUEUE,
): LiveJobs {
  if (records.length === 0) return live;
  const prev = live.get(queue) ?? EMPTY;
  const map = new Map(prev);
  let changed = false;
  for (const record of records) {
    const old = prev.get(record.id);
    if (old && old.seq > sentSeq) {
      // The event is newer, but a job's agent and input never change: take them from the read if the event-built row lacks them.
      const read = rowFromRecord(record, sentSeq);
      if ((old.preview === undefined && read.preview !== undefined) || (old.agent === undefined && read.agent !== undefined)) {
        map.set(record.id, {
          ...old,
          ...(read.preview === undefined ? {} : { preview: read.preview }),
          ...(read.agent === undefined ? {} : { agent: read.agent }),
        });
        changed = true;
      }
      continue;
    }
    const row = rowFromRecord(record, sentSeq);
    if (old && sameRow(old, row)) continue;
    touch(map, row);
    changed = true;
  }
  if (!changed) return live;
  trim(map, max);
  return new Map(live).set(queue, map);
}

/** Drops jobs from the cache (after a remove, say). */
export function forgetJobs(live: LiveJobs, queue: string, ids: readonly string[]): LiveJobs {
  const prev = live.get(queue);
  if (!prev || !ids.some((id) => prev.has(id))) return live;
  const map = new Map(prev);
  for (const id of ids) map.delete(id);
  return new Map(live).set(queue, map);
}
