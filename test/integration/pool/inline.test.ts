/**
 * `workers: 'inline'`: agents run on the pool's own thread, through the same
 * dispatcher and outcomes as threads. Each test checks one behaviour the
 * threads mode has (faults.test.ts and processing.test.ts hold the threads
 * versions, isolation included).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import { describe, expect } from 'vitest';
import { agentItem } from '../../../src-shared/item-schema';
import { WorkerPool } from '../../../src-main/pool/pool';
import { item } from '../../support/queue';
import { eventually, poolTest as test, waitForState } from '../../support/pool';
import { createQueues } from '../flows/flow-scenarios';

const FLOW_AGENTS = resolve(__dirname, '../flows/agents');

/** A folder with one agent that returns the id of the thread it ran on. */
function whereAgentDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'conveyor-inline-'));
  writeFileSync(
    join(dir, 'where.mjs'),
    "import { threadId } from 'node:worker_threads';\n" +
      "export default { name: 'where', description: 'returns its thread id', run: () => ({ threadId }) };\n",
  );
  return dir;
}

describe("workers: 'inline'", () => {
  test('runs agents on the pool’s own thread, no worker thread, and completes their jobs', async ({ adapter, queue, startPool }) => {
    const pool = await startPool({ workers: 'inline', agentsDir: whereAgentDir() });
    const [where, ...echoes] = await adapter.enqueueMany(queue, [
      item('where', null),
      ...Array.from({ length: 20 }, (_, i) => item('echo', { n: i })),
    ]);
    expect((await waitForState(adapter, queue, where as string, ['completed'])).result).toEqual({ threadId });
    for (const [i, id] of echoes.entries()) expect((await waitForState(adapter, queue, id, ['completed'])).result).toEqual({ n: i });
    expect(pool.workers).toBe('inline');
    expect(pool.size.threads).toBe(1);
  });

  test('a throwing agent fails its attempt and is retried, then dead with its error', async ({ adapter, queue, startPool }) => {
    await adapter.createQueue(queue, { maxRetries: 1 });
    await startPool({ workers: 'inline' });
    const id = await adapter.enqueue(queue, item('fail', null));
    const job = await waitForState(adapter, queue, id, ['dead']);
    expect(job.attempts.map((a) => a.outcome)).toEqual(['failed', 'failed']);
    expect(job.error).toBe('fixture failure');
  });

  test('an agent that never settles and ignores its signal times out; the pool runs on', async ({ adapter, queue, startPool }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    const pool = await startPool({ workers: 'inline', killGraceMs: 200 });
    const hung = await adapter.enqueue(queue, item('hang', { async: true }), { timeoutMs: 300 });
    const job = await waitForState(adapter, queue, hung, ['dead'], 10_000);
    expect(job.attempts[0]?.outcome).toBe('timeout');
    expect(job.error).toMatch(/abandoned \(inline\)/);
    const next = await adapter.enqueue(queue, item('echo', 'after'));
    expect((await waitForState(adapter, queue, next, ['completed'])).result).toBe('after');
    expect(pool.events.some((e) => e.type === 'thread' && e.state === 'died')).toBe(false);
  });

  test('an agent that honours its signal on timeout fails as timeout', async ({ adapter, queue, startPool }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    await startPool({ workers: 'inline', killGraceMs: 5000 });
    const id = await adapter.enqueue(queue, item('sleep', { ms: 60_000 }), { timeoutMs: 200 });
    const job = await waitForState(adapter, queue, id, ['dead'], 3000);
    expect(job.attempts[0]?.outcome).toBe('timeout');
    expect(job.error).toMatch(/^timed out after/);
  });

  test('cancelling a running job fires its signal and it ends cancelled', async ({ adapter, queue, startPool }) => {
    await startPool({ workers: 'inline' });
    const id = await adapter.enqueue(queue, item('sleep', { ms: 60_000 }));
    await waitForState(adapter, queue, id, ['active']);
    expect(await adapter.cancel(queue, id)).toBe('cancel_requested');
    const job = await waitForState(adapter, queue, id, ['cancelled'], 3000);
    expect(job.attempts[0]?.outcome).toBe('cancelled');
  });

  test('progress and log lines reach the job', async ({ adapter, queue, startPool }) => {
    await startPool({ workers: 'inline' });
    const id = await adapter.enqueue(queue, item('progress', null));
    const job = await waitForState(adapter, queue, id, ['completed']);
    expect(job.progress?.fraction).toBe(1);
    expect(job.logs.map((l) => l.line)).toEqual(['step 1', 'step 2']);
  });

  test('ctx.children suspends the job and ctx.step replays, as in a thread', async ({ adapter, startPool }) => {
    await createQueues(adapter);
    // One slot: the children run only because the suspended parent gave it back.
    await startPool({ workers: 'inline', queues: ['fa', 'fb'], concurrency: 1, agentsDir: FLOW_AGENTS });
    const id = await adapter.enqueue('fa', agentItem('fan', { n: 3 }), { jobId: 'fan-inline' });
    const job = await waitForState(adapter, 'fa', id, ['completed'], 20_000);
    expect((job.result as { sum: number }).sum).toBe(0 + 1 + 4);
    expect(job.attempts.map((a) => a.outcome)).toEqual(['suspended', 'completed']);
  }, 30_000);

  test('a RateLimitedError (a 429) hands the job back, attempt unspent, and it runs again', async ({ adapter, queue, startPool }) => {
    await adapter.createQueue(queue, { maxRetries: 0 });
    await startPool({ workers: 'inline' });
    const ledger = join(mkdtempSync(join(tmpdir(), 'conveyor-inline-')), 'ledger');
    const id = await adapter.enqueue(queue, item('limits-ledger', { ledger, rateLimitedMs: 200 }));
    const job = await waitForState(adapter, queue, id, ['completed'], 10_000);
    expect(job.attempts.map((a) => a.outcome)).toEqual(['released', 'completed']);
    expect(job.attempts[0]?.releaseReason).toBe('rate_limited');
  });

  test('what an agent reports with ctx.cost is charged to its group’s points', async ({ adapter, queue, startPool }) => {
    // A window long enough that it cannot roll over between the charge and the read.
    await adapter.limits.set(queue, { points: '1000/1m' }, 'p');
    await startPool({ workers: 'inline' });
    const ledger = join(mkdtempSync(join(tmpdir(), 'conveyor-inline-')), 'ledger');
    const id = await adapter.enqueue(queue, item('limits-ledger', { ledger, cost: 70 }), { group: 'p' });
    await waitForState(adapter, queue, id, ['completed']);
    expect((await adapter.limits.list(queue)).limits[0]).toMatchObject({ group: 'p', pointsUsed: 70 });
  });

  test('a graceful stop hands a job still running back to its queue, attempt unspent', async ({ adapter, queue, startPool }) => {
    const pool = await startPool({ workers: 'inline', shutdownTimeoutMs: 200 });
    const id = await adapter.enqueue(queue, item('sleep', { ms: 60_000 }));
    await waitForState(adapter, queue, id, ['active']);
    await pool.stop();
    const job = await adapter.getJob(queue, id);
    expect(job?.state).toBe('waiting');
    expect(job?.attempts[0]?.outcome).toBe('released');
  });

  test('never runs more than `concurrency` jobs at once, whatever `threads` says', async ({ adapter, queue, startPool }) => {
    const pool = await startPool({ workers: 'inline', threads: 4, concurrency: 3 });
    await adapter.enqueueMany(
      queue,
      Array.from({ length: 12 }, () => item('sleep', { ms: 100 })),
    );
    let maxRunning = 0;
    pool.on('event', () => (maxRunning = Math.max(maxRunning, pool.stats.running)));
    await eventually(async () => (await adapter.counts(queue)).completed === 12, 15_000, 'all completed');
    expect(maxRunning).toBe(3);
  });

  test('an unknown workers value is refused when the pool is made', ({ adapter, queue }) => {
    expect(() => new WorkerPool({ adapter, queues: [queue], workers: 'process' as 'inline' })).toThrow(
      new TypeError(`pool option workers must be 'threads' or 'inline', got "process"`),
    );
  });
});
