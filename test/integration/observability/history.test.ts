import type { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import { QueueKeys } from '../../../src-main/queue/keys';
import { metricsKey, rollupKey } from '../../../src-main/observability/history-keys';
import { readHistoryTotals, setHistoryRetention } from '../../../src-main/observability/history';
import { readsNaming } from '../../support/monitor';
import { item, queueTest as test } from '../../support/queue';

/** The reads of a job's timing fields (metrics.lua's slow path) Redis ran for `prefix` while `act` ran. */
const timingReads = async (redis: Redis, prefix: string, act: () => Promise<unknown>): Promise<number> =>
  (await readsNaming(redis, prefix, 'a:1:started', act)).length;

const minuteOf = async (redis: Redis): Promise<number> => Math.floor(Number((await redis.time())[0]) / 60);

describe('metrics history', () => {
  test('completions count per agent, with their wait and run time', async ({ adapter, queue }) => {
    await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2), item('upper', 3)]);
    const leased = await adapter.dequeueMany(queue, 3);
    await adapter.completeMany(
      queue,
      leased.map((j) => ({ id: j.action.id, token: j.lease.token, result: 1 })),
    );
    const all = await adapter.metricsHistory(queue, { range: '15m' });
    expect(all.totals).toEqual({ completed: 3, failed: 0, retried: 0, dead: 0, cancelled: 0 });
    expect(all.agents).toEqual(['echo', 'upper']);
    expect(all.series).toHaveLength(15);
    expect(all.waitBuckets.reduce((a, b) => a + b)).toBe(3);
    expect(all.runBuckets.reduce((a, b) => a + b)).toBe(3);
    expect(all.wait.p50).not.toBeNull();
    const upper = await adapter.metricsHistory(queue, { range: '15m', agent: 'upper' });
    expect(upper.totals.completed).toBe(1);
  });

  test('a failure with retries left counts as retried, the last as dead; both as failed', async ({ adapter }) => {
    await adapter.createQueue('flaky', { maxRetries: 1, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
    const id = await adapter.enqueue('flaky', item('echo', 1));
    for (let i = 0; i < 2; i++) {
      const job = await adapter.dequeue('flaky');
      await adapter.failProcessing('flaky', id, new Error('boom'), { token: job!.lease.token });
    }
    const h = await adapter.metricsHistory('flaky', { range: '15m' });
    expect(h.totals).toEqual({ completed: 0, failed: 2, retried: 1, dead: 1, cancelled: 0 });
  });

  test('a stalled lease counts as retried when recovered', async ({ adapter, queue, redis, prefix }) => {
    await adapter.enqueue(queue, item('echo', 1), { jobId: 's' });
    await adapter.dequeue(queue);
    await redis.zadd(new QueueKeys(prefix, queue).key('active'), 1, 's');
    await adapter.recoverStalled(queue);
    expect((await adapter.metricsHistory(queue, { range: '15m' })).totals.retried).toBe(1);
  });

  test("'all' merges every queue's history", async ({ adapter, queue }) => {
    await adapter.createQueue('other');
    for (const q of [queue, 'other']) {
      await adapter.enqueue(q, item('echo', 1));
      const job = await adapter.dequeue(q);
      await adapter.completeProcessing(q, job!.action.id, 1, job!.lease.token);
    }
    const h = await adapter.metricsHistory('all', { range: '1h' });
    expect(h.queues).toEqual(['jobs', 'other']);
    expect(h.totals.completed).toBe(2);
    expect(h.series).toHaveLength(60);
  });

  test('the minute hash expires after the retention the queue is given', async ({ adapter, queue, redis, prefix }) => {
    await setHistoryRetention(redis, prefix, queue, 1);
    await adapter.enqueue(queue, item('echo', 1));
    const job = await adapter.dequeue(queue);
    const minute = await minuteOf(redis);
    await adapter.completeProcessing(queue, job!.action.id, 1, job!.lease.token);
    const k = new QueueKeys(prefix, queue);
    const ttls = await Promise.all([minute, minute + 1].map((m) => redis.ttl(metricsKey(k, m))));
    expect(Math.max(...ttls)).toBeGreaterThan(86400 - 60);
    expect(Math.max(...ttls)).toBeLessThanOrEqual(86400);
  });

  test('longer ranges roll finished hours up once, and read the roll-up after', async ({ adapter, queue, redis, prefix }) => {
    const k = new QueueKeys(prefix, queue);
    const hour = Math.floor(Number((await redis.time())[0]) / 3600) - 2;
    await redis.hset(metricsKey(k, hour * 60 + 5), 'c|echo', 4, 't7|echo', 4);
    await redis.hset(metricsKey(k, hour * 60 + 59), 'c|echo', 1, 'd|echo', 2, 'f|echo', 2);
    const h = await adapter.metricsHistory(queue, { range: '24h' });
    expect(h.series).toHaveLength(24);
    expect(h.series[21]).toMatchObject({ completed: 5, dead: 2, failed: 2 });
    expect(await redis.hgetall(rollupKey(k, hour))).toEqual({ 'c|echo': '5', 't7|echo': '4', 'd|echo': '2', 'f|echo': '2' });
    // The roll-up is what is read now: its minutes may go.
    await redis.del(metricsKey(k, hour * 60 + 5), metricsKey(k, hour * 60 + 59));
    expect((await adapter.metricsHistory(queue, { range: '7d' })).totals.completed).toBe(5);
    expect((await adapter.metricsHistory(queue, { range: '24h' })).run.p50).toBeGreaterThan(25);
  });
  test("a completion sent without the lease's history counts under the job's own `ag` field, not its payload's agent", async ({
    adapter,
    connect,
    queue,
    redis,
    prefix,
  }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await redis.hset(new QueueKeys(prefix, queue).job(id), 'ag', 'summarise');
    const job = await adapter.dequeue(queue);
    // Another adapter did not lease it: its completion carries no history, so the script reads the hash.
    const other = await connect();
    await other.completeProcessing(queue, id, 1, job!.lease.token);
    const h = await adapter.metricsHistory(queue, { range: '15m' });
    expect(h.agents).toEqual(['summarise']);
    expect(h.totals.completed).toBe(1);
    expect(h.waitBuckets.reduce((a, b) => a + b)).toBe(1);
    expect(h.runBuckets.reduce((a, b) => a + b)).toBe(1);
  });

  test('the adapter that leased a batch sends its history with the completion: each wait and run time is counted', async ({
    adapter,
    queue,
    redis,
    prefix,
  }) => {
    await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2)]);
    await sleep(30);
    const leased = await adapter.dequeueMany(queue, 2);
    await sleep(60);
    const reads = await timingReads(redis, prefix, () =>
      adapter.completeMany(
        queue,
        leased.map((j) => ({ id: j.action.id, token: j.lease.token, result: 1 })),
      ),
    );
    // The script read no job's timing fields: the sums came with the call.
    expect(reads).toBe(0);
    const h = await adapter.metricsHistory(queue, { range: '15m' });
    expect(h.totals.completed).toBe(2);
    // Buckets: wait in (25, 50] (or above on a busy box), run in (50, 100] or above.
    expect(h.wait.p50).toBeGreaterThanOrEqual(25);
    expect(h.run.p50).toBeGreaterThanOrEqual(50);
    expect(h.runBuckets.reduce((a, b) => a + b)).toBe(2);
  });

  test("a batch with a refused completion counts only the jobs it completed, each from the job's hash", async ({
    adapter,
    queue,
    redis,
    prefix,
  }) => {
    await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2)]);
    const [a, b] = await adapter.dequeueMany(queue, 2);
    let results: Awaited<ReturnType<typeof adapter.completeMany>> = [];
    const reads = await timingReads(redis, prefix, async () => {
      results = await adapter.completeMany(queue, [
        { id: a!.action.id, token: a!.lease.token, result: 1 },
        { id: b!.action.id, token: 'not-its-token', result: 1 },
      ]);
    });
    expect(results.map((r) => r.ok)).toEqual([true, false]);
    expect(reads).toBe(1);
    const h = await adapter.metricsHistory(queue, { range: '15m' });
    expect(h.totals.completed).toBe(1);
    expect(h.runBuckets.reduce((x, y) => x + y)).toBe(1);
  });

  test('a job without `ag` (enqueued by an older version) counts under the agent its payload names', async ({
    adapter,
    queue,
    redis,
    prefix,
  }) => {
    const id = await adapter.enqueue(queue, item('upper', 1));
    await redis.hdel(new QueueKeys(prefix, queue).job(id), 'ag');
    const job = await adapter.dequeue(queue);
    await adapter.failProcessing(queue, id, new Error('no'), { token: job!.lease.token, retryable: false });
    const h = await adapter.metricsHistory(queue, { range: '15m' });
    expect(h.agents).toEqual(['upper']);
    expect(h.totals).toEqual({ completed: 0, failed: 1, retried: 0, dead: 1, cancelled: 0 });
  });

  test('a leased job quarantined for an unusable message counts as dead, with its agent and times', async ({
    adapter,
    queue,
    redis,
    prefix,
  }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await redis.hset(new QueueKeys(prefix, queue).job(id), 'pl', '{"agent":"echo","input":{not json');
    expect(await adapter.dequeueMany(queue, 1)).toEqual([]);
    const h = await adapter.metricsHistory(queue, { range: '15m' });
    expect(h.totals).toEqual({ completed: 0, failed: 1, retried: 0, dead: 1, cancelled: 0 });
    expect(h.agents).toEqual(['echo']);
    expect(h.runBuckets.reduce((a, b) => a + b)).toBe(1);
  });

  test('a held job whose key turned into another type counts as dead once it is set aside', async ({ adapter, queue, redis, prefix }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    const job = await adapter.dequeue(queue);
    await redis.del(new QueueKeys(prefix, queue).job(id));
    await redis.set(new QueueKeys(prefix, queue).job(id), 'x');
    await expect(adapter.completeProcessing(queue, id, 1, job!.lease.token)).rejects.toThrow();
    expect((await adapter.getJob(queue, id))?.state).toBe('dead');
    expect((await adapter.metricsHistory(queue, { range: '15m' })).totals).toEqual({
      completed: 0,
      failed: 1,
      retried: 0,
      dead: 1,
      cancelled: 0,
    });
  });

  test('a waiting job whose key holds another type ends dead at lease, and counts as dead', async ({ adapter, queue, redis, prefix }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await redis.del(new QueueKeys(prefix, queue).job(id));
    await redis.set(new QueueKeys(prefix, queue).job(id), 'x');
    expect(await adapter.dequeueMany(queue, 1)).toEqual([]);
    expect((await adapter.metricsHistory(queue, { range: '15m' })).totals.dead).toBe(1);
  });
  test('the totals are the closed minutes plus the open one; a minute joins them when the next is written', async ({
    adapter,
    queue,
    redis,
    prefix,
  }) => {
    const k = new QueueKeys(prefix, queue);
    const completeOne = async (): Promise<void> => {
      const id = await adapter.enqueue(queue, item('echo', 1));
      const job = await adapter.dequeue(queue);
      await adapter.completeProcessing(queue, id, 1, job!.lease.token);
    };
    await completeOne();
    // One write per field: the open minute only, and the totals still count it.
    expect(await redis.exists(`${k.base}m:all`)).toBe(0);
    expect((await readHistoryTotals(redis, prefix, queue))['c|echo']).toBe('1');
    // As if that minute were the one before: the next write closes it into the totals.
    const minute = Number(await redis.hget(k.key('meta'), 'mx_m'));
    await redis.rename(metricsKey(k, minute), metricsKey(k, minute - 1));
    await redis.hset(k.key('meta'), 'mx_m', minute - 1);
    // An earlier version's plain field in that minute: it wrote the totals itself, so the minute joins without it.
    await redis.hset(metricsKey(k, minute - 1), 'c|echo', 5);
    expect((await readHistoryTotals(redis, prefix, queue))['c|echo']).toBe('1');
    await completeOne();
    const all = await redis.hgetall(`${k.base}m:all`);
    expect(all['c|echo']).toBeUndefined();
    expect(all['c.|echo']).toBe('1');
    expect((await readHistoryTotals(redis, prefix, queue))['c|echo']).toBe('2');
    const ttl = await redis.ttl(metricsKey(k, minute - 1));
    expect(ttl).toBeGreaterThan(7 * 86400 - 120);
    expect(ttl).toBeLessThanOrEqual(7 * 86400);
    // The minutes themselves count every field, the earlier version's too.
    expect((await adapter.metricsHistory(queue, { range: '15m' })).totals.completed).toBe(2 + 5);
  });
});
