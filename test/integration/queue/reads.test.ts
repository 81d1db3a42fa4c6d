import { describe, expect } from 'vitest';
import { item, queueTest as test } from '../../support/queue';

describe('reads', () => {
  test('getJob returns every attempt with worker, times, outcome and error', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue, { workerId: 'w1' });
    await adapter.startProcessing(queue, id, 'w1');
    await adapter.failProcessing(queue, id, new Error('first'));
    await adapter.dequeue(queue);
    await adapter.startProcessing(queue, id, 'w2');
    await adapter.completeProcessing(queue, id, 'ok');
    const { attempts } = (await adapter.getJob(queue, id))!;
    expect(attempts).toMatchObject([
      { number: 1, worker: 'w1', outcome: 'failed', error: 'first' },
      { number: 2, worker: 'w2', outcome: 'completed' },
    ]);
    for (const a of attempts) {
      expect(a.leasedAt).toBeLessThanOrEqual(a.startedAt!);
      expect(a.startedAt).toBeLessThanOrEqual(a.endedAt!);
    }
  });

  test('getJob of an unknown id is null', async ({ adapter, queue }) => {
    expect(await adapter.getJob(queue, 'nope')).toBeNull();
  });

  test('listJobs pages through a state with a cursor', async ({ adapter, queue }) => {
    const ids = await adapter.enqueueMany(
      queue,
      Array.from({ length: 5 }, (_, i) => item('echo', i)),
    );
    const first = await adapter.listJobs(queue, 'waiting', { limit: 2 });
    const second = await adapter.listJobs(queue, 'waiting', { limit: 2, cursor: first.cursor! });
    const third = await adapter.listJobs(queue, 'waiting', { limit: 2, cursor: second.cursor! });
    expect([...first.jobs, ...second.jobs, ...third.jobs].map((j) => j.id)).toEqual(ids);
    expect(third.cursor).toBeUndefined();
  });

  test('listJobs shows finished jobs newest first', async ({ adapter, queue }) => {
    const ids = await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2)]);
    for (const id of ids) {
      await adapter.dequeue(queue);
      await adapter.completeProcessing(queue, id, null);
      await new Promise((r) => setTimeout(r, 5));
    }
    expect((await adapter.listJobs(queue, 'completed')).jobs.map((j) => j.id)).toEqual([...ids].reverse());
  });

  test('counts reports every state', async ({ adapter, queue }) => {
    const [a, b, c] = await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2), item('echo', 3), item('echo', 4)]);
    await adapter.enqueue(queue, item('echo', 5), { delayMs: 60_000 });
    await adapter.dequeueMany(queue, 3);
    await adapter.completeProcessing(queue, a!, 1);
    await adapter.failProcessing(queue, b!, 'x', { retryable: false });
    await adapter.cancel(queue, c!);
    expect(await adapter.counts(queue)).toEqual({
      waiting: 1,
      delayed: 1,
      active: 1,
      completed: 1,
      dead: 1,
      cancelled: 0,
      paused: 0,
      'waiting-children': 0,
    });
  });

  test('search finds jobs by id, agent, payload text and error text', async ({ adapter, queue }) => {
    const quarterly = await adapter.enqueue(queue, item('summarizer', 'Summarise the Q3 earnings call.'));
    const other = await adapter.enqueue(queue, item('echo', 'hello'), { jobId: 'special-id' });
    const failing = await adapter.enqueue(queue, item('echo', 'x'));
    await adapter.dequeueMany(queue, 3);
    await adapter.failProcessing(queue, failing, new Error('Upstream TIMEOUT'), { retryable: false });
    expect((await adapter.search(queue, 'earnings')).map((j) => j.id)).toEqual([quarterly]);
    expect((await adapter.search(queue, 'SUMMARIZER')).map((j) => j.id)).toEqual([quarterly]);
    expect((await adapter.search(queue, 'special')).map((j) => j.id)).toEqual([other]);
    expect((await adapter.search(queue, 'timeout')).map((j) => j.id)).toEqual([failing]);
    expect(await adapter.search(queue, 'absent')).toEqual([]);
  });
});
