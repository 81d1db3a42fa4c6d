import { describe, expect } from 'vitest';
import type { JobEvent } from '../../../src-shared/job';
import type { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { item, queueTest as test } from '../../support/queue';

/** Reads events until `until` holds, or fails after `ms`. */
async function collect(adapter: RedisQueueAdapter, queues: string[], until: (all: JobEvent[]) => boolean, fromId = '0', ms = 5000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  const all: JobEvent[] = [];
  try {
    for await (const batch of adapter.events(queues, { fromId, signal: controller.signal })) {
      all.push(...batch);
      if (until(all)) break;
    }
  } finally {
    clearTimeout(timer);
  }
  return all;
}

describe('events', () => {
  test("a job's full event history arrives in order", async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1), { maxRetries: 1 });
    await adapter.dequeue(queue, { workerId: 'w1' });
    await adapter.startProcessing(queue, id, 'w1');
    await adapter.failProcessing(queue, id, new Error('boom'));
    await adapter.dequeue(queue);
    await adapter.startProcessing(queue, id, 'w2');
    await adapter.completeProcessing(queue, id, 'ok');
    const events = await collect(adapter, [queue], (all) => all.some((e) => e.type === 'completed'));
    expect(events.filter((e) => e.jobId === id).map((e) => e.type)).toEqual([
      'enqueued', 'leased', 'started', 'failed', 'retrying', 'leased', 'started', 'completed',
    ]);
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ attempt: 1, error: 'boom', reason: 'failed' });
    expect(events.find((e) => e.type === 'started')).toMatchObject({ worker: 'w1' });
    const ids = events.map((e) => e.id);
    expect([...ids].sort((a, b) => (a.localeCompare(b, 'en', { numeric: true })))).toEqual(ids);
  });

  test('dead-lettering, cancel, pause and resume are evented', async ({ adapter, queue }) => {
    const dead = await adapter.enqueue(queue, item('echo', 1), { maxRetries: 0 });
    await adapter.dequeue(queue);
    await adapter.failProcessing(queue, dead, 'x');
    const cancelled = await adapter.enqueue(queue, item('echo', 2));
    await adapter.cancel(queue, cancelled);
    await adapter.pause(queue);
    await adapter.resume(queue);
    const types = (await collect(adapter, [queue], (all) => all.some((e) => e.type === 'resumed'))).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['dead', 'cancelled', 'paused', 'resumed']));
  });

  test("by default the iterator yields only new events, across several queues", async ({ adapter, queue }) => {
    await adapter.createQueue('other');
    await adapter.enqueue(queue, item('echo', 'old'));
    const controller = new AbortController();
    const iterator = adapter.events([queue, 'other'], { signal: controller.signal });
    const first = iterator.next();
    await new Promise((r) => setTimeout(r, 100));
    const id = await adapter.enqueue('other', item('echo', 'new'));
    const { value } = await first;
    controller.abort();
    await iterator.return?.();
    expect(value).toEqual([expect.objectContaining({ queue: 'other', type: 'enqueued', jobId: id })]);
  });

  test('the stream is capped near events_max_len', async ({ connect }) => {
    const adapter = await connect({ events_max_len: 100 });
    await adapter.createQueue('capped');
    for (let i = 0; i < 5; i++) await adapter.enqueueMany('capped', Array.from({ length: 100 }, (_, j) => item('echo', j)));
    const events = await collect(adapter, ['capped'], () => false, '0', 300);
    expect(events.length).toBeLessThan(300);
    expect(events.length).toBeGreaterThanOrEqual(100);
  });
});
