import { describe, expect } from 'vitest';
import { item } from '../../support/queue';
import { eventually, poolTest as test, waitForState } from '../../support/pool';

describe('pool lifecycle', () => {
  test('graceful stop lets short jobs finish', async ({ adapter, queue, startPool }) => {
    const pool = await startPool({ shutdownTimeoutMs: 3000 });
    const id = await adapter.enqueue(queue, item('sleep', { ms: 300 }));
    await waitForState(adapter, queue, id, ['active']);
    await pool.stop();
    expect((await adapter.getJob(queue, id))?.state).toBe('completed');
  });

  test('graceful stop hands back the leases of jobs still running, so another worker takes them at once', async ({
    adapter,
    queue,
    startPool,
  }) => {
    const first = await startPool({ shutdownTimeoutMs: 200 });
    const id = await adapter.enqueue(queue, item('sleep', { ms: 60_000 }));
    await waitForState(adapter, queue, id, ['active']);
    await first.stop();
    const job = await adapter.getJob(queue, id);
    expect(job?.state).toBe('waiting');
    expect(job?.attempts[0]?.outcome).toBe('released');
    const started = Date.now();
    const second = await startPool();
    await waitForState(adapter, queue, id, ['active'], 3000);
    expect(Date.now() - started).toBeLessThan(3000);
    await second.stop();
  });

  test('resizing while busy loses and duplicates no job', async ({ adapter, queue, startPool }) => {
    const pool = await startPool({ threads: 1, concurrency: 2 });
    const ids = await adapter.enqueueMany(
      queue,
      Array.from({ length: 120 }, () => item('sleep', { ms: 20 })),
    );
    await eventually(async () => (await adapter.counts(queue)).completed >= 10, 10_000, 'some done');
    pool.resize({ threads: 3, concurrency: 4 });
    await eventually(() => pool.stats.threads === 3, 5000, 'grown');
    await eventually(async () => (await adapter.counts(queue)).completed >= 60, 10_000, 'half done');
    pool.resize({ threads: 1, concurrency: 1 });
    await eventually(async () => (await adapter.counts(queue)).completed === 120, 20_000, 'all done');
    for (const id of ids) expect((await adapter.getJob(queue, id))?.attempts).toHaveLength(1);
    await eventually(() => pool.stats.threads === 1, 5000, 'shrunk');
  });

  test('a pool that starts into a backlog boots its spare thread only once the queue runs dry', async ({ adapter, queue, startPool }) => {
    await adapter.enqueueMany(
      queue,
      Array.from({ length: 6 }, () => item('sleep', { ms: 150 })),
    );
    const pool = await startPool({ threads: 1, concurrency: 2 });
    const ready = (): number => pool.events.filter((e) => e.type === 'thread' && e.state === 'ready').length;
    while ((await adapter.counts(queue)).waiting > 0) {
      expect(ready()).toBe(1);
      await new Promise((r) => setTimeout(r, 20));
    }
    await eventually(() => ready() === 2, 5000, 'spare ready');
  });

  test('a backlog that lasts gets the spare thread a second after start', async ({ adapter, queue, startPool }) => {
    await adapter.enqueueMany(
      queue,
      Array.from({ length: 25 }, () => item('sleep', { ms: 200 })),
    );
    const started = Date.now();
    const pool = await startPool({ threads: 1, concurrency: 1 });
    await eventually(() => pool.events.filter((e) => e.type === 'thread' && e.state === 'ready').length === 2, 4000, 'spare ready');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect((await adapter.counts(queue)).waiting).toBeGreaterThan(0);
  });

  test('a pool waiting for work stops at once, and a job enqueued after it stays for other workers', async ({
    adapter,
    queue,
    startPool,
  }) => {
    const pool = await startPool();
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await pool.stop();
    expect(Date.now() - started).toBeLessThan(500);
    const id = await adapter.enqueue(queue, item('echo', 1));
    await new Promise((r) => setTimeout(r, 200));
    expect((await adapter.getJob(queue, id))?.state).toBe('waiting');
  });

  test('the registry shows a running worker with its jobs, and drops it when it stops', async ({ adapter, queue, startPool }) => {
    const pool = await startPool({ threads: 2, concurrency: 3 });
    const id = await adapter.enqueue(queue, item('sleep', { ms: 2000 }));
    await eventually(async () => (await adapter.listWorkers()).some((w) => w.running.includes(`${queue}/${id}`)), 5000, 'listed');
    const [w] = await adapter.listWorkers();
    expect(w).toMatchObject({ id: pool.workerId, pid: process.pid, queues: [queue], threads: 2, concurrency: 3 });
    await pool.stop();
    expect(await adapter.listWorkers()).toEqual([]);
  });

  test('the registry entry of a worker that vanished expires', async ({ adapter, startPool }) => {
    const pool = await startPool({ heartbeatMs: 100 });
    await eventually(async () => (await adapter.listWorkers()).length === 1, 3000, 'listed');
    // Simulate a vanished process: stop heartbeating without unregistering.
    const parts = pool as unknown as { keeper: { stop(): void }; outage: { stop(): void } };
    parts.keeper.stop();
    parts.outage.stop();
    await eventually(async () => (await adapter.listWorkers()).length === 0, 3000, 'expired');
  });
});
