import { describe, expect } from 'vitest';
import type { Redis } from 'ioredis';
import type { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { readsNaming } from '../../support/monitor';
import { item, queueTest as test } from '../../support/queue';

const keep = (completed: { count: number; ageS: number }, dead: { count: number; ageS: number }) => ({ retention: { completed, dead } });

/** The job-hash reads (HMGET of `fk`) Redis ran for `prefix` while `act` ran. */
const childReads = async (redis: Redis, prefix: string, act: () => Promise<void>): Promise<number> =>
  (await readsNaming(redis, prefix, 'fk', act)).length;

async function completeAll(adapter: RedisQueueAdapter, queue: string, n: number): Promise<void> {
  await adapter.enqueueMany(
    queue,
    Array.from({ length: n }, (_, i) => item('echo', i)),
  );
  const leased = await adapter.dequeueMany(queue, n);
  await adapter.completeMany(
    queue,
    leased.map((j) => ({ id: j.action.id, token: j.lease.token, result: null })),
  );
}

describe('retention', () => {
  test('a queue none of whose jobs had children trims without reading each trimmed job', async ({ adapter, redis, prefix }) => {
    await adapter.createQueue('r', keep({ count: 0, ageS: 3600 }, { count: 10, ageS: 3600 }));
    expect(await childReads(redis, prefix, () => completeAll(adapter, 'r', 20))).toBe(0);
    expect((await adapter.counts('r')).completed).toBe(0);
  });

  test('once a job of the queue had children, each trimmed job is read for them', async ({ adapter, redis, prefix }) => {
    await adapter.createQueue('r', keep({ count: 0, ageS: 3600 }, { count: 10, ageS: 3600 }));
    await adapter.flows.enqueueFlow({ queue: 'r', item: item('echo', 'parent'), children: [{ queue: 'r', item: item('echo', 'child') }] });
    const reads = await childReads(redis, prefix, async () => {
      const [child] = await adapter.dequeueMany('r', 1);
      await adapter.completeMany('r', [{ id: child!.action.id, token: child!.lease.token, result: null }]);
    });
    expect(reads).toBe(1);
  });

  test('completed jobs beyond the count are trimmed, oldest first, hashes included', async ({ adapter, redis, prefix }) => {
    await adapter.createQueue('r', keep({ count: 3, ageS: 3600 }, { count: 10, ageS: 3600 }));
    const ids = await adapter.enqueueMany(
      'r',
      Array.from({ length: 5 }, (_, i) => item('echo', i)),
    );
    for (const id of ids) {
      await adapter.dequeue('r');
      await adapter.completeProcessing('r', id, null);
    }
    expect((await adapter.counts('r')).completed).toBe(3);
    expect(await adapter.getJob('r', ids[0]!)).toBeNull();
    expect(await adapter.getJob('r', ids[4]!)).not.toBeNull();
    expect(await redis.exists(`${prefix}:{r}:job:${ids[0]}`)).toBe(0);
  });

  test('dead jobs older than age_s are trimmed', async ({ adapter }) => {
    await adapter.createQueue('r', { maxRetries: 0, ...keep({ count: 100, ageS: 3600 }, { count: 100, ageS: 1 }) });
    const old = await adapter.enqueue('r', item('echo', 'old'));
    await adapter.dequeue('r');
    await adapter.failProcessing('r', old, 'x');
    await new Promise((r) => setTimeout(r, 1100));
    const fresh = await adapter.enqueue('r', item('echo', 'fresh'));
    await adapter.dequeue('r');
    await adapter.failProcessing('r', fresh, 'x');
    expect(await adapter.getJob('r', old)).toBeNull();
    expect((await adapter.getJob('r', fresh))?.state).toBe('dead');
  });

  test('memory stays bounded: 2,000 completed jobs leave only the retained ones', async ({ adapter, redis, prefix }) => {
    await adapter.createQueue('r', keep({ count: 100, ageS: 3600 }, { count: 100, ageS: 3600 }));
    for (let b = 0; b < 4; b++) {
      await adapter.enqueueMany(
        'r',
        Array.from({ length: 500 }, (_, i) => item('echo', i)),
      );
      const leased = await adapter.dequeueMany('r', 500);
      await adapter.completeMany(
        'r',
        leased.map((j) => ({ id: j.action.id, token: j.lease.token, result: 1 })),
      );
    }
    let jobKeys = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:{r}:job:*`, 'COUNT', 1000);
      cursor = next;
      jobKeys += keys.length;
    } while (cursor !== '0');
    expect(jobKeys).toBe(100);
  });

  test("a small completed job's hash stays a compact listpack under Redis' default limits", async ({ adapter, queue, redis, prefix }) => {
    // The default: a value over 64 bytes turns the whole hash into a hashtable, about twice the memory.
    expect(await redis.config('GET', 'hash-max-listpack-value')).toEqual(['hash-max-listpack-value', '64']);
    const id = await adapter.enqueue(queue, item('echo', 'x'));
    const [job] = await adapter.dequeueMany(queue, 1, { workerId: 'w' });
    await adapter.completeMany(queue, [{ id, token: job?.lease.token ?? '', result: 'x' }]);
    expect((await adapter.getJob(queue, id))?.state).toBe('completed');
    expect(await redis.object('ENCODING', `${prefix}:{${queue}}:job:${id}`)).toBe('listpack');
  });
});
