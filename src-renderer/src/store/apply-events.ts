import type { JobEvent, JobState } from '../../../src-shared/job';
import type { AppState } from './app-state';
import { applyEventToRecord } from './slices/detail';
import { queueOfKey } from './slices/job-list';
import { applyEventToRow, type JobRow } from './slices/job-row';
import { MAX_JOBS_PER_QUEUE, touch, trim } from './slices/live-jobs';
import { applyQueueEvent } from './slices/queues';

/** What `drain` removes. */
const drains = (state: JobState): boolean => state === 'waiting' || state === 'delayed';

type EventTargets = Pick<AppState, 'jobs' | 'jobsSeq' | 'jobList' | 'detail' | 'queues'>;

/**
 * One batch of job events → one state change. Every map it touches is copied
 * once per batch (copy on first write), so components holding the old maps
 * see a new reference only where something changed, and a queue nobody
 * watches costs its own map alone.
 */
export function applyJobEvents(state: EventTargets, events: readonly JobEvent[], maxPerQueue = MAX_JOBS_PER_QUEUE): Partial<EventTargets> {
  if (events.length === 0) return {};
  const seq = state.jobsSeq + 1;
  const queueOfList = queueOfKey(state.jobList.key);

  const copies = new Map<string, Map<string, JobRow>>();
  const liveOf = (queue: string): Map<string, JobRow> => {
    let m = copies.get(queue);
    if (!m) {
      m = new Map(state.jobs.get(queue));
      copies.set(queue, m);
    }
    return m;
  };
  let listRows: Map<string, JobRow> | undefined;
  const listRowsCopy = (): Map<string, JobRow> => (listRows ??= new Map(state.jobList.rows));

  let queues = state.queues;
  let detail = state.detail;

  for (const ev of events) {
    queues = applyQueueEvent(queues, ev);

    if (ev.type === 'drained') {
      // Every waiting and delayed job of the queue is gone.
      const live = liveOf(ev.queue);
      for (const [id, row] of live) if (drains(row.state)) live.delete(id);
      if (queueOfList === ev.queue) {
        const rows = listRowsCopy();
        for (const [id, row] of rows) if (drains(row.state)) rows.delete(id);
      }
      if (detail && detail.queue === ev.queue && detail.record && drains(detail.record.state)) {
        detail = { ...detail, record: null, eventSeq: seq };
      }
      continue;
    }
    const id = ev.jobId;
    if (id === undefined) continue;

    const live = liveOf(ev.queue);
    const inList = queueOfList === ev.queue && (listRows ?? state.jobList.rows).has(id);
    // Start from the richest row we hold: the list's (it came from a read) if the cache lost it.
    const prev = live.get(id) ?? (inList ? (listRows ?? state.jobList.rows).get(id) : undefined);
    const next = applyEventToRow(prev, ev, seq);
    if (next === null) {
      live.delete(id);
      if (inList) listRowsCopy().delete(id);
    } else if (next !== undefined) {
      touch(live, next);
      if (inList) listRowsCopy().set(id, next);
    }

    if (detail && detail.queue === ev.queue && detail.id === id) {
      const record = detail.record ? applyEventToRecord(detail.record, ev) : undefined;
      if (record !== undefined) detail = { ...detail, record, eventSeq: seq };
    }
  }

  let jobs = state.jobs;
  if (copies.size > 0) {
    const outer = new Map(state.jobs);
    for (const [queue, map] of copies) {
      trim(map, maxPerQueue);
      outer.set(queue, map);
    }
    jobs = outer;
  }
  const out: Partial<EventTargets> = { jobs, jobsSeq: seq };
  if (listRows) out.jobList = { ...state.jobList, rows: listRows };
  if (detail !== state.detail) out.detail = detail;
  if (queues !== state.queues) out.queues = queues;
  return out;
}
