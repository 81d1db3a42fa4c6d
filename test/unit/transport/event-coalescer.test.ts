import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EventName } from '../../../src-shared/contract';
import type { JobEvent } from '../../../src-shared/job';
import { EventCoalescer } from '../../../src-main/transport/event-coalescer';

const ev = (n: number): JobEvent => ({ id: `${n}-0`, queue: 'q', type: 'started', jobId: String(n), ts: n });

describe('EventCoalescer', () => {
  let sent: Array<{ at: number; event: EventName; payload: unknown }>;
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
    sent = [];
  });
  afterEach(() => vi.useRealTimers());
  const sender = (event: EventName, payload: unknown): void => {
    sent.push({ at: Date.now(), event, payload });
  };

  it('sends a lone event on the next tick, a synchronous burst as one send', async () => {
    const c = new EventCoalescer(sender);
    c.push('jobs.events', [ev(1)]);
    c.push('jobs.events', [ev(2), ev(3)]);
    expect(sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toEqual([{ at: 0, event: 'jobs.events', payload: [ev(1), ev(2), ev(3)] }]);
  });

  it('serves the channel that waited longest first, one send per interval', async () => {
    const c = new EventCoalescer(sender);
    c.push('connection.changed', { state: 'connected', target: 'x', since: 1 });
    c.push('jobs.events', [ev(1)]);
    c.push('connection.changed', { state: 'disconnected', target: 'x', since: 2 });
    await vi.advanceTimersByTimeAsync(200);
    expect(sent.map((s) => [s.at, s.event])).toEqual([
      [0, 'connection.changed'],
      [50, 'jobs.events'],
    ]);
    expect(sent[0]!.payload).toMatchObject({ state: 'disconnected' });
  });

  it('drops the oldest job events beyond the cap and counts them', async () => {
    const c = new EventCoalescer(sender, { maxJobEvents: 3 });
    c.push('jobs.events', [ev(1), ev(2)]);
    c.push('jobs.events', [ev(3), ev(4), ev(5)]);
    await vi.advanceTimersByTimeAsync(0);
    expect(sent[0]!.payload).toEqual([ev(3), ev(4), ev(5)]);
    expect(c.dropped).toBe(2);
  });

  it('waits while the receiver is not ready, then sends the merged batch', async () => {
    let ready = false;
    const c = new EventCoalescer(sender, { ready: () => ready });
    c.push('jobs.events', [ev(1)]);
    await vi.advanceTimersByTimeAsync(120);
    c.push('jobs.events', [ev(2)]);
    expect(sent).toEqual([]);
    ready = true;
    await vi.advanceTimersByTimeAsync(60);
    expect(sent.map((s) => s.payload)).toEqual([[ev(1), ev(2)]]);
  });

  it('ignores empty batches; discard and dispose drop what waits', async () => {
    const c = new EventCoalescer(sender);
    c.push('jobs.events', []);
    c.push('pool.changed', { running: false, queues: [], threads: 0, concurrency: 0, processed: 0, failed: 0, active: 0 });
    c.discard('pool.changed');
    c.push('jobs.events', [ev(1)]);
    c.dispose();
    c.push('jobs.events', [ev(2)]);
    await vi.advanceTimersByTimeAsync(100);
    expect(sent).toEqual([]);
  });

  it('survives a sender that throws', async () => {
    let calls = 0;
    const c = new EventCoalescer(() => {
      calls += 1;
      throw new Error('gone');
    });
    c.push('jobs.events', [ev(1)]);
    c.push('metrics.tick', { at: 1, windowMs: 1, queues: [], agents: [] });
    await vi.advanceTimersByTimeAsync(100);
    expect(calls).toBe(2);
  });
});
