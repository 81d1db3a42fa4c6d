import type { JobEvent } from '../../src-shared/job';
import { groupBySlot, isWrongType } from './connections';
import { mergeIterators, tailStreams } from './events';
import type { EventsOptions } from './port';
import type { QueueContext } from './queue-context';
import { isConnectionError, waitForReady } from './redis-client';

/**
 * The queues' lifecycle events as one iterator, each stream tailed on a
 * connection of its own (events.ts reads and expands the entries).
 */
export class EventTail {
  constructor(private readonly ctx: QueueContext) {}

  /**
   * '$' (the default) means the events after this call: each stream's last id is asked for now, on
   * the adapter's own connection, so this adapter's later calls (an enqueue) are ordered after it,
   * even if the iterator is first read later.
   */
  events(queues: string[], opts: EventsOptions = {}): AsyncIterableIterator<JobEvent[]> {
    const starts = new Map<string, Promise<string>>();
    for (const name of queues) {
      const wanted = typeof opts.fromId === 'string' ? opts.fromId : (opts.fromId?.[name] ?? '$');
      const start = wanted === '$' ? this.lastEventId(name, opts.signal) : Promise.resolve(wanted);
      start.catch(() => undefined); // read (and thrown) by the tail
      starts.set(name, start);
    }
    return this.merged(queues, starts, opts);
  }

  private async *merged(queues: string[], starts: Map<string, Promise<string>>, opts: EventsOptions): AsyncGenerator<JobEvent[]> {
    const groups = this.ctx.conn.cluster ? groupBySlot(queues, (name) => this.ctx.keys(name).key('events')) : [queues];
    if (groups.length <= 1) {
      yield* this.tailQueues(queues, starts, opts);
      return;
    }
    // A cluster refuses an XREAD across slots: one tail (and connection) per slot, merged.
    const inner = new AbortController();
    const onAbort = (): void => inner.abort();
    if (opts.signal?.aborted) inner.abort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      yield* mergeIterators(
        groups.map((group) => this.tailQueues(group, starts, { ...opts, signal: inner.signal })),
        () => inner.abort(),
      );
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      inner.abort();
    }
  }

  /** Tails the event streams of queues that one XREAD may read together. */
  private async *tailQueues(queues: string[], starts: Map<string, Promise<string>>, opts: EventsOptions): AsyncGenerator<JobEvent[]> {
    const streams = new Map(queues.map((name) => [this.ctx.keys(name).key('events'), name] as const));
    const client = this.ctx.conn.newClient('conveyor:events');
    client.connect().catch(() => undefined);
    // Ends a blocked XREAD at once rather than at its next timeout.
    const onAbort = (): void => client.disconnect();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const fromIds = new Map<string, string>();
      for (const [key, name] of streams) fromIds.set(key, await (starts.get(name) ?? '0-0'));
      // A stream of the wrong type is set aside, and the tail reads on from the new one.
      const repair = async (): Promise<void> => {
        for (const name of queues) await this.ctx.repair.repairQueueKeys(this.ctx.keys(name));
      };
      const mapError = (err: unknown): unknown => this.ctx.conn.mapError(err);
      yield* tailStreams(client, { streams, fromIds, batch: opts.batch ?? 500, blockMs: 1000, signal: opts.signal, repair, mapError });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
      this.ctx.conn.drop(client);
    }
  }

  /** The id of a queue's last event ('0-0' if none): '$' pinned to a concrete id, so a reconnect cannot skip what came meanwhile. */
  private async lastEventId(queue: string, signal?: AbortSignal): Promise<string> {
    const q = this.ctx.keys(queue);
    const client = this.ctx.conn.client;
    while (!signal?.aborted && !this.ctx.conn.closed) {
      try {
        const last = await client.xrevrange(q.key('events'), '+', '-', 'COUNT', 1);
        return last[0]?.[0] ?? '0-0';
      } catch (err) {
        if (isWrongType(err)) {
          // Set aside: the stream written from now on holds only events after this call.
          await this.ctx.repair.repairQueueKeys(q);
          return '0-0';
        } else if (isConnectionError(err)) await waitForReady(client, 1000, signal);
        else throw this.ctx.conn.mapError(err);
      }
    }
    return '0-0';
  }
}
