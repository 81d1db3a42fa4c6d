import type { QueueSummary } from '../../../src-shared/contract';

/**
 * The last queue list read from a Redis, kept in localStorage so a window
 * opened (or reloaded) during an outage shows what was last known instead of
 * "Loading queues…" for ever (issue #17). Keyed by the Redis target, so one
 * Redis's queues never show for another.
 */
const KEY = 'conveyor:last-known-queues';

export interface LastKnownQueues {
  target: string;
  at: number;
  queues: QueueSummary[];
}

/** The part of the Web Storage API used here (the store's unit tests run on Node, without the DOM's types). */
interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Where the page keeps it; absent (Node, a locked-down window) means nothing is kept. */
function storage(): KeyValueStore | undefined {
  try {
    return (globalThis as { localStorage?: KeyValueStore }).localStorage;
  } catch {
    return undefined;
  }
}

export function saveLastKnown(target: string, queues: readonly QueueSummary[], at: number): void {
  try {
    storage()?.setItem(KEY, JSON.stringify({ target, at, queues: [...queues] } satisfies LastKnownQueues));
  } catch {
    // Full or refused: the next read will try again; nothing depends on it.
  }
}

export function loadLastKnown(target: string): LastKnownQueues | undefined {
  try {
    const raw = storage()?.getItem(KEY);
    if (!raw) return undefined;
    const v = JSON.parse(raw) as Partial<LastKnownQueues>;
    if (v.target !== target || typeof v.at !== 'number' || !Array.isArray(v.queues)) return undefined;
    return { target, at: v.at, queues: v.queues };
  } catch {
    return undefined;
  }
}
