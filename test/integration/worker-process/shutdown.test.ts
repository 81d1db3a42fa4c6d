import { describe, expect } from 'vitest';
import { item } from '../../support/queue';
import { eventually, waitForState } from '../../support/pool';
import { workerProcessTest as test } from './worker-process-fixture';

describe('a worker process on SIGTERM', () => {
  test('exits 0 promptly, hands its running job back (released, waiting), and leaves the registry', async ({
    adapter,
    queue,
    spawnWorker,
  }) => {
    const worker = await spawnWorker([queue]);
    const workerId = await worker.ready;
    const id = await adapter.enqueue(queue, item('sleep', { ms: 30_000 }));
    await waitForState(adapter, queue, id, ['active'], 5000);
    await eventually(async () => (await adapter.listWorkers()).some((w) => w.id === workerId), 5000, 'registered');

    const signalledAt = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
    // shutdown_timeout_ms is 300.
    expect(Date.now() - signalledAt).toBeLessThan(3000);
    const job = await adapter.getJob(queue, id);
    expect(job?.state).toBe('waiting');
    expect(job?.attempts[0]).toMatchObject({ worker: workerId, outcome: 'released' });
    expect((await adapter.listWorkers()).map((w) => w.id)).not.toContain(workerId);
    expect(worker.output()).toMatch(new RegExp(`released ${queue}/${id} attempt 1 sleep`));
  });

  test('a second signal while it waits for running jobs exits at once with 143', async ({ adapter, queue, spawnWorker }) => {
    const worker = await spawnWorker([queue], { workers: '  threads: 1\n  shutdown_timeout_ms: 30000' });
    await worker.ready;
    const id = await adapter.enqueue(queue, item('sleep', { ms: 30_000 }));
    await waitForState(adapter, queue, id, ['active'], 5000);
    worker.child.kill('SIGTERM');
    await worker.waitFor(/ stopping: waiting up to 30000 ms for 1 running job/);
    const again = Date.now();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 143, signal: null });
    expect(Date.now() - again).toBeLessThan(1000);
    expect(worker.output()).toContain('conveyor: SIGTERM again: exiting without waiting\n');
  });
});
