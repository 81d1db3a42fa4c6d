import type { Redis } from 'ioredis';
import { describe, expect } from 'vitest';
import type { JobEvent } from '../../../src-shared/job';
import type { WorkerInfo } from '../../../src-shared/worker';
import { item, queueTest as test } from '../../support/queue';

async function redisTimeMs(redis: Redis): Promise<number> {
  const [s, us] = await redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

const worker = (id: string, lastHeartbeat = Date.now()): WorkerInfo => ({
  id,
  host: 'h1',
  pid: 123,
  queues: ['jobs'],
  threads: 2,
  concurrency: 8,
  running: ['jobs/1'],
  processed: 5,
  failed: 1,
  startedAt: lastHeartbeat - 1000,
  lastHeartbeat,
});

describe('progress and logs', () => {
  test('progress and log lines of a running job are stored on it and evented', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    const token = (await adapter.dequeue(queue))?.lease.token ?? '';
    expect(
      await adapter.reportProgress(queue, [
        { id, token, fraction: 0.5, message: 'half' },
        { id, token, log: 'line 1' },
        { id, token, log: 'line 2' },
      ]),
    ).toBe(3);
    const job = await adapter.getJob(queue, id);
    expect(job?.progress).toEqual({ fraction: 0.5, message: 'half' });
    expect(job?.logs.map((l) => l.line)).toEqual(['line 1', 'line 2']);
    const events: JobEvent[] = [];
    for await (const batch of adapter.events([queue], { fromId: '0' })) {
      events.push(...batch);
      if (events.some((e) => e.type === 'log' && e.message === 'line 2')) break;
    }
    expect(events.find((e) => e.type === 'progress')).toMatchObject({ jobId: id, fraction: 0.5, message: 'half' });
  });

  test('a stored log line keeps the time it was stored, by the Redis clock, and its attempt', async ({ adapter, queue, redis }) => {
    const id = await adapter.enqueue(queue, item('echo', 1), { maxRetries: 1 });
    const first = (await adapter.dequeue(queue))?.lease.token ?? '';
    await adapter.reportProgress(queue, [{ id, token: first, log: 'try 1' }]);
    await adapter.failProcessing(queue, id, new Error('boom'), { token: first });
    const second = (await adapter.dequeue(queue))?.lease.token ?? '';
    const before = await redisTimeMs(redis);
    await adapter.reportProgress(queue, [{ id, token: second, log: 'try 2' }]);
    const after = await redisTimeMs(redis);
    const logs = (await adapter.getJob(queue, id))?.logs ?? [];
    expect(logs.map(({ line, attempt }) => ({ line, attempt }))).toEqual([
      { line: 'try 1', attempt: 1 },
      { line: 'try 2', attempt: 2 },
    ]);
    expect(logs[1]?.at).toBeGreaterThanOrEqual(before);
    expect(logs[1]?.at).toBeLessThanOrEqual(after);
  });

  test('updates for a job whose lease is gone are dropped', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    const token = (await adapter.dequeue(queue))?.lease.token ?? '';
    await adapter.completeProcessing(queue, id, 1);
    expect(await adapter.reportProgress(queue, [{ id, token, log: 'late' }])).toBe(0);
    expect((await adapter.getJob(queue, id))?.logs).toEqual([]);
  });

  test('startMany starts several attempts in one call', async ({ adapter, queue }) => {
    await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2)]);
    const leased = await adapter.dequeueMany(queue, 2);
    const started = await adapter.startMany(
      queue,
      'w1',
      leased.map((j) => ({ id: j.action.id, token: j.lease.token })),
    );
    expect(started.map((r) => r.ok && r.value)).toEqual([1, 1]);
  });
});

describe('worker registry', () => {
  test('a worker that heartbeats is listed with what it reported', async ({ adapter }) => {
    await adapter.workers.heartbeat(worker('w1'), 5000);
    expect(await adapter.listWorkers()).toEqual([worker('w1', (await adapter.listWorkers())[0]!.lastHeartbeat)]);
  });

  test('the entry of a worker that stops heartbeating expires', async ({ adapter }) => {
    await adapter.workers.heartbeat(worker('gone'), 200);
    await adapter.workers.heartbeat(worker('alive'), 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect((await adapter.listWorkers()).map((w) => w.id)).toEqual(['alive']);
  });

  test('unregister removes a worker at once', async ({ adapter }) => {
    await adapter.workers.heartbeat(worker('w1'), 5000);
    await adapter.workers.unregister('w1');
    expect(await adapter.listWorkers()).toEqual([]);
  });
});
