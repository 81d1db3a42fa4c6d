import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';
import type { PoolEvent } from './pool-events';
import type { ResolvedPoolOptions } from './pool-options';

export type PoolState = 'idle' | 'running' | 'stopping' | 'stopped';

/** What every part of a WorkerPool shares: its options, its adapter, its state and its voice. */
export interface PoolContext {
  readonly options: ResolvedPoolOptions;
  readonly adapter: RedisQueueAdapter;
  readonly workerId: string;
  readonly state: PoolState;
  emit(event: PoolEvent): void;
  /** A background error, as an event (connection errors go to the outage watch instead). */
  report(err: unknown): void;
  /** Something changed that the dispatcher (or a stop waiting for running jobs) may act on. */
  wake(): void;
}

/** Items grouped by a key, in their order: one adapter call per queue. */
export function groupBy<T, K>(items: Iterable<T>, key: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

/** Waits `ms`, or less if `signal` aborts meanwhile. */
export function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** `promise`, or nothing once `deadline` (ms since epoch) passes; its rejection is dropped. */
export async function until(deadline: number, promise: Promise<unknown> | undefined): Promise<void> {
  if (!promise) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    promise.catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, Math.max(0, deadline - Date.now())))),
  ]);
  clearTimeout(timer);
}

/** One waiter list for "something changed": `next(ms)` resolves on the next `wake()` or after `ms`. */
export class Wakeup {
  private waiters: Array<() => void> = [];

  wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  next(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      this.waiters.push(done);
    });
  }
}
