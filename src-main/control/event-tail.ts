/**
 * Tails the job events of every queue through one `adapter.events()`
 * iterator. Queues are re-discovered every few seconds (and on demand, when
 * one is created here); a change restarts the iterator from the last id seen
 * per queue, so nothing is skipped or repeated: not across restarts, not
 * across Redis outages (the iterator rides those out itself), and not across
 * a new adapter to the same Redis. Bursts are coalesced into at most one
 * delivery per `coalesceMs`.
 */
import type { JobEvent } from '../../src-shared/job';
import { QueueKeys } from '../queue/keys';
import type { EventsOptions } from '../queue/port';
import type { RedisQueueAdapter } from '../queue/redis-queue-adapter';

/** What the tail needs of a queue adapter. */
export interface EventSource {
  listQueues(): Promise<string[]>;
  events(queues: string[], opts?: EventsOptions): AsyncIterableIterator<JobEvent[]>;
  /** The id of each queue's newest event ('0-0' when it has none): where "from now on" starts. */
  latestEventIds(queues: string[]): Promise<Record<string, string>>;
}

/** The adapter as an event source. */
export function adapterEventSource(adapter: RedisQueueAdapter): EventSource {
  return {
    listQueues: () => adapter.listQueues(),
    events: (queues, opts) => adapter.events(queues, opts),
    // Read on the command connection; the adapter's own '$' pinning happens inside its
    // iterator, where a restart could not learn it, so the tail pins ids itself.
    // One command per queue, sent together: a pipeline would span slots on a cluster.
    latestEventIds: async (queues) => {
      const replies = await Promise.all(
        queues.map((q) => adapter.redis.xrevrange(new QueueKeys(adapter.keyPrefix, q).key('events'), '+', '-', 'COUNT', 1)),
      );
      const out: Record<string, string> = {};
      queues.forEach((q, i) => {
        out[q] = replies[i]?.[0]?.[0] ?? '0-0';
      });
      return out;
    },
  };
}

export interface EventTailOptions {
  /** Every batch as read, at once (metrics). */
  onEvents?: (events: JobEvent[]) => void;
  /** Coalesced batches (transports). */
  onBatch: (events: JobEvent[]) => void;
  /** How often queues are re-discovered. Default 3000 ms. */
  rediscoverMs?: number;
  /** At most one `onBatch` per this long. Default 50 ms. */
  coalesceMs?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export class EventTail {
  private source: EventSource | undefined;
  /** Queue → id of the last event delivered (or where to start). */
  private readonly lastIds = new Map<string, string>();
  /** Whether the next discovery is the first for this Redis: existing queues start from now, later ones from their beginning. */
  private initial = true;
  private running: Promise<void> | undefined;
  private stopping: AbortController | undefined;
  /** Ends the current iterator so the loop restarts it with the current queue set. */
  private iteration: AbortController | undefined;
  private changed: (() => void) | undefined;
  private discovery: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private pending: JobEvent[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private lastFlush = 0;
  private readonly rediscoverMs: number;
  private readonly coalesceMs: number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: EventTailOptions) {
    this.rediscoverMs = options.rediscoverMs ?? 3000;
    this.coalesceMs = options.coalesceMs ?? 50;
    this.log = options.log ?? (() => undefined);
  }

  /** Queues being tailed. */
  get queues(): string[] {
    return [...this.lastIds.keys()].sort();
  }

  /**
   * Starts tailing `source`. `fresh` (another Redis or key prefix) forgets the
   * ids seen so far; otherwise the tail goes on where it stopped.
   */
  start(source: EventSource, opts: { fresh: boolean }): void {
    if (this.running) throw new Error('the event tail is already running');
    if (opts.fresh) {
      this.lastIds.clear();
      this.initial = true;
    }
    this.source = source;
    const stopping = (this.stopping = new AbortController());
    this.timer = setInterval(() => void this.refresh(), this.rediscoverMs);
    this.running = this.loop(source, stopping.signal);
    void this.refresh();
  }

  /** Stops tailing; events already read are delivered first. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping?.abort();
    this.iteration?.abort();
    this.wakeLoop();
    await this.running;
    await this.discovery;
    this.running = undefined;
    this.source = undefined;
    this.flush();
  }

  /** Re-discovers the queues now (e.g. after creating one); resolves once the tail includes them. */
  refresh(): Promise<void> {
    const next = this.discovery.then(() => this.discover());
    this.discovery = next.catch(() => undefined);
    return next;
  }

  private async discover(): Promise<void> {
    const source = this.source;
    if (!source || this.stopping?.signal.aborted) return;
    let names: string[];
    try {
      names = await source.listQueues();
    } catch (err) {
      this.log(`[conveyor] event tail: cannot list queues: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const added = names.filter((n) => !this.lastIds.has(n));
    const removed = [...this.lastIds.keys()].filter((n) => !names.includes(n));
    if (added.length === 0 && removed.length === 0) {
      this.initial = false;
      return;
    }
    let from: Record<string, string>;
    try {
      from = this.initial ? await source.latestEventIds(added) : Object.fromEntries(added.map((q) => [q, '0-0']));
    } catch (err) {
      this.log(`[conveyor] event tail: cannot read where queues' events end: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    if (source !== this.source) return;
    this.initial = false;
    for (const q of removed) this.lastIds.delete(q);
    for (const q of added) this.lastIds.set(q, from[q] ?? '0-0');
    this.iteration?.abort();
    this.wakeLoop();
  }

  private wakeLoop(): void {
    const wake = this.changed;
    this.changed = undefined;
    wake?.();
  }

  private async loop(source: EventSource, stop: AbortSignal): Promise<void> {
    while (!stop.aborted) {
      const queues = [...this.lastIds.keys()];
      if (queues.length === 0) {
        await new Promise<void>((resolve) => (this.changed = resolve));
        continue;
      }
      const iteration = (this.iteration = new AbortController());
      const fromId = Object.fromEntries(this.lastIds);
      try {
        // Read to the end even once aborted: a batch already read is delivered, never dropped.
        for await (const batch of source.events(queues, { fromId, signal: iteration.signal })) {
          this.deliver(batch);
        }
      } catch (err) {
        this.log(`[conveyor] event tail: ${err instanceof Error ? err.message : String(err)}`);
        await sleep(500, stop);
      }
      if (!iteration.signal.aborted && !stop.aborted) {
        // The iterator ended by itself (its connection closed): start over after a pause.
        await sleep(500, stop);
      }
    }
  }

  private deliver(batch: JobEvent[]): void {
    const fresh: JobEvent[] = [];
    for (const e of batch) {
      const last = this.lastIds.get(e.queue);
      // A queue dropped meanwhile is not followed any more.
      if (last === undefined) continue;
      this.lastIds.set(e.queue, e.id);
      fresh.push(e);
    }
    if (fresh.length === 0) return;
    try {
      this.options.onEvents?.(fresh);
    } catch (err) {
      this.log(`[conveyor] event tail: a listener failed: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.pending.push(...fresh);
    if (this.flushTimer) return;
    const wait = Math.max(0, this.lastFlush + this.coalesceMs - Date.now());
    this.flushTimer = setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.lastFlush = Date.now();
    try {
      this.options.onBatch(events);
    } catch (err) {
      this.log(`[conveyor] event tail: a listener failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
}
