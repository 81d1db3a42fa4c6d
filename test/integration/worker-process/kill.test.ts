import { describe, expect } from 'vitest';
import { item } from '../../support/queue';
import { waitForState } from '../../support/pool';
import { workerProcessTest as test } from './worker-process-fixture';

const LEASE_MS = 1000;

describe('a worker process killed mid-job', () => {
  test('another worker process finishes the job once its lease expires: attempt 1 stalled, attempt 2 completed by the other', async ({
    adapter,
    spawnWorker,
  }) => {
    await adapter.createQueue('lease', { leaseMs: LEASE_MS, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
    const workers = await Promise.all([spawnWorker(['lease']), spawnWorker(['lease'])]);
    const ids = await Promise.all(workers.map((w) => w.ready));
    const id = await adapter.enqueue('lease', item('sleep', { ms: 2000 }));
    const active = await waitForState(adapter, 'lease', id, ['active'], 5000);
    const owner = ids.indexOf(active.attempts[0]?.worker ?? '');
    expect(owner).toBeGreaterThanOrEqual(0);
    const [victim, survivor] = owner === 0 ? workers : [workers[1], workers[0]];

    victim?.child.kill('SIGKILL');
    const killedAt = Date.now();
    const job = await waitForState(adapter, 'lease', id, ['completed'], LEASE_MS + 5000);
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 5000);
    expect(job.attempts).toMatchObject([
      { number: 1, worker: ids[owner], outcome: 'stalled' },
      { number: 2, worker: ids[1 - owner], outcome: 'completed' },
    ]);
    // The worker prints the line once Redis acknowledged the completion: a moment after the state is readable.
    await survivor?.waitFor(new RegExp(`completed lease/${id} attempt 2 sleep in \\d+ ms`), 2000);
  });
});
