import { describe, expect } from 'vitest';
import { ErrorCode } from '../../../src-shared/errors';
import { item, queueTest as test } from '../../support/queue';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('processing a job', () => {
  test('dequeue leases the job with a token, attempt 1 and a deadline lease_ms ahead', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    const before = Date.now();
    const leased = await adapter.dequeue(queue);
    expect(leased).toMatchObject({ action: { id }, attempt: 1, maxRetries: 3 });
    expect(leased?.lease.token).toMatch(/\S/);
    expect(leased!.lease.deadline).toBeGreaterThanOrEqual(before + 30_000 - 50);
    expect((await adapter.getJob(queue, id))?.state).toBe('active');
  });

  test('startProcessing records the worker and start time on the attempt', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue);
    await adapter.startProcessing(queue, id, 'worker-1');
    const [attempt] = (await adapter.getJob(queue, id))!.attempts;
    expect(attempt).toMatchObject({ number: 1, worker: 'worker-1' });
    expect(attempt?.startedAt).toBeGreaterThan(0);
  });

  test('completeProcessing stores the result and ends the attempt as completed', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue);
    await adapter.startProcessing(queue, id, 'w');
    await adapter.completeProcessing(queue, id, { output: 'done' });
    const job = await adapter.getJob(queue, id);
    expect(job).toMatchObject({ state: 'completed', result: { output: 'done' } });
    expect(job?.attempts[0]).toMatchObject({ outcome: 'completed' });
    expect(job?.finishedAt).toBeGreaterThan(0);
  });

  test('startProcessing with another lease token is refused', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue);
    await expect(adapter.startProcessing(queue, id, 'w', 'not-the-token')).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
  });

  test('a second worker cannot start an attempt another worker started', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue);
    await adapter.startProcessing(queue, id, 'w1');
    await expect(adapter.startProcessing(queue, id, 'w2')).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
  });

  test('completing with a stale lease is refused after the job was re-leased', async ({ adapter, connect }) => {
    await adapter.createQueue('short', { leaseMs: 1000 });
    const id = await adapter.enqueue('short', item('echo', 1));
    const first = (await adapter.dequeue('short'))!;
    await sleep(1100);
    const other = await connect();
    const second = await other.dequeue('short');
    expect(second?.attempt).toBe(2);
    await expect(adapter.completeProcessing('short', id, 'late', first.lease.token)).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
    await other.completeProcessing('short', id, 'ok');
    expect((await adapter.getJob('short', id))?.result).toBe('ok');
  });

  test('an unknown job is reported as not found', async ({ adapter, queue }) => {
    await expect(adapter.completeProcessing(queue, 'nope', 1, '1')).rejects.toMatchObject({ code: ErrorCode.JobNotFound });
  });

  test('acknowledging a job this adapter holds no lease on is refused as LEASE_LOST, without a token to guess', async ({
    adapter,
    queue,
  }) => {
    await expect(adapter.completeProcessing(queue, 'nope', 1)).rejects.toMatchObject({ code: ErrorCode.LeaseLost });
  });

  test('extendLease pushes the deadline forward and keeps the job active', async ({ adapter }) => {
    await adapter.createQueue('short', { leaseMs: 1000 });
    const id = await adapter.enqueue('short', item('echo', 1));
    const leased = (await adapter.dequeue('short'))!;
    await sleep(600);
    const { deadline } = await adapter.extendLease('short', id);
    expect(deadline).toBeGreaterThan(leased.lease.deadline + 400);
    await sleep(600);
    expect(await adapter.recoverStalled('short')).toEqual({ retried: 0, dead: 0 });
    expect((await adapter.getJob('short', id))?.state).toBe('active');
  });

  test('a heartbeat that finds the deadline already set (twice in one call) still holds the lease; a lost one does not', async ({
    adapter,
    queue,
  }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    const { lease } = (await adapter.dequeue(queue))!;
    const twice = await adapter.extendLeases(queue, [
      { id, token: lease.token },
      { id, token: lease.token },
    ]);
    expect(twice.map((r) => r.ok)).toEqual([true, true]);
    await adapter.completeProcessing(queue, id, 1, lease.token);
    const [after] = await adapter.extendLeases(queue, [{ id, token: lease.token }]);
    expect(after?.ok).toBe(false);
  });
});

describe('failure and retries', () => {
  test('a failed job with retries left waits again, with the error on its attempt', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue);
    expect(await adapter.failProcessing(queue, id, new Error('boom'))).toBe('delayed');
    const job = await adapter.getJob(queue, id);
    expect(job?.attempts[0]).toMatchObject({ outcome: 'failed', error: 'boom' });
    expect(job?.attempts[0]?.stack).toMatch(/Error: boom/);
    expect((await adapter.dequeue(queue))?.attempt).toBe(2);
  });

  test('after max_retries retries the job is dead with its last error and stack', async ({ adapter }) => {
    await adapter.createQueue('r2', { maxRetries: 2, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
    const id = await adapter.enqueue('r2', item('echo', 1));
    const outcomes: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const leased = await adapter.dequeue('r2');
      expect(leased?.attempt).toBe(i);
      outcomes.push(await adapter.failProcessing('r2', id, new Error(`fail ${i}`)));
    }
    expect(outcomes).toEqual(['delayed', 'delayed', 'dead']);
    const job = await adapter.getJob('r2', id);
    expect(job).toMatchObject({ state: 'dead', error: 'fail 3', reason: 'failed' });
    expect(job?.stack).toMatch(/fail 3/);
    expect(job?.attempts).toHaveLength(3);
    expect(await adapter.dequeue('r2')).toBeNull();
  });

  test('a per-job maxRetries overrides the queue default', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1), { maxRetries: 0 });
    await adapter.dequeue(queue);
    expect(await adapter.failProcessing(queue, id, 'nope')).toBe('dead');
  });

  test('retryable: false dead-letters at once', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    await adapter.dequeue(queue);
    expect(await adapter.failProcessing(queue, id, new Error('bad input'), { retryable: false })).toBe('dead');
    expect((await adapter.getJob(queue, id))?.reason).toBe('not_retryable');
  });

  test('fixed backoff delays each retry by delay_ms', async ({ adapter }) => {
    await adapter.createQueue('fixed', { backoff: { type: 'fixed', delayMs: 300, maxDelayMs: 10_000 } });
    const id = await adapter.enqueue('fixed', item('echo', 1));
    await adapter.dequeue('fixed');
    await adapter.failProcessing('fixed', id, 'x');
    const job = await adapter.getJob('fixed', id);
    expect(job?.state).toBe('delayed');
    expect(job!.runAt! - job!.attempts[0]!.endedAt!).toBe(300);
    expect(await adapter.dequeue('fixed')).toBeNull();
    await sleep(320);
    expect((await adapter.dequeue('fixed'))?.action.id).toBe(id);
  });

  test('exponential backoff doubles each retry up to max_delay_ms', async ({ adapter }) => {
    await adapter.createQueue('expo', { maxRetries: 5, backoff: { type: 'exponential', delayMs: 100, maxDelayMs: 300 } });
    const id = await adapter.enqueue('expo', item('echo', 1));
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      await adapter.dequeue('expo', { blockMs: 2000 });
      await adapter.failProcessing('expo', id, 'x');
      const job = (await adapter.getJob('expo', id))!;
      delays.push(job.runAt! - job.attempts[i]!.endedAt!);
    }
    expect(delays).toEqual([100, 200, 300, 300]);
  });
});

describe('leases', () => {
  test('an expired lease is redelivered with the attempt counted', async ({ adapter, connect }) => {
    await adapter.createQueue('short', { leaseMs: 1000 });
    const id = await adapter.enqueue('short', item('echo', 1));
    await adapter.dequeue('short', { workerId: 'crashed-worker' });
    const other = await connect();
    expect(await other.dequeue('short')).toBeNull();
    const started = Date.now();
    const again = await other.dequeue('short', { blockMs: 5000 });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(again).toMatchObject({ action: { id }, attempt: 2 });
    const job = await other.getJob('short', id);
    expect(job?.attempts[0]).toMatchObject({ worker: 'crashed-worker', outcome: 'stalled' });
  });

  test('a job whose lease keeps expiring ends dead with reason stalled', async ({ adapter }) => {
    await adapter.createQueue('short', { leaseMs: 1000, maxRetries: 0 });
    const id = await adapter.enqueue('short', item('echo', 1));
    await adapter.dequeue('short');
    await sleep(1100);
    expect(await adapter.recoverStalled('short')).toEqual({ retried: 0, dead: 1 });
    expect(await adapter.getJob('short', id)).toMatchObject({ state: 'dead', reason: 'stalled' });
  });

  test('concurrent stalled recovery never moves a job twice', async ({ adapter, connect }) => {
    await adapter.createQueue('short', { leaseMs: 1000 });
    await adapter.enqueueMany(
      'short',
      Array.from({ length: 50 }, (_, i) => item('echo', i)),
    );
    await adapter.dequeueMany('short', 50);
    await sleep(1100);
    const others = await Promise.all([connect(), connect(), connect()]);
    const results = await Promise.all([adapter, ...others].map((a) => a.recoverStalled('short')));
    expect(results.reduce((n, r) => n + r.retried, 0)).toBe(50);
    expect(await adapter.counts('short')).toMatchObject({ waiting: 50, active: 0 });
  });

  test('releaseLease hands a job back without spending an attempt', async ({ adapter }) => {
    await adapter.createQueue('r0', { maxRetries: 0 });
    const id = await adapter.enqueue('r0', item('echo', 1));
    await adapter.dequeue('r0');
    await adapter.releaseLease('r0', id);
    const again = await adapter.dequeue('r0');
    expect(again?.attempt).toBe(2);
    // Still one try left: the released attempt did not count.
    expect(await adapter.failProcessing('r0', id, 'x')).toBe('dead');
    expect((await adapter.getJob('r0', id))?.attempts.map((a) => a.outcome)).toEqual(['released', 'failed']);
  });

  test('a released attempt keeps the reason it was handed back for', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    const leased = await adapter.dequeue(queue);
    await adapter.releaseLease(queue, id, leased?.lease.token, 'prefetch_hold');
    expect((await adapter.getJob(queue, id))?.attempts[0]).toMatchObject({ outcome: 'released', releaseReason: 'prefetch_hold' });
  });
});
