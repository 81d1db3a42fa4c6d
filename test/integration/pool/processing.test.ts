import { describe, expect } from 'vitest';
import { item } from '../../support/queue';
import { eventually, poolTest as test, waitForState } from '../../support/pool';

describe('the pool runs jobs', () => {
  test('echo jobs complete with their input as result', async ({ adapter, queue, startPool }) => {
    await startPool();
    const ids = await adapter.enqueueMany(
      queue,
      Array.from({ length: 50 }, (_, i) => item('echo', { n: i })),
    );
    for (const [i, id] of ids.entries()) {
      const job = await waitForState(adapter, queue, id, ['completed']);
      expect(job.result).toEqual({ n: i });
      expect(job.attempts).toHaveLength(1);
    }
  });

  test('each attempt records the worker that ran it', async ({ adapter, queue, startPool }) => {
    const pool = await startPool();
    const id = await adapter.enqueue(queue, item('echo', 1));
    const job = await waitForState(adapter, queue, id, ['completed']);
    expect(job.attempts[0]).toMatchObject({ worker: pool.workerId, outcome: 'completed' });
    expect(job.attempts[0]?.startedAt).toBeGreaterThan(0);
  });

  test('it never runs more jobs than threads × concurrency, and fills every slot', async ({ adapter, queue, startPool }) => {
    const pool = await startPool({ threads: 2, concurrency: 3 });
    await adapter.enqueueMany(
      queue,
      Array.from({ length: 30 }, () => item('sleep', { ms: 100 })),
    );
    let maxRunning = 0;
    pool.on('event', () => (maxRunning = Math.max(maxRunning, pool.stats.running)));
    await eventually(async () => (await adapter.counts(queue)).completed === 30, 15_000, 'all completed');
    expect(maxRunning).toBe(6);
  });

  test('progress and log lines reach the job and its events', async ({ adapter, queue, startPool }) => {
    await startPool();
    const id = await adapter.enqueue(queue, item('progress', null));
    const job = await waitForState(adapter, queue, id, ['completed']);
    expect(job.result).toBe('done');
    expect(job.progress?.fraction).toBe(1);
    expect(job.logs.map((l) => l.line)).toEqual(['step 1', 'step 2']);
    const types: string[] = [];
    for await (const batch of adapter.events([queue], { fromId: '0' })) {
      types.push(...batch.filter((e) => e.jobId === id).map((e) => e.type));
      if (types.includes('completed')) break;
    }
    expect(types.filter((t) => t === 'progress').length).toBeGreaterThanOrEqual(1);
    expect(types).toContain('log');
  });

  test('leases of long jobs are extended: a job longer than its lease runs once', async ({ adapter, startPool }) => {
    await adapter.createQueue('short', { leaseMs: 1000 });
    await startPool({ queues: ['short'] });
    const id = await adapter.enqueue('short', item('sleep', { ms: 2500 }));
    const job = await waitForState(adapter, 'short', id, ['completed'], 8000);
    expect(job.attempts).toHaveLength(1);
  });

  test('a job that is not an agent job is dead at once with a clear error', async ({ adapter, queue, startPool }) => {
    await startPool();
    const id = await adapter.enqueue(queue, { message: { source: { id: 'p' }, destination: { id: 'w' }, payload: 'just text' } });
    const job = await waitForState(adapter, queue, id, ['dead']);
    expect(job.error).toMatch(/not an agent job/);
    expect(job.attempts).toHaveLength(1);
  });

  test('several queues are served by one pool', async ({ adapter, queue, startPool }) => {
    await adapter.createQueue('second');
    await startPool({ queues: [queue, 'second'] });
    const a = await adapter.enqueue(queue, item('echo', 'a'));
    const b = await adapter.enqueue('second', item('echo', 'b'));
    expect((await waitForState(adapter, queue, a, ['completed'])).result).toBe('a');
    expect((await waitForState(adapter, 'second', b, ['completed'])).result).toBe('b');
  });
});
