import { describe, expect } from 'vitest';
import { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { item, queueTest as test, testAdapterOptions } from '../../support/queue';
import { testRedisUrl } from '../../support/redis';

describe('bad data in Redis', () => {
  test('a job whose stored message is not JSON is moved to dead as malformed, raw value kept', async ({
    adapter,
    queue,
    redis,
    prefix,
  }) => {
    const bad = await adapter.enqueue(queue, item('echo', 'bad'));
    const good = await adapter.enqueue(queue, item('echo', 'good'));
    await redis.hset(`${prefix}:{${queue}}:job:${bad}`, 'pl', '{not json');
    const got = await adapter.dequeueMany(queue, 2);
    expect(got.map((j) => j.action.id)).toEqual([good]);
    const job = await adapter.getJob(queue, bad);
    expect(job).toMatchObject({ state: 'dead', reason: 'malformed', item: null });
    expect(job?.raw).toContain('"payload":{not json');
    expect(job?.error).toMatch(/invalid JSON/);
  });

  test('a stored message of the wrong shape is quarantined too', async ({ adapter, queue, redis, prefix }) => {
    const bad = await adapter.enqueue(queue, item('echo', 'bad'));
    await redis.hset(`${prefix}:{${queue}}:job:${bad}`, 'src', '1');
    expect(await adapter.dequeue(queue)).toBeNull();
    expect((await adapter.getJob(queue, bad))?.reason).toBe('malformed');
  });

  test('a job hash without its message fields is moved to dead as malformed, with one log line', async ({ redis, prefix }) => {
    const lines: string[] = [];
    const logged = await RedisQueueAdapter.connect({ ...testAdapterOptions(prefix, testRedisUrl()), log: (l) => lines.push(l) });
    try {
      await logged.createQueue('m');
      const bare = await logged.enqueue('m', item('echo', 'bare'));
      const good = await logged.enqueue('m', item('echo', 'good'));
      await redis.hdel(`${prefix}:{m}:job:${bare}`, 'src', 'dst', 'pl');
      expect((await logged.dequeue('m'))?.action.id).toBe(good);
      expect(await logged.getJob('m', bare)).toMatchObject({ state: 'dead', reason: 'malformed' });
      expect(await logged.counts('m')).toMatchObject({ waiting: 0, active: 1, dead: 1 });
      expect(lines.filter((l) => l.includes(`job ${bare}`))).toHaveLength(1);
    } finally {
      await logged.close();
    }
  });

  test('a waiting id with no job hash is skipped and the queue keeps moving', async ({ adapter, queue, redis, prefix }) => {
    await redis.zadd(`${prefix}:{${queue}}:wait`, 0, 'ghost');
    const real = await adapter.enqueue(queue, item('echo', 1));
    expect((await adapter.dequeue(queue))?.action.id).toBe(real);
    expect(await adapter.counts(queue)).toMatchObject({ waiting: 0, active: 1 });
  });

  test('a job key of the wrong type becomes a dead record pointing at its raw value', async ({ adapter, queue, redis, prefix }) => {
    const key = `${prefix}:{${queue}}:job:broken`;
    await redis.zadd(`${prefix}:{${queue}}:wait`, 0, 'broken');
    await redis.set(key, 'garbage');
    const real = await adapter.enqueue(queue, item('echo', 1));
    expect((await adapter.dequeue(queue))?.action.id).toBe(real);
    expect(await adapter.getJob(queue, 'broken')).toMatchObject({ state: 'dead', reason: 'malformed' });
    expect(await redis.get(`${key}:raw`)).toBe('garbage');
  });

  test('a queue key of the wrong type is set aside with its value and the queue keeps working', async ({
    adapter,
    queue,
    redis,
    prefix,
  }) => {
    await redis.set(`${prefix}:{${queue}}:wait`, 'not a zset');
    const id = await adapter.enqueue(queue, item('echo', 1));
    expect((await adapter.dequeue(queue))?.action.id).toBe(id);
    const aside = await redis.keys(`${prefix}:{${queue}}:wait:malformed:*`);
    expect(aside).toHaveLength(1);
    expect(await redis.get(aside[0]!)).toBe('not a zset');
  });

  test('stalled recovery skips an active id whose job hash is gone', async ({ adapter, redis, prefix }) => {
    await adapter.createQueue('short', { leaseMs: 1000 });
    await redis.zadd(`${prefix}:{short}:active`, 0, 'ghost');
    const id = await adapter.enqueue('short', item('echo', 1));
    expect((await adapter.dequeue('short'))?.action.id).toBe(id);
    expect((await adapter.counts('short')).active).toBe(1);
  });

  test("a huge message written behind the adapter's back is quarantined, not handed to a worker", async ({ connect, redis, prefix }) => {
    const adapter = await connect({ max_payload_bytes: 1000 });
    await adapter.createQueue('q');
    const id = await adapter.enqueue('q', item('echo', 'small'));
    await redis.hset(`${prefix}:{q}:job:${id}`, 'pl', JSON.stringify(item('echo', 'x'.repeat(5000)).message.payload));
    expect(await adapter.dequeue('q')).toBeNull();
    const job = await adapter.getJob('q', id);
    expect(job).toMatchObject({ state: 'dead', reason: 'malformed' });
    expect(job?.error).toMatch(/exceeds max_payload_bytes/);
  });

  test("garbage in a job's numeric fields does not lose the job or break the script", async ({ adapter, queue, redis, prefix }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await redis.hset(`${prefix}:{${queue}}:job:${id}`, 'att', 'abc', 'mr', '?', 'prio', 'x');
    const leased = await adapter.dequeue(queue);
    expect(leased?.action.id).toBe(id);
    expect(await adapter.failProcessing(queue, id, new Error('x'))).toBe('dead');
    expect((await adapter.getJob(queue, id))?.state).toBe('dead');
  });
});
