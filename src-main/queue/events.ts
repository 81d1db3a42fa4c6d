import type { Redis } from 'ioredis';
import type { JobEvent, JobEventType, ReleaseReason } from '../../src-shared/job';
import { JOB_EVENT_TYPES, RELEASE_REASONS } from '../../src-shared/job';
import { ConveyorError, ErrorCode } from '../../src-shared/errors';
import { isConnectionError, waitForReady } from './redis-client';

/**
 * Reads the per-queue event streams. The scripts write compact fields
 * (e: type, j: job id, g: agent, a: attempt, w: worker, err, why, d: delay ms, n: count,
 * f: progress fraction, m: message, r: release reason); this module turns them into JobEvents and
 * tails several streams at once, resuming from the last id after a reconnect.
 *
 * An entry holds one event, or, when a script call enqueues, leases, starts or
 * completes several jobs, that event for up to 64 of them (common.lua,
 * EVENT_BATCH): the fields before the first `j` are shared, each `j` starts a
 * job's own fields (`g`, `a`, `d`):
 *   e completed j 7 a 1 j 8 a 1 j 9 a 2
 *   e enqueued g echo j 10 j 11 d 500 j 12 g other
 * Each job becomes a JobEvent of its own, with the id `<entry id>#<k>` (k from
 * 0, in the entry's order), so ids stay distinct and ordered; an entry of one
 * job keeps the entry id. An event id is also where a reader resumes: after
 * `<entry id>#<k>` it reads that entry again and skips its first k + 1 events.
 *
 * `queue.events_max_len` caps the stream's entries (XLEN) as before; batched
 * entries are also trimmed by the events they hold (in generations of
 * events_max_len, common.lua), so the stream keeps at least the latest
 * events_max_len events and about twice as many batched events at most.
 */

type StreamEntry = [id: string, fields: string[]];
type XReadReply = Array<[key: string, entries: StreamEntry[]]> | null;
type Fields = Record<string, string>;

/** The events a script writes for many jobs in one entry, and the fields a job may have of its own there. */
const BATCHED_TYPES: ReadonlySet<string> = new Set<JobEventType>(['enqueued', 'leased', 'started', 'completed']);
const OWN_FIELDS: ReadonlySet<string> = new Set(['g', 'a', 'd']);

function toEvent(queue: string, id: string, ts: number, f: Fields): JobEvent {
  const type = (JOB_EVENT_TYPES as readonly string[]).includes(f['e'] ?? '') ? (f['e'] as JobEventType) : 'malformed';
  const event: JobEvent = { id, queue, type, ts };
  if (f['j'] !== undefined) event.jobId = f['j'];
  if (f['g']) event.agent = f['g'];
  if (f['a'] !== undefined) event.attempt = Number(f['a']);
  if (f['w'] !== undefined) event.worker = f['w'];
  if (f['err'] !== undefined) event.error = f['err'];
  if (f['why'] !== undefined) event.reason = f['why'];
  if (f['d'] !== undefined) event.delayMs = Number(f['d']);
  if (f['f'] !== undefined) event.fraction = Number(f['f']);
  if (f['m'] !== undefined) event.message = f['m'];
  if (f['n'] !== undefined) event.count = Number(f['n']);
  if (f['r'] !== undefined && (RELEASE_REASONS as readonly string[]).includes(f['r'])) event.releaseReason = f['r'] as ReleaseReason;
  return event;
}

/** Adds the field/value pairs of `fields[from, to)` to `into`. */
function readFields(fields: string[], from: number, to: number, into: Fields): Fields {
  for (let i = from; i + 1 < to; i += 2) into[fields[i] as string] = fields[i + 1] as string;
  return into;
}

/**
 * The events of one stream entry: one, or one per job of a batched entry. An
 * entry that is not one of the forms above yields one `malformed` event.
 */
export function parseEntry(queue: string, id: string, fields: string[]): JobEvent[] {
  const ts = Number(id.slice(0, id.indexOf('-')));
  const jobs: number[] = [];
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 'j') jobs.push(i);
  if (jobs.length <= 1) return [toEvent(queue, id, ts, readFields(fields, 0, fields.length, {}))];
  const shared = readFields(fields, 0, jobs[0] as number, {});
  const malformed = (): JobEvent[] => [{ id, queue, type: 'malformed', ts, reason: 'unreadable batched event entry' }];
  if (!BATCHED_TYPES.has(shared['e'] ?? '')) return malformed();
  const events: JobEvent[] = [];
  for (let k = 0; k < jobs.length; k++) {
    const from = jobs[k] as number;
    const to = jobs[k + 1] ?? fields.length;
    if (fields[from + 1] === '') return malformed();
    for (let i = from + 2; i + 1 < to; i += 2) if (!OWN_FIELDS.has(fields[i] as string)) return malformed();
    events.push(toEvent(queue, `${id}#${k}`, ts, readFields(fields, from, to, { ...shared })));
  }
  return events;
}

/** A batched entry read in part, and how many of its events were delivered. */
interface PartlyRead {
  entry: string;
  delivered: number;
}

/**
 * Where XREAD reads on after event `id`. After an event inside a batched entry
 * it reads from just before that entry (XREAD reads after an id), to deliver
 * the rest of it.
 */
function resumeAfter(id: string): { after: string; partial?: PartlyRead } {
  const m = /^(\d+)-(\d+)#(\d+)$/.exec(id);
  if (!m) {
    // XREAD would refuse it on every read: say so once, here.
    if (!/^\d+(-\d+)?$/.test(id)) {
      throw new ConveyorError(
        ErrorCode.InvalidArgs,
        `invalid event id "${id}": expected a stream id such as 1700000000000-0, or an event id such as 1700000000000-0#2`,
        { id },
      );
    }
    return { after: id };
  }
  const ms = BigInt(m[1] as string);
  const seq = BigInt(m[2] as string);
  const partial = { entry: `${ms}-${seq}`, delivered: Number(m[3]) + 1 };
  if (seq > 0n) return { after: `${ms}-${seq - 1n}`, partial };
  // The last id a stream may hold in the millisecond before.
  if (ms > 0n) return { after: `${ms - 1n}-18446744073709551615`, partial };
  return { after: '0-0' };
}

export interface TailOptions {
  /** Stream key -> queue name. */
  streams: Map<string, string>;
  /** Stream key -> id to read after. */
  fromIds: Map<string, string>;
  batch: number;
  blockMs: number;
  signal?: AbortSignal | undefined;
  /** Sets aside a stream of the wrong type (key-repair.ts), after which the read goes on. */
  repair?: () => Promise<void>;
  /** Gives an error that ends the tail its code. */
  mapError?: (err: unknown) => unknown;
}

/**
 * Yields batches of events from several streams, each batched entry whole.
 * Survives Redis outages: on a connection error it waits for the client to
 * reconnect and reads on from the last entry it delivered, so no event is
 * skipped or repeated.
 */
export async function* tailStreams(client: Redis, opts: TailOptions): AsyncGenerator<JobEvent[]> {
  const keys = [...opts.streams.keys()];
  /** Stream key -> id of the last entry read. */
  const last = new Map<string, string>();
  /** Stream key -> the batched entry its first read starts with, read in part before. */
  const partials = new Map<string, PartlyRead>();
  for (const [key, id] of opts.fromIds) {
    const { after, partial } = resumeAfter(id);
    last.set(key, after);
    if (partial) partials.set(key, partial);
  }
  const signal = opts.signal;
  while (!signal?.aborted && client.status !== 'end') {
    let reply: XReadReply;
    try {
      if (client.status !== 'ready' && !(await waitForReady(client, 1000, signal))) continue;
      reply = (await client.xread(
        'COUNT',
        opts.batch,
        'BLOCK',
        opts.blockMs,
        'STREAMS',
        ...keys,
        ...keys.map((k) => last.get(k) ?? '0-0'),
      )) as XReadReply;
    } catch (err) {
      if (signal?.aborted) return;
      if (opts.repair && /WRONGTYPE/.test(String((err as Error | undefined)?.message))) {
        await opts.repair();
        continue;
      }
      // Only an outage is waited out; anything else would fail the same way on every retry.
      if (!isConnectionError(err)) throw opts.mapError ? opts.mapError(err) : err;
      await waitForReady(client, 1000, signal);
      continue;
    }
    if (!reply) continue;
    const batch: JobEvent[] = [];
    for (const [key, entries] of reply) {
      const queue = opts.streams.get(key) ?? key;
      const partial = partials.get(key);
      partials.delete(key);
      for (const [id, fields] of entries) {
        const events = parseEntry(queue, id, fields);
        if (id === partial?.entry) events.splice(0, partial.delivered);
        batch.push(...events);
      }
      const tail = entries[entries.length - 1];
      if (tail) last.set(key, tail[0]);
    }
    if (batch.length > 0) yield batch;
  }
}

/**
 * Interleaves several iterators, yielding each value as it comes. `onClose`
 * runs first when the consumer stops, so the sources can be told to end
 * (a source blocked in a read cannot be returned before that read ends).
 */
export async function* mergeIterators<T>(sources: AsyncIterator<T>[], onClose: () => void = () => undefined): AsyncGenerator<T> {
  const pending = new Map<number, Promise<{ i: number; r: IteratorResult<T> }>>();
  const pull = (i: number): void => {
    pending.set(
      i,
      (sources[i] as AsyncIterator<T>).next().then((r) => ({ i, r })),
    );
  };
  sources.forEach((_, i) => pull(i));
  try {
    while (pending.size > 0) {
      const { i, r } = await Promise.race(pending.values());
      if (r.done) {
        pending.delete(i);
        continue;
      }
      pull(i);
      yield r.value;
    }
  } finally {
    onClose();
    await Promise.allSettled([...pending.values()]);
    await Promise.allSettled(sources.map((s) => s.return?.()));
  }
}
