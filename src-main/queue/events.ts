import type { Redis } from 'ioredis';
import type { JobEvent, JobEventType } from '../../src-shared/job';
import { JOB_EVENT_TYPES } from '../../src-shared/job';
import { waitForReady } from './redis-client';

/**
 * Reads the per-queue event streams. The scripts write compact fields
 * (e: type, j: job id, g: agent, a: attempt, w: worker, err, why, d: delay ms, n: count,
 * f: progress fraction, m: message); this module turns them into JobEvents and
 * tails several streams at once, resuming from the last id after a reconnect.
 */

type StreamEntry = [id: string, fields: string[]];
type XReadReply = Array<[key: string, entries: StreamEntry[]]> | null;

export function parseEvent(queue: string, id: string, fields: string[]): JobEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i] as string] = fields[i + 1] as string;
  const type = (JOB_EVENT_TYPES as readonly string[]).includes(f['e'] ?? '') ? (f['e'] as JobEventType) : 'malformed';
  const event: JobEvent = { id, queue, type, ts: Number(id.slice(0, id.indexOf('-'))) };
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
  return event;
}

export interface TailOptions {
  /** Stream key -> queue name. */
  streams: Map<string, string>;
  /** Stream key -> id to read after. */
  fromIds: Map<string, string>;
  batch: number;
  blockMs: number;
  signal?: AbortSignal | undefined;
}

/**
 * Yields batches of events from several streams. Survives Redis outages: on a
 * connection error it waits for the client to reconnect and reads on from the
 * last id it delivered, so no event is skipped or repeated.
 */
export async function* tailStreams(client: Redis, opts: TailOptions): AsyncGenerator<JobEvent[]> {
  const keys = [...opts.streams.keys()];
  const last = new Map(opts.fromIds);
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
    } catch {
      if (signal?.aborted) return;
      await waitForReady(client, 1000, signal);
      continue;
    }
    if (!reply) continue;
    const batch: JobEvent[] = [];
    for (const [key, entries] of reply) {
      const queue = opts.streams.get(key) ?? key;
      for (const [id, fields] of entries) batch.push(parseEvent(queue, id, fields));
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
    pending.set(i, (sources[i] as AsyncIterator<T>).next().then((r) => ({ i, r })));
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
