import { describe, expect } from 'vitest';
import { ErrorCode } from '../../../src-shared/errors';
import { item, queueTest as test } from '../../support/queue';

describe('queues', () => {
  test('createQueue is idempotent and keeps the options it was given', async ({ adapter }) => {
    const a = await adapter.createQueue('q', { maxLength: 5, maxRetries: 1 });
    const b = await adapter.createQueue('q');
    expect(b.options).toEqual(a.options);
    expect(b.options).toMatchObject({ maxLength: 5, maxRetries: 1, leaseMs: 30_000 });
  });

  test('createQueue with new options updates them', async ({ adapter }) => {
    await adapter.createQueue('q', { maxLength: 5 });
    expect((await adapter.createQueue('q', { maxLength: 9 })).options.maxLength).toBe(9);
  });

  test('createQueue rejects invalid options with the field', async ({ adapter }) => {
    await expect(adapter.createQueue('q', { maxLength: 0 })).rejects.toThrow(/maxLength/);
  });

  test('listQueues lists created queues by name', async ({ adapter }) => {
    await adapter.createQueue('b');
    await adapter.createQueue('a');
    expect(await adapter.listQueues()).toEqual(['a', 'b']);
  });

  test('getQueueInfo of an unknown queue is QueueNotFound', async ({ adapter }) => {
    await expect(adapter.getQueueInfo('nope')).rejects.toMatchObject({ code: ErrorCode.QueueNotFound });
  });

  test('deleteQueue removes the queue and all its jobs', async ({ adapter, queue, redis, prefix }) => {
    await adapter.enqueue(queue, item('echo', 1));
    await adapter.deleteQueue(queue);
    expect(await adapter.listQueues()).toEqual([]);
    expect(await redis.keys(`${prefix}:{${queue}}*`)).toEqual([]);
  });
});

describe('pause and resume', () => {
  test('a paused queue takes jobs but leases none; resume releases them', async ({ adapter, queue }) => {
    await adapter.pause(queue);
    const id = await adapter.enqueue(queue, item('echo', 1));
    expect(await adapter.dequeue(queue)).toBeNull();
    expect(await adapter.counts(queue)).toMatchObject({ waiting: 0, paused: 1 });
    expect((await adapter.getQueueInfo(queue)).paused).toBe(true);
    await adapter.resume(queue);
    expect((await adapter.dequeue(queue))?.action.id).toBe(id);
  });

  test('resume wakes a consumer blocked on the paused queue', async ({ adapter, connect, queue }) => {
    await adapter.pause(queue);
    const id = await adapter.enqueue(queue, item('echo', 1));
    const consumer = await connect();
    const pending = consumer.dequeue(queue, { blockMs: 3000 });
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await adapter.resume(queue);
    expect((await pending)?.action.id).toBe(id);
    expect(Date.now() - started).toBeLessThan(500);
  });
});

describe('cancel', () => {
  test('a waiting job ends cancelled and is never leased', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    expect(await adapter.cancel(queue, id)).toBe('cancelled');
    expect(await adapter.dequeue(queue)).toBeNull();
    expect((await adapter.getJob(queue, id))?.state).toBe('cancelled');
  });

  test('a delayed job ends cancelled', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1), { delayMs: 60_000 });
    expect(await adapter.cancel(queue, id)).toBe('cancelled');
    expect(await adapter.counts(queue)).toMatchObject({ delayed: 0, cancelled: 1 });
  });

  test('a running job gets a cancel request its worker sees on heartbeat, and ends cancelled', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue);
    expect(await adapter.cancel(queue, id)).toBe('cancel_requested');
    expect((await adapter.extendLease(queue, id)).cancelRequested).toBe(true);
    expect(await adapter.failProcessing(queue, id, 'aborted', { reason: 'cancelled' })).toBe('cancelled');
    expect((await adapter.getJob(queue, id))?.state).toBe('cancelled');
  });

  test('a finished job cannot be cancelled', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue);
    await adapter.completeProcessing(queue, id, 1);
    await expect(adapter.cancel(queue, id)).rejects.toMatchObject({ code: ErrorCode.InvalidState });
  });
});

describe('retry, remove, drain', () => {
  async function deadJob(adapter: import('../../../src-main/queue/redis-queue-adapter').RedisQueueAdapter, queue: string) {
    const id = await adapter.enqueue(queue, item('echo', 1), { maxRetries: 0 });
    await adapter.dequeue(queue);
    await adapter.failProcessing(queue, id, 'x');
    return id;
  }

  test('retry brings a dead job back to waiting with a fresh retry budget and its history', async ({ adapter, queue }) => {
    const id = await deadJob(adapter, queue);
    await adapter.retry(queue, id);
    const job = await adapter.getJob(queue, id);
    expect(job).toMatchObject({ state: 'waiting', attempts: [{ outcome: 'failed' }], countedAttempts: 0 });
    expect(job?.error).toBeUndefined();
    expect((await adapter.dequeue(queue))?.attempt).toBe(2);
  });

  test('retry brings back a job cancelled before it ever ran, as a first attempt', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.cancel(queue, id);
    await adapter.retry(queue, id);
    expect(await adapter.getJob(queue, id)).toMatchObject({ state: 'waiting', attempts: [], countedAttempts: 0 });
    expect((await adapter.dequeue(queue))?.attempt).toBe(1);
  });

  test('retry of a waiting job is refused', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await expect(adapter.retry(queue, id)).rejects.toMatchObject({ code: ErrorCode.InvalidState });
  });

  test('retryAll moves every dead job back', async ({ adapter, queue }) => {
    for (let i = 0; i < 3; i++) await deadJob(adapter, queue);
    expect(await adapter.retryAll(queue, 'dead')).toBe(3);
    expect(await adapter.counts(queue)).toMatchObject({ dead: 0, waiting: 3 });
  });

  test('remove deletes a job that is not running', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.remove(queue, id);
    expect(await adapter.getJob(queue, id)).toBeNull();
    expect((await adapter.counts(queue)).waiting).toBe(0);
  });

  test('remove of a running job is refused', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue);
    await expect(adapter.remove(queue, id)).rejects.toMatchObject({ code: ErrorCode.InvalidState });
  });

  test('drain deletes waiting and delayed jobs and leaves running ones', async ({ adapter, queue }) => {
    await adapter.enqueueMany(
      queue,
      Array.from({ length: 5 }, (_, i) => item('echo', i)),
    );
    await adapter.enqueue(queue, item('echo', 'later'), { delayMs: 60_000 });
    await adapter.dequeue(queue);
    expect(await adapter.drain(queue)).toBe(5);
    expect(await adapter.counts(queue)).toMatchObject({ waiting: 0, delayed: 0, active: 1 });
  });
});

describe('promote', () => {
  test('a delayed job moves to waiting now and is leased next', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1), { delayMs: 60_000 });
    await adapter.promote(queue, id);
    expect(await adapter.getJob(queue, id)).toMatchObject({ state: 'waiting' });
    expect(await adapter.counts(queue)).toMatchObject({ waiting: 1, delayed: 0 });
    expect((await adapter.dequeue(queue))?.action.id).toBe(id);
  });

  test('a job that is not delayed is refused with INVALID_STATE', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await expect(adapter.promote(queue, id)).rejects.toMatchObject({ code: ErrorCode.InvalidState, details: { state: 'waiting' } });
  });

  test('a missing job is JOB_NOT_FOUND', async ({ adapter, queue }) => {
    await expect(adapter.promote(queue, 'nope')).rejects.toMatchObject({ code: ErrorCode.JobNotFound });
  });
});
