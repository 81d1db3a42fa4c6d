import { afterEach, describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../src-shared/job';
import { EventTail, type EventSource } from '../../../src-main/control/event-tail';
import type { EventsOptions } from '../../../src-main/queue/port';

const cmp = (a: string, b: string): number => {
  const [am, as] = a.split('-').map(Number) as [number, number];
  const [bm, bs] = b.split('-').map(Number) as [number, number];
  return am - bm || as - bs;
};

/** Streams in memory: per-queue event logs, read like XREAD (strictly after an id), blocking until more come. */
class FakeSource implements EventSource {
  readonly logs = new Map<string, JobEvent[]>();
  iterators = 0;
  private wake = new Set<() => void>();
  private seq = 0;

  addQueue(name: string): void {
    this.logs.set(name, []);
  }

  push(queue: string, n = 1): JobEvent[] {
    const added: JobEvent[] = [];
    for (let i = 0; i < n; i++) {
      const e: JobEvent = { id: `1000-${this.seq++}`, queue, type: 'enqueued', jobId: String(this.seq), ts: 1000 };
      this.logs.get(queue)?.push(e);
      added.push(e);
    }
    for (const w of this.wake) w();
    return added;
  }

  async listQueues(): Promise<string[]> {
    return [...this.logs.keys()];
  }

  async latestEventIds(queues: string[]): Promise<Record<string, string>> {
    return Object.fromEntries(queues.map((q) => [q, this.logs.get(q)?.at(-1)?.id ?? '0-0']));
  }

  async *events(queues: string[], opts: EventsOptions = {}): AsyncIterableIterator<JobEvent[]> {
    this.iterators++;
    const last = new Map(queues.map((q) => [q, typeof opts.fromId === 'object' ? (opts.fromId[q] ?? '0-0') : '0-0']));
    while (!opts.signal?.aborted) {
      const batch: JobEvent[] = [];
      for (const q of queues) {
        const fresh = (this.logs.get(q) ?? []).filter((e) => cmp(e.id, last.get(q) ?? '0-0') > 0);
        if (fresh.length > 0) last.set(q, (fresh.at(-1) as JobEvent).id);
        batch.push(...fresh);
      }
      if (batch.length > 0) {
        yield batch;
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.wake.delete(done);
          opts.signal?.removeEventListener('abort', done);
          resolve();
        };
        this.wake.add(done);
        opts.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

let tail: EventTail | undefined;
afterEach(async () => {
  await tail?.stop();
  tail = undefined;
});

function start(source: FakeSource, coalesceMs = 50) {
  const batches: JobEvent[][] = [];
  tail = new EventTail({ onBatch: (b) => batches.push(b), coalesceMs, rediscoverMs: 60_000 });
  tail.start(source, { fresh: true });
  return { batches, all: () => batches.flat() };
}

describe('event tail', () => {
  it('starts existing queues from their newest event: history is not replayed', async () => {
    const source = new FakeSource();
    source.addQueue('a');
    source.push('a', 3);
    const { all } = start(source);
    await tail?.refresh();
    const fresh = source.push('a', 2);
    await until(() => all().length === 2);
    expect(all().map((e) => e.id)).toEqual(fresh.map((e) => e.id));
  });

  it('reads a queue created later from its first event', async () => {
    const source = new FakeSource();
    source.addQueue('a');
    const { all } = start(source);
    await tail?.refresh();
    source.addQueue('b');
    const early = source.push('b', 2);
    await tail?.refresh();
    await until(() => all().length === 2);
    expect(all().map((e) => e.id)).toEqual(early.map((e) => e.id));
  });

  it('restarts its iterator on a new queue without skipping or repeating an event', async () => {
    const source = new FakeSource();
    source.addQueue('a');
    const { all } = start(source, 0);
    await tail?.refresh();
    const expected = [...source.push('a', 5)];
    await until(() => all().length === 5);
    source.addQueue('b');
    const refreshed = tail?.refresh();
    expected.push(...source.push('a', 3));
    await refreshed;
    expected.push(...source.push('b', 2), ...source.push('a', 2));
    await until(() => all().length >= expected.length);
    await new Promise((r) => setTimeout(r, 50));
    expect(source.iterators).toBe(2);
    expect(
      all()
        .map((e) => e.id)
        .sort(cmp),
    ).toEqual(expected.map((e) => e.id).sort(cmp));
  });

  it('coalesces a burst into few deliveries, in order', async () => {
    const source = new FakeSource();
    source.addQueue('a');
    const { batches, all } = start(source, 100);
    await tail?.refresh();
    const pushed: JobEvent[] = [];
    for (let i = 0; i < 20; i++) {
      pushed.push(...source.push('a'));
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => all().length === 20);
    expect(batches.length).toBeLessThanOrEqual(3);
    expect(all().map((e) => e.id)).toEqual(pushed.map((e) => e.id));
  });

  it('goes on where it stopped when started again on the same Redis', async () => {
    const source = new FakeSource();
    source.addQueue('a');
    const { all } = start(source, 0);
    await tail?.refresh();
    source.push('a', 2);
    await until(() => all().length === 2);
    await tail?.stop();
    const missed = source.push('a', 2);
    tail?.start(source, { fresh: false });
    await tail?.refresh();
    await until(() => all().length === 4);
    expect(
      all()
        .slice(2)
        .map((e) => e.id),
    ).toEqual(missed.map((e) => e.id));
  });
});
