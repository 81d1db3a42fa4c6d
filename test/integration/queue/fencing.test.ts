import { describe } from 'vitest';
import { ErrorCode } from '../../../src-shared/errors';
import type { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { item, queueTest as test } from '../../support/queue';

/**
 * Lease fencing with the plain port verbs (no tokens passed), as issue #14
 * reproduced it: adapter A leases and starts a job as w1, its 1 s lease
 * expires, adapter B leases and starts it as w2; then A acts as a stale worker.
 * A worker may only ever act on its own attempt.
 */

const LEASE_MS = 1000;

interface Stolen {
  a: RedisQueueAdapter;
  b: RedisQueueAdapter;
  queue: string;
  id: string;
}

async function stolenLease(connect: (q?: object) => Promise<RedisQueueAdapter>, maxRetries = 3): Promise<Stolen> {
  const a = await connect();
  const b = await connect();
  const queue = 'fenced';
  await a.createQueue(queue, { leaseMs: LEASE_MS, maxRetries, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
  const id = await a.enqueue(queue, item('echo', 1));
  if ((await a.dequeue(queue))?.action.id !== id) throw new Error('A did not lease the job');
  await a.startProcessing(queue, id, 'w1');
  await new Promise((r) => setTimeout(r, LEASE_MS * 2.5));
  if ((await b.dequeue(queue))?.action.id !== id) throw new Error('B did not lease the job');
  await b.startProcessing(queue, id, 'w2');
  return { a, b, queue, id };
}

describe.concurrent("lease fencing: a stale worker never acts on the new holder's attempt", () => {
  test('after a lost extendLease, the stale complete is refused and the new holder completes', async ({ connect, expect }) => {
    const { a, b, queue, id } = await stolenLease(connect);
    await expect(a.extendLease(queue, id)).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    await expect(a.completeProcessing(queue, id, { output: 'stale' })).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    await b.completeProcessing(queue, id, { output: 'w2' });
    const job = await b.getJob(queue, id);
    expect(job).toMatchObject({ state: 'completed', result: { output: 'w2' } });
    expect(job?.attempts.map((x) => x.worker)).toEqual(['w1', 'w2']);
  });

  test('a refused complete stays refused when repeated', async ({ connect, expect }) => {
    const { a, b, queue, id } = await stolenLease(connect);
    await expect(a.completeProcessing(queue, id, { output: 'stale' })).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    await expect(a.completeProcessing(queue, id, { output: 'stale' })).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    await b.completeProcessing(queue, id, { output: 'w2' });
    expect(await b.getJob(queue, id)).toMatchObject({ state: 'completed', result: { output: 'w2' } });
  });

  test("the README worker's catch (fail after a refused complete) is refused and the job runs no third time", async ({
    connect,
    expect,
  }) => {
    const { a, b, queue, id } = await stolenLease(connect);
    try {
      await a.completeProcessing(queue, id, { output: 'stale' });
    } catch (err) {
      await expect(a.failProcessing(queue, id, err)).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    }
    await b.completeProcessing(queue, id, { output: 'w2' });
    const job = await b.getJob(queue, id);
    expect(job).toMatchObject({ state: 'completed', result: { output: 'w2' } });
    expect(job?.attempts).toHaveLength(2);
    expect(await b.dequeue(queue)).toBeNull();
  });

  test("a fail after a refusal does not dead-letter the new holder's job", async ({ connect, expect }) => {
    // One retry: A's attempt 1 stalled, B holds the last attempt, so a fail accepted now would go to dead.
    const { a, b, queue, id } = await stolenLease(connect, 1);
    await expect(a.completeProcessing(queue, id, 'stale')).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    await expect(a.failProcessing(queue, id, new Error('stale'))).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    expect(await b.getJob(queue, id)).toMatchObject({ state: 'active' });
    await b.completeProcessing(queue, id, 'w2');
    expect(await b.getJob(queue, id)).toMatchObject({ state: 'completed', result: 'w2' });
  });

  test("a release after a failed extendLease leaves the new holder's job active", async ({ connect, expect }) => {
    const { a, b, queue, id } = await stolenLease(connect);
    await expect(a.extendLease(queue, id)).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    await expect(a.releaseLease(queue, id)).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    expect(await b.counts(queue)).toMatchObject({ waiting: 0, active: 1 });
    await b.completeProcessing(queue, id, 'w2');
  });

  test("a second extendLease does not extend the new holder's lease", async ({ connect, expect, redis, prefix }) => {
    const { a, queue, id } = await stolenLease(connect);
    const activeKey = `${prefix}:{${queue}}:active`;
    await expect(a.extendLease(queue, id)).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    const before = await redis.zscore(activeKey, id);
    await new Promise((r) => setTimeout(r, 20));
    await expect(a.extendLease(queue, id)).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    expect(await redis.zscore(activeKey, id)).toBe(before);
  });

  test('stale progress and a stale start are refused', async ({ connect, expect }) => {
    const { a, b, queue, id } = await stolenLease(connect);
    expect(await a.reportProgress(queue, [{ id, token: 'not-held', fraction: 0.5 }])).toBe(0);
    await expect(a.startProcessing(queue, id, 'w1')).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    expect((await b.getJob(queue, id))?.progress).toBeUndefined();
  });
});

describe('lease fencing: tokens are never wildcards', () => {
  test('an adapter that never leased a job cannot complete, fail, release or extend it', async ({ connect, adapter, queue, expect }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue);
    const other = await connect();
    await expect(other.completeProcessing(queue, id, 'x')).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    await expect(other.failProcessing(queue, id, 'x')).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    await expect(other.releaseLease(queue, id)).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    await expect(other.extendLease(queue, id)).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    await expect(other.startProcessing(queue, id, 'w')).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    expect(await adapter.getJob(queue, id)).toMatchObject({ state: 'active', attempts: [{ number: 1 }] });
    await adapter.completeProcessing(queue, id, 'mine');
  });

  test('an empty token is refused by every worker verb', async ({ adapter, queue, expect }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue);
    const ref = { id, token: '' };
    expect((await adapter.startMany(queue, 'w', [ref]))[0]).toMatchObject({ ok: false, error: { code: ErrorCode.LeaseLost } });
    expect((await adapter.extendLeases(queue, [ref]))[0]).toMatchObject({ ok: false, error: { code: ErrorCode.LeaseLost } });
    expect(await adapter.reportProgress(queue, [{ ...ref, fraction: 0.1 }])).toBe(0);
    expect((await adapter.completeMany(queue, [{ ...ref, result: 1 }]))[0]).toMatchObject({
      ok: false,
      error: { code: ErrorCode.LeaseLost },
    });
    expect((await adapter.failMany(queue, [{ ...ref, error: 'x' }]))[0]).toMatchObject({ ok: false, error: { code: ErrorCode.LeaseLost } });
    expect((await adapter.releaseMany(queue, [ref]))[0]).toMatchObject({ ok: false, error: { code: ErrorCode.LeaseLost } });
    expect(await adapter.getJob(queue, id)).toMatchObject({ state: 'active' });
  });

  test('a job acknowledged once cannot be acknowledged again by the same adapter', async ({ adapter, queue, expect }) => {
    const id = await adapter.enqueue(queue, item('echo', 1), { maxRetries: 2 });
    await adapter.dequeue(queue);
    await adapter.failProcessing(queue, id, 'first');
    await adapter.dequeue(queue, {});
    // The second lease's token is this adapter's again: a repeat of the first fail must not spend it.
    await adapter.completeProcessing(queue, id, 'done');
    await expect(adapter.completeProcessing(queue, id, 'again')).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    expect(await adapter.getJob(queue, id)).toMatchObject({ state: 'completed', result: 'done' });
  });
});
