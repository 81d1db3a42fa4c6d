import { describe, expect } from 'vitest';
import { QueueNotFoundError } from '../../../src-shared/errors';
import { processJobs } from '../../../src-main/pool/process-jobs';
import { waitForState } from '../../support/pool';
import { item, queueTest as test } from '../../support/queue';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('processJobs: the simple in-process worker loop as one call', () => {
  test('completes each job with what the handler returns, and resolves with the counts once stopped', async ({ adapter, queue }) => {
    const ids = await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2), item('echo', 3)]);
    const stop = new AbortController();
    const done = processJobs(adapter, queue, (job) => ({ doubled: (job.message.payload as { input: number }).input * 2 }), {
      concurrency: 2,
      signal: stop.signal,
    });
    for (const id of ids) await waitForState(adapter, queue, id, ['completed'], 5000);
    stop.abort();
    expect(await done).toEqual({ completed: 3, failed: 0, lost: 0 });
    expect((await adapter.getJob(queue, ids[1] as string))?.result).toEqual({ doubled: 4 });
  });

  test('a handler that throws fails the attempt: retried, then dead with its error', async ({ adapter }) => {
    await adapter.createQueue('flaky', { maxRetries: 1, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
    const id = await adapter.enqueue('flaky', item('x', null));
    const stop = new AbortController();
    const done = processJobs(
      adapter,
      'flaky',
      () => {
        throw new Error('boom');
      },
      { signal: stop.signal },
    );
    const job = await waitForState(adapter, 'flaky', id, ['dead'], 5000);
    stop.abort();
    expect(await done).toMatchObject({ completed: 0, failed: 2 });
    expect(job.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed']);
    expect(job.error).toContain('boom');
  });

  test('runs at most `concurrency` handlers at once', async ({ adapter, queue }) => {
    const ids = await adapter.enqueueMany(
      queue,
      Array.from({ length: 12 }, (_, i) => item('echo', i)),
    );
    let now = 0;
    let most = 0;
    const stop = new AbortController();
    const done = processJobs(
      adapter,
      queue,
      async () => {
        most = Math.max(most, ++now);
        await sleep(30);
        now--;
      },
      { concurrency: 3, signal: stop.signal },
    );
    for (const id of ids) await waitForState(adapter, queue, id, ['completed'], 10_000);
    stop.abort();
    await done;
    expect(most).toBe(3);
  });

  test('keeps the lease of a handler that runs longer than the lease: one attempt, completed', async ({ adapter }) => {
    await adapter.createQueue('long', { leaseMs: 1000 });
    const id = await adapter.enqueue('long', item('echo', 1));
    const stop = new AbortController();
    const done = processJobs(adapter, 'long', () => sleep(2500).then(() => 'ok'), { signal: stop.signal });
    const job = await waitForState(adapter, 'long', id, ['completed'], 8000);
    stop.abort();
    await done;
    expect(job.attempts).toHaveLength(1);
  });

  test('a cancel while the handler runs fires its signal; the job ends cancelled', async ({ adapter, queue }) => {
    const id = await adapter.enqueue(queue, item('echo', 1));
    const stop = new AbortController();
    let aborted = false;
    const done = processJobs(
      adapter,
      queue,
      (_job, ctx) =>
        new Promise((_resolve, reject) => {
          ctx.signal.addEventListener('abort', () => {
            aborted = true;
            reject(new Error('stopped'));
          });
        }),
      { signal: stop.signal },
    );
    await waitForState(adapter, queue, id, ['active'], 5000);
    await adapter.cancel(queue, id);
    await waitForState(adapter, queue, id, ['cancelled'], 5000);
    stop.abort();
    await done;
    expect(aborted).toBe(true);
  });

  test('a queue that does not exist is refused at once', async ({ adapter }) => {
    await expect(processJobs(adapter, 'nosuch', () => 1)).rejects.toBeInstanceOf(QueueNotFoundError);
  });

  test('stopping while idle resolves within a second', async ({ adapter, queue }) => {
    const stop = new AbortController();
    const done = processJobs(adapter, queue, () => 1, { signal: stop.signal });
    await sleep(200);
    const stoppedAt = Date.now();
    stop.abort();
    expect(await done).toEqual({ completed: 0, failed: 0, lost: 0 });
    expect(Date.now() - stoppedAt).toBeLessThan(1000);
  });
});
