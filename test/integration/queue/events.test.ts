import { describe, expect } from 'vitest';
import type { JobEvent } from '../../../src-shared/job';
import { QueueKeys } from '../../../src-main/queue/keys';
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

const eventsKey = (adapter: RedisQueueAdapter, queue: string): string => new QueueKeys(adapter.keyPrefix, queue).key('events');

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
      'enqueued',
      'leased',
      'started',
      'failed',
      'retrying',
      'leased',
      'started',
      'completed',
    ]);
    expect(events.find((e) => e.type === 'failed')).toMatchObject({ attempt: 1, error: 'boom', reason: 'failed' });
    expect(events.find((e) => e.type === 'started')).toMatchObject({ worker: 'w1' });
    const ids = events.map((e) => e.id);
    expect([...ids].sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))).toEqual(ids);
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

  test('by default the iterator yields only new events, across several queues', async ({ adapter, queue }) => {
    await adapter.createQueue('other');
    await adapter.enqueue(queue, item('echo', 'old'));
    const controller = new AbortController();
    const iterator = adapter.events([queue, 'other'], { signal: controller.signal });
    // No wait for the iterator to start: what this adapter enqueues after the call is read.
    const first = iterator.next();
    const id = await adapter.enqueue('other', item('echo', 'new'));
    const { value } = await first;
    controller.abort();
    await iterator.return?.();
    expect(value).toEqual([expect.objectContaining({ queue: 'other', type: 'enqueued', jobId: id })]);
  });

  test('reading on from an id that is no event id fails at once with a typed error', async ({ adapter, queue }) => {
    const iterator = adapter.events([queue], { fromId: 'yesterday' });
    await expect(iterator.next()).rejects.toMatchObject({
      code: 'INVALID_ARGS',
      message: expect.stringContaining('invalid event id "yesterday"'),
    });
  });

  test('a call for many jobs writes one entry per event type, read back as one event per job', async ({ adapter, queue }) => {
    const ids = await adapter.enqueueMany(queue, [
      item('echo', 1),
      item('echo', 2),
      item('other', 3),
      { item: item('echo', 4), opts: { delayMs: 60_000 } },
    ]);
    const leased = await adapter.dequeueMany(queue, 3, { workerId: 'w1' });
    await adapter.completeMany(
      queue,
      leased.map((j) => ({ id: j.action.id, token: j.lease.token, result: 'ok' })),
    );
    expect(await adapter.redis.xlen(eventsKey(adapter, queue))).toBe(3);
    const events = await collect(adapter, [queue], (all) => all.some((e) => e.type === 'completed'));
    expect(events.map(({ type, jobId, agent, attempt, delayMs }) => ({ type, jobId, agent, attempt, delayMs }))).toEqual([
      { type: 'enqueued', jobId: ids[0], agent: 'echo' },
      { type: 'enqueued', jobId: ids[1], agent: 'echo' },
      { type: 'enqueued', jobId: ids[2], agent: 'other' },
      { type: 'enqueued', jobId: ids[3], agent: 'echo', delayMs: 60_000 },
      ...ids.slice(0, 3).map((jobId) => ({ type: 'leased', jobId, attempt: 1 })),
      ...ids.slice(0, 3).map((jobId) => ({ type: 'completed', jobId, attempt: 1 })),
    ]);
    const [first] = await adapter.redis.xrange(eventsKey(adapter, queue), '-', '+', 'COUNT', 1);
    expect(events.slice(0, 4).map((e) => e.id)).toEqual([0, 1, 2, 3].map((k) => `${first?.[0]}#${k}`));
    expect(new Set(events.map((e) => e.id)).size).toBe(events.length);
  });

  test("a fail call for many jobs: each job's failed event, then where it went", async ({ adapter }) => {
    await adapter.createQueue('fails', { maxRetries: 1, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
    // Every third job not retryable (dead), the rest retried.
    const ids = await adapter.enqueueMany(
      'fails',
      Array.from({ length: 150 }, (_, i) => item('echo', i)),
    );
    const leased = await adapter.dequeueMany('fails', 150);
    const where = await adapter.failMany(
      'fails',
      leased.map((j, i) => ({ id: j.action.id, token: j.lease.token, error: new Error(`e${i}`), retryable: i % 3 !== 0 })),
    );
    expect(where.filter((r) => r.ok && r.value === 'dead')).toHaveLength(50);
    expect(where.filter((r) => r.ok && r.value === 'waiting')).toHaveLength(100);
    const events = await collect(adapter, ['fails'], (all) => all.filter((e) => e.type === 'failed').length === 150);
    for (const [i, id] of ids.entries()) {
      const own = events.filter((e) => e.jobId === id && e.type !== 'enqueued' && e.type !== 'leased');
      expect(own.map((e) => e.type)).toEqual(['failed', i % 3 === 0 ? 'dead' : 'retrying']);
      expect(own[0]).toMatchObject({ attempt: 1, error: `e${i}` });
    }
  });

  test('a call for one job writes the plain entry, readable as it is', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeueMany(queue, 5, { workerId: 'w1' });
    const entries = await adapter.redis.xrange(eventsKey(adapter, queue), '-', '+');
    expect(entries.map(([, fields]) => fields)).toEqual([
      ['e', 'enqueued', 'g', 'echo', 'j', id],
      ['e', 'leased', 'j', id, 'a', '1'],
    ]);
    const events = await collect(adapter, [queue], (all) => all.length === 2);
    expect(events.map((e) => e.id)).toEqual(entries.map(([entryId]) => entryId));
  });

  test('reading on from an event inside a batched entry delivers the rest of it, once', async ({ adapter }) => {
    await adapter.createQueue('manual');
    const key = eventsKey(adapter, 'manual');
    // Both ways of finding the id before an entry: the sequence before (5-1) and the millisecond before (5-0).
    await adapter.redis.xadd(key, '5-0', 'e', 'completed', 'j', 'a', 'a', '1', 'j', 'b', 'a', '1', 'j', 'c', 'a', '1');
    await adapter.redis.xadd(key, '5-1', 'e', 'leased', 'j', 'd', 'a', '1', 'j', 'e', 'a', '2');
    await adapter.redis.xadd(key, '6-0', 'e', 'cancelled', 'j', 'f');
    const all = await collect(adapter, ['manual'], (got) => got.length === 6);
    expect(all.map((e) => e.id)).toEqual(['5-0#0', '5-0#1', '5-0#2', '5-1#0', '5-1#1', '6-0']);
    for (const [k, e] of all.entries()) {
      const rest = k === all.length - 1 ? [] : await collect(adapter, ['manual'], (got) => got.length >= all.length - k - 1, e.id);
      expect(rest, e.id).toEqual(all.slice(k + 1));
    }
  });

  test('the stream is capped near events_max_len: entries, and the events of batched entries', async ({ connect }) => {
    const adapter = await connect({ events_max_len: 100 });
    await adapter.createQueue('capped');
    const key = eventsKey(adapter, 'capped');
    for (let i = 0; i < 300; i++) await adapter.enqueue('capped', item('echo', i));
    const single = await collect(adapter, ['capped'], () => false, '0', 300);
    expect(single.length).toBeLessThan(300);
    expect(single.length).toBeGreaterThanOrEqual(100);

    // Entries of 64 jobs: 100 entries would keep 6,400 events; their own trim keeps 100 to 2 generations and an entry.
    for (let i = 0; i < 30; i++)
      await adapter.enqueueMany(
        'capped',
        Array.from({ length: 640 }, (_, j) => item('echo', j)),
      );
    const batched = await collect(adapter, ['capped'], () => false, '0', 300);
    expect(batched.length).toBeGreaterThanOrEqual(100);
    expect(batched.length).toBeLessThanOrEqual(2 * 100 + 64);
    expect(await adapter.redis.xlen(key)).toBeLessThanOrEqual(5);
  });
});

describe('events of operator verbs and releases', () => {
  test('promote writes a promoted event', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1), { delayMs: 60_000 });
    await adapter.promote(queue, id);
    const events = await collect(adapter, [queue], (all) => all.some((e) => e.type === 'promoted'));
    expect(events.find((e) => e.type === 'promoted')).toMatchObject({ jobId: id });
  });

  test('a release says why on its retrying event, shutdown by default', async ({ adapter, queue }) => {
    const [a, b] = await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2)]);
    const leased = await adapter.dequeueMany(queue, 2);
    const token = (id: string | undefined): string => leased.find((j) => j.action.id === id)?.lease.token ?? '';
    await adapter.releaseMany(queue, [
      { id: a!, token: token(a) },
      { id: b!, token: token(b), reason: 'neighbour_killed' },
    ]);
    const events = await collect(adapter, [queue], (all) => all.filter((e) => e.type === 'retrying').length === 2);
    const retrying = events.filter((e) => e.type === 'retrying');
    expect(retrying.find((e) => e.jobId === a)).toMatchObject({ reason: 'released', releaseReason: 'shutdown' });
    expect(retrying.find((e) => e.jobId === b)).toMatchObject({ reason: 'released', releaseReason: 'neighbour_killed' });
  });
});
