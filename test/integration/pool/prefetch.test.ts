import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect } from 'vitest';
import { monitored } from '../../support/monitor';
import { item } from '../../support/queue';
import { eventually, poolTest as test, waitForState } from '../../support/pool';

describe('prefetch: jobs leased ahead of a free slot', () => {
  test('a pool holds prefetched jobs beside its running ones and starts them as slots free, never running more than its slots', async ({
    adapter,
    queue,
    startPool,
  }) => {
    const pool = await startPool({ threads: 1, concurrency: 1, prefetch: 2 });
    const ids = await adapter.enqueueMany(queue, [item('sleep', { ms: 400 }), item('sleep', { ms: 400 }), item('sleep', { ms: 400 })]);
    await eventually(async () => (await adapter.counts(queue)).active === 3, 3000, 'all three leased');
    expect(pool.stats.running).toBe(1);
    for (const id of ids) {
      const job = await waitForState(adapter, queue, id, ['completed'], 5000);
      expect(job.attempts.map((a) => a.outcome)).toEqual(['completed']);
    }
  });

  test('by default, jobs slower than the prefetch window are not leased ahead', async ({ adapter, queue, startPool }) => {
    await startPool({ threads: 1, concurrency: 1 });
    const ids = await adapter.enqueueMany(
      queue,
      Array.from({ length: 4 }, () => item('sleep', { ms: 150 })),
    );
    let most = 0;
    const watch = setInterval(() => void adapter.counts(queue).then((c) => (most = Math.max(most, c.active))), 20);
    for (const id of ids) await waitForState(adapter, queue, id, ['completed'], 5000);
    clearInterval(watch);
    expect(most).toBe(1);
  });

  test('by default, short jobs are leased ahead', async ({ adapter, queue, startPool }) => {
    const pool = await startPool({ threads: 1, concurrency: 1 });
    await waitForState(adapter, queue, await adapter.enqueue(queue, item('echo', 0)), ['completed']);
    const ids = await adapter.enqueueMany(queue, [item('sleep', { ms: 300 }), ...Array.from({ length: 3 }, (_, i) => item('echo', i))]);
    await eventually(async () => (await adapter.counts(queue)).active > 1, 3000, 'echo jobs held behind the sleeping one');
    expect(pool.stats.running).toBe(1);
    for (const id of ids) await waitForState(adapter, queue, id, ['completed'], 5000);
  });

  test('a lease call asks for 256 jobs at most, so a deep prefetch never holds Redis up for long', async ({
    adapter,
    queue,
    redis,
    startPool,
  }) => {
    const leases = await monitored(
      redis,
      async () => {
        const ids = await adapter.enqueueMany(
          queue,
          Array.from({ length: 700 }, (_, i) => item('echo', i)),
        );
        await startPool({ threads: 1, concurrency: 2, prefetch: 1000 });
        await eventually(async () => (await adapter.counts(queue)).completed === ids.length, 10_000, 'all done');
      },
      (args) => /dequeue$/.test(args[1] ?? '') && args.some((a) => a.includes(`{${queue}}`)),
    );
    // FCALL <function> <k> <k keys> <job prefix> <events cap> <n> …: n follows the keys and two arguments.
    const asked = leases.map((args) => Number(args[3 + Number(args[2]) + 2]));
    expect(Math.max(...asked)).toBe(256);
  });

  test('a prefetched job still waiting after a second goes back to its queue, and another worker runs it', async ({
    adapter,
    queue,
    startPool,
  }) => {
    await startPool({ threads: 1, concurrency: 1, prefetch: 1 });
    // Long enough to still run after the second pool's start-up on a loaded machine.
    const long = await adapter.enqueue(queue, item('sleep', { ms: 10_000 }));
    await waitForState(adapter, queue, long, ['active']);
    const short = await adapter.enqueue(queue, item('echo', 1));
    await waitForState(adapter, queue, short, ['active']);
    await startPool({ threads: 1, concurrency: 1, prefetch: 0 });
    const job = await waitForState(adapter, queue, short, ['completed'], 6000);
    expect(job.attempts.map((a) => a.outcome)).toEqual(['released', 'completed']);
    expect((await adapter.getJob(queue, long))?.state).toBe('active');
  });

  test('stopping hands prefetched jobs back at once, attempts unspent', async ({ adapter, queue, startPool }) => {
    const pool = await startPool({ threads: 1, concurrency: 1, prefetch: 2, shutdownTimeoutMs: 5000 });
    const [first, ...rest] = await adapter.enqueueMany(queue, [item('sleep', { ms: 500 }), item('echo', 1), item('echo', 2)]);
    await eventually(async () => (await adapter.counts(queue)).active === 3, 3000, 'all three leased');
    await pool.stop();
    expect((await adapter.getJob(queue, first!))?.state).toBe('completed');
    for (const id of rest) {
      const job = await adapter.getJob(queue, id);
      expect(job?.state).toBe('waiting');
      expect(job?.attempts.map((a) => a.outcome)).toEqual(['released']);
    }
  });

  test.for(['threads', 'inline'] as const)(
    'a run the process reaches past its lease (a stall between dispatch and start) is not started, and runs again on a fresh lease (%s)',
    async (mode, { adapter, startPool }) => {
      const ledger = join(mkdtempSync(join(tmpdir(), 'cvt-stall-')), 'ledger.txt');
      await adapter.createQueue('stall', { leaseMs: 1000, backoff: { type: 'fixed', delayMs: 0, maxDelayMs: 0 } });
      const pool = await startPool({ queues: ['stall'], threads: 1, concurrency: 1, ...(mode === 'inline' ? { workers: 'inline' } : {}) });
      // A first job, so the pool knows the Redis clock.
      await waitForState(adapter, 'stall', await adapter.enqueue('stall', item('echo', 0)), ['completed']);
      let stalled = false;
      pool.on('event', (e) => {
        if (stalled || e.type !== 'job' || e.state !== 'started' || e.queue !== 'stall' || e.attempt !== 1) return;
        stalled = true;
        // Dispatched, not yet started: the whole process stops longer than the lease.
        const until = Date.now() + 1300;
        while (Date.now() < until);
      });
      const id = await adapter.enqueue('stall', item('ledger', { ledger }));
      const done = await waitForState(adapter, 'stall', id, ['completed'], 10_000);
      expect(pool.events).toContainEqual(
        expect.objectContaining({ state: 'dropped', id, attempt: 1, reason: expect.stringMatching(/^not started/) }),
      );
      expect(
        readFileSync(ledger, 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split(' ')[1]),
      ).toEqual([String(done.attempts.length)]);
      expect(done.attempts.length).toBeGreaterThan(1);
    },
  );
});
