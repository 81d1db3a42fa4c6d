import { resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { item } from '../../support/queue';
import { eventually, poolTest as test, waitForState } from '../../support/pool';
import { PoolErrorCode } from '../../../src-main/pool/errors';

const fixture = (name: string) => resolve(__dirname, '../../fixtures', name);

describe('fault isolation', () => {
  test('a job that throws is retried, then dead with its error; jobs beside it complete', async ({ adapter, queue, startPool }) => {
    await adapter.createQueue(queue, { maxRetries: 2 });
    const pool = await startPool();
    const bad = await adapter.enqueue(queue, item('fail', null));
    const good = await adapter.enqueueMany(
      queue,
      Array.from({ length: 10 }, (_, i) => item('echo', i)),
    );
    const job = await waitForState(adapter, queue, bad, ['dead']);
    expect(job.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(job.error).toBe('fixture failure');
    expect(job.stack).toMatch(/fixture failure/);
    for (const id of good) await waitForState(adapter, queue, id, ['completed']);
    expect(pool.stats.threads).toBe(2);
  });

  test('a flaky job succeeds on the attempt after its failures', async ({ adapter, queue, startPool }) => {
    await startPool();
    const id = await adapter.enqueue(queue, item('flaky', { failTimes: 2 }));
    const job = await waitForState(adapter, queue, id, ['completed']);
    expect(job.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed', 'completed']);
  });

  test('an uncaught error crashes only its thread: the job fails as crashed, the thread is replaced', async ({
    adapter,
    queue,
    startPool,
  }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    const pool = await startPool();
    const id = await adapter.enqueue(queue, item('crash', null));
    const job = await waitForState(adapter, queue, id, ['dead']);
    expect(job.attempts[0]).toMatchObject({ outcome: 'crashed' });
    expect(job.error).toMatch(/fixture crash/);
    await eventually(() => pool.stats.threads === 2, 5000, 'thread replaced');
    const after = await adapter.enqueue(queue, item('echo', 'still works'));
    expect((await waitForState(adapter, queue, after, ['completed'])).result).toBe('still works');
  });

  test('process.exit inside a job ends as crashed too', async ({ adapter, queue, startPool }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    const pool = await startPool();
    const id = await adapter.enqueue(queue, item('crash', { exit: true }));
    expect((await waitForState(adapter, queue, id, ['dead'])).attempts[0]?.outcome).toBe('crashed');
    await eventually(() => pool.stats.threads === 2, 5000, 'thread replaced');
  });

  test('a job that runs out of memory fails as out_of_memory; the pool keeps its size', async ({ adapter, queue, startPool }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    const pool = await startPool({ maxMemoryMb: 32 });
    const id = await adapter.enqueue(queue, item('oom', null));
    const job = await waitForState(adapter, queue, id, ['dead'], 20_000);
    expect(job.attempts[0]?.outcome).toBe('out_of_memory');
    await eventually(() => pool.stats.threads === 2, 5000, 'thread replaced');
  });

  test('a job that ignores its timeout has its thread terminated; it fails as timeout, its neighbours wait again without losing an attempt', async ({
    adapter,
    queue,
    startPool,
  }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    const pool = await startPool({ threads: 1, concurrency: 4, killGraceMs: 200 });
    const neighbours = await adapter.enqueueMany(queue, [item('sleep', { ms: 1500 }), item('sleep', { ms: 1500 })]);
    await eventually(async () => (await adapter.counts(queue)).active === 2, 5000, 'neighbours running');
    const hung = await adapter.enqueue(queue, item('hang', null), { timeoutMs: 300 });
    const job = await waitForState(adapter, queue, hung, ['dead'], 10_000);
    expect(job.attempts[0]?.outcome).toBe('timeout');
    for (const id of neighbours) {
      const n = await waitForState(adapter, queue, id, ['completed'], 10_000);
      expect(n.attempts.map((a) => a.outcome)).toEqual(['released', 'completed']);
    }
    expect(pool.stats.threads).toBe(1);
  });

  test('a job blocking its thread synchronously is terminated at its timeout, without waiting for the kill grace', async ({
    adapter,
    queue,
    startPool,
  }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    await startPool({ threads: 1, concurrency: 4, killGraceMs: 60_000 });
    const hung = await adapter.enqueue(queue, item('hang', null), { timeoutMs: 300 });
    const job = await waitForState(adapter, queue, hung, ['dead'], 10_000);
    expect(job.attempts[0]?.outcome).toBe('timeout');
    expect(job.attempts[0]?.error).toMatch(/blocked its thread for \d+ ms: thread terminated/);
  });

  test("a thread hung by a job halfway to its timeout is replaced at once, so other jobs keep the pool's slots", async ({
    adapter,
    queue,
    startPool,
  }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    const pool = await startPool({ threads: 1, concurrency: 2 });
    // Stalled at 4 s, dead at 8 s: the others must finish in between, with room for a slow thread start under load.
    const hung = await adapter.enqueue(queue, item('hang', null), { timeoutMs: 8000 });
    await waitForState(adapter, queue, hung, ['active']);
    await eventually(() => pool.events.some((e) => e.type === 'thread' && e.state === 'stalled'), 7000, 'thread reported stalled');
    const others = await adapter.enqueueMany(queue, [item('echo', 1), item('echo', 2)]);
    for (const id of others) await waitForState(adapter, queue, id, ['completed'], 3000);
    expect((await adapter.getJob(queue, hung))?.state).toBe('active');
    expect((await waitForState(adapter, queue, hung, ['dead'], 10_000)).attempts[0]?.outcome).toBe('timeout');
    expect(pool.stats.threads).toBe(1);
  });

  test("a job stuck in an endless loop is blamed even when its neighbours' timers fire first", async ({ adapter, queue, startPool }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    await startPool({ threads: 1, concurrency: 4, killGraceMs: 200 });
    const neighbours = await adapter.enqueueMany(queue, [
      { item: item('hang', { async: true }), opts: { timeoutMs: 60_000 } },
      { item: item('sleep', { ms: 200 }), opts: { timeoutMs: 150 } },
    ]);
    await eventually(async () => (await adapter.counts(queue)).active === 2, 5000, 'neighbours running');
    const stuck = await adapter.enqueue(queue, item('hang', null), { timeoutMs: 5000 });
    const job = await waitForState(adapter, queue, stuck, ['dead'], 10_000);
    expect(job.attempts[0]?.outcome).toBe('timeout');
    const [patient] = neighbours;
    await eventually(
      async () => (await adapter.getJob(queue, patient!))?.attempts[0]?.outcome === 'released',
      5000,
      'patient neighbour released',
    );
  });

  test('a job that runs out of memory takes no neighbour with it', async ({ adapter, queue, startPool }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    await startPool({ threads: 1, concurrency: 4, maxMemoryMb: 32 });
    const neighbour = await adapter.enqueue(queue, item('sleep', { ms: 1500 }));
    await waitForState(adapter, queue, neighbour, ['active']);
    const hog = await adapter.enqueue(queue, item('oom', null));
    expect((await waitForState(adapter, queue, hog, ['dead'], 20_000)).attempts[0]?.outcome).toBe('out_of_memory');
    const n = await waitForState(adapter, queue, neighbour, ['completed'], 10_000);
    expect(n.attempts.map((a) => a.outcome)).toEqual(['released', 'completed']);
  });

  test('a job that honours its abort signal on timeout fails as timeout without killing its thread', async ({
    adapter,
    queue,
    startPool,
  }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    const pool = await startPool({ threads: 1, killGraceMs: 5000 });
    const id = await adapter.enqueue(queue, item('sleep', { ms: 60_000 }), { timeoutMs: 200 });
    const job = await waitForState(adapter, queue, id, ['dead'], 3000);
    expect(job.attempts[0]?.outcome).toBe('timeout');
    expect(pool.events.some((e) => e.type === 'thread' && e.state === 'died')).toBe(false);
  });

  test('cancelling a running job fires its signal and it ends cancelled', async ({ adapter, queue, startPool }) => {
    await startPool();
    const id = await adapter.enqueue(queue, item('sleep', { ms: 60_000 }));
    await waitForState(adapter, queue, id, ['active']);
    expect(await adapter.cancel(queue, id)).toBe('cancel_requested');
    const job = await waitForState(adapter, queue, id, ['cancelled'], 3000);
    expect(job.attempts[0]?.outcome).toBe('cancelled');
  });

  test('an unknown agent fails at once, without retries, naming the known ones', async ({ adapter, queue, startPool }) => {
    await startPool();
    const id = await adapter.enqueue(queue, item('nope', null));
    const job = await waitForState(adapter, queue, id, ['dead']);
    expect(job.attempts).toHaveLength(1);
    expect(job.error).toMatch(/^unknown agent "nope"; known: .*echo/);
  });

  test('threads that keep dying at start-up stop the pool with a clear error', async ({ startPool }) => {
    const err = await startPool({ threadEntry: fixture('broken-thread-entry.mjs') }).catch((e: unknown) => e);
    expect(err).toMatchObject({ poolCode: PoolErrorCode.ThreadsDyingAtStartup });
    expect(String((err as Error).message)).toMatch(/keep dying at start-up.*broken on purpose/);
  });
});
