import type { QueueSummary } from '../../../../src-shared/contract';
import type { JobEvent } from '../../../../src-shared/job';

export interface QueuesSlice {
  /** By name, in the server's order. */
  queues: ReadonlyMap<string, QueueSummary>;
  queuesLoaded: boolean;
  /**
   * When the queues shown were last read, if they come from an earlier session
   * (restored while Redis could not be read); null once read live.
   */
  queuesAsOf: number | null;
}

export const initialQueues: QueuesSlice = { queues: new Map(), queuesLoaded: false, queuesAsOf: null };

function sameSummary(a: QueueSummary, b: QueueSummary): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A fresh `queues.list`: unchanged queues keep their object, so their cards do not re-render every poll. */
export function applyQueueList(prev: ReadonlyMap<string, QueueSummary>, list: readonly QueueSummary[]): ReadonlyMap<string, QueueSummary> {
  const next = new Map<string, QueueSummary>();
  let changed = list.length !== prev.size;
  for (const q of list) {
    const old = prev.get(q.name);
    if (old && sameSummary(old, q)) next.set(q.name, old);
    else {
      next.set(q.name, q);
      changed = true;
    }
  }
  if (!changed) {
    // Same set, same contents: keep the old map unless the order moved.
    const a = [...prev.keys()];
    const b = [...next.keys()];
    if (a.every((k, i) => k === b[i])) return prev;
  }
  return next;
}

export function upsertQueue(prev: ReadonlyMap<string, QueueSummary>, summary: QueueSummary): ReadonlyMap<string, QueueSummary> {
  return new Map(prev).set(summary.name, summary);
}

/** `paused` / `resumed` events flip the flag at once rather than at the next poll. */
export function applyQueueEvent(prev: ReadonlyMap<string, QueueSummary>, ev: JobEvent): ReadonlyMap<string, QueueSummary> {
  if (ev.type !== 'paused' && ev.type !== 'resumed') return prev;
  const q = prev.get(ev.queue);
  const paused = ev.type === 'paused';
  if (!q || q.paused === paused) return prev;
  return new Map(prev).set(ev.queue, { ...q, paused });
}
