import type { Redis } from 'ioredis';
import type { JobEvent } from '../../src-shared/job';
import { groupBySlot } from './connections';
import { mergeIterators, tailStreams } from './events';
import type { EventsOptions } from './port';
import type { QueueContext } from './queue-context';
import { waitForReady } from './redis-client';

/**
 * The queues' lifecycle events as one iterator, each stream tailed on a
 * connection of its own (events.ts reads and expands the entries).
 */
export class EventTail {
  constructor(private readonly ctx: QueueContext) {}

  async *events(queues: string[], opts: EventsOptions = {}): AsyncIterableIterator<JobEvent[]> {
    const groups = this.ctx.conn.cluster ? groupBySlot(queues, (name) => this.ctx.keys(name).key('events')) : [queues];
    if (groups.length <= 1) {
      yield* this.tailQueues(queues, opts);
      return;
    }
    // A cluster refuses an XREAD across slots: one tail (and connection) per slot, merged.
    const inner = new AbortController();
    const onAbort = (): void => inner.abort();
    if (opts.signal?.aborted) inner.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      yield* mergeIterators(
        groups.map((group) => this.tailQueues(group, { ...opts, signal: inner.signal })),
        () => inner.abort(),
      );
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      inner.abort();
    }
  }

  /** Tails the event streams of queues that one XREAD may read together. */
  private async *tailQueues(queues: string[], opts: EventsOptions): AsyncGenerator<JobEvent[]> {
    const streams = new Map(queues.map((name) => [this.ctx.keys(name).key('events'), name] as const));
    const client = this.ctx.conn.newClient('conveyor:events');
    client.connect().catch(() => undefined);
    // Ends a blocked XREAD at once rather than at its next timeout.
    const onAbort = (): void => client.disconnect();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const fromIds = new Map<string, string>();
      for (const [key, name] of streams) {
        const wanted = typeof opts.fromId === 'string' ? opts.fromId : (opts.fromId?.[name] ?? '$');
        // '$' is pinned to a concrete id now, so a reconnect cannot skip what came meanwhile.
        fromIds.set(key, wanted === '$' ? await this.lastEventId(client, key, opts.signal) : wanted);
      }
      yield* tailStreams(client, { streams, fromIds, batch: opts.batch ?? 500, blockMs: 1000, signal: opts.signal });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      this.ctx.conn.drop(client);
    }
  }

  private async lastEventId(client: Redis, key: string, signal?: AbortSignal): Promise<string> {
    while (!signal?.aborted && !this.ctx.conn.closed) {
      try {
        if (client.status !== 'ready') await waitForReady(client, 1000, signal);
        const last = await client.xrevrange(key, '+', '-', 'COUNT', 1);
        return last[0]?.[0] ?? '0-0';
      } catch {
        await waitForReady(client, 1000, signal);
      }
    }
    return '0-0';
  }
}
