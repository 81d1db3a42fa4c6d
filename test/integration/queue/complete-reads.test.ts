import { describe, expect } from 'vitest';
import type { Redis } from 'ioredis';
import type { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { readsNaming } from '../../support/monitor';
import { item, queueTest as test } from '../../support/queue';

/** The job-hash reads of complete (HMGET of `tok`) Redis ran for `prefix` while `act` ran, as their field lists. */
const completeReads = (redis: Redis, prefix: string, act: () => Promise<void>): Promise<string[][]> =>
  readsNaming(redis, prefix, 'tok', act);

async function leaseAndComplete(adapter: RedisQueueAdapter, queue: string): Promise<void> {
  const leased = await adapter.dequeueMany(queue, 10);
  await adapter.completeMany(
    queue,
    leased.map((j) => ({ id: j.action.id, token: j.lease.token, result: null })),
  );
}

describe('complete reads', () => {
  test("a queue with neither flow children nor limits completes without reading any job's par or lc", async ({
    adapter,
    redis,
    prefix,
  }) => {
    await adapter.createQueue('plain');
    await adapter.enqueueMany('plain', [item('echo', 1), item('echo', 2)]);
    const reads = await completeReads(redis, prefix, () => leaseAndComplete(adapter, 'plain'));
    expect(reads).toEqual([
      ['state', 'tok', 'att'],
      ['state', 'tok', 'att'],
    ]);
    expect((await adapter.counts('plain')).completed).toBe(2);
  });

  test('once a job of the queue has a flow parent, complete reads par (not lc), and the parent hears of its child', async ({
    adapter,
    redis,
    prefix,
  }) => {
    await adapter.createQueue('kids');
    const { id: parent } = await adapter.flows.enqueueFlow({
      queue: 'kids',
      item: item('echo', 'parent'),
      children: [{ queue: 'kids', item: item('echo', 'child') }],
    });
    const reads = await completeReads(redis, prefix, () => leaseAndComplete(adapter, 'kids'));
    expect(reads).toEqual([['state', 'tok', 'att', 'par']]);
    await expect.poll(async () => (await adapter.getJob('kids', parent))?.state, { timeout: 5000 }).toBe('waiting');
  });

  test('once the queue has limits, complete reads lc (not par) and gives the slots back', async ({ adapter, redis, prefix }) => {
    await adapter.createQueue('lim');
    await adapter.limits.set('lim', { concurrency: 1 });
    await adapter.enqueueMany('lim', [item('echo', 1), item('echo', 2)]);
    const reads = await completeReads(redis, prefix, () => leaseAndComplete(adapter, 'lim'));
    expect(reads).toEqual([['state', 'tok', 'att', 'lc']]);
    // The one slot came back: the second job leases now.
    expect(await adapter.dequeueMany('lim', 10)).toHaveLength(1);
  });

  test('a limited queue with flow children reads both, and both the parent and the slot hear of the end', async ({
    adapter,
    redis,
    prefix,
  }) => {
    await adapter.createQueue('both');
    await adapter.limits.set('both', { concurrency: 1 });
    const { id: parent } = await adapter.flows.enqueueFlow({
      queue: 'both',
      item: item('echo', 'parent'),
      children: [{ queue: 'both', item: item('echo', 'child') }],
    });
    const reads = await completeReads(redis, prefix, () => leaseAndComplete(adapter, 'both'));
    expect(reads).toEqual([['state', 'tok', 'att', 'par', 'lc']]);
    await expect.poll(async () => (await adapter.getJob('both', parent))?.state, { timeout: 5000 }).toBe('waiting');
    expect(await adapter.dequeueMany('both', 10)).toHaveLength(1);
  });
});
