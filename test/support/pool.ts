/**
 * A WorkerPool on the test Redis, with the fixture agents of
 * test/fixtures/agents loaded as plug-ins, stopped after the test:
 *
 *   import { poolTest as test } from '../support/pool';
 *   test('...', async ({ adapter, startPool }) => { const pool = await startPool({ threads: 2 }); ... });
 */
import { resolve } from 'node:path';
import type { JobRecord, JobState } from '../../src-shared/job';
import { WorkerPool, type PoolEvent, type PoolOptions } from '../../src-main/pool/pool';
import type { RedisQueueAdapter } from '../../src-main/queue/redis-queue-adapter';
import { queueTest } from './queue';

export const FIXTURE_AGENTS = resolve(__dirname, '../fixtures/agents');
/** The built thread entry, behind a loader for the TypeScript fixture agents (build first: scripts/test.sh does). */
export const THREAD_ENTRY = resolve(__dirname, 'ts-thread-entry.mjs');

export interface PoolFixtures {
  /** Starts a pool on `queue` (override anything); every pool is stopped after the test. */
  startPool: (options?: Partial<PoolOptions>) => Promise<WorkerPool & { events: PoolEvent[] }>;
}

export const poolTest = queueTest.extend<PoolFixtures>({
  startPool: async ({ adapter, queue }, use) => {
    const pools: WorkerPool[] = [];
    await use(async (options = {}) => {
      const pool = new WorkerPool({
        adapter,
        queues: [queue],
        threads: 2,
        concurrency: 4,
        jobTimeoutMs: 10_000,
        killGraceMs: 300,
        maxMemoryMb: 64,
        shutdownTimeoutMs: 1000,
        agentsDir: FIXTURE_AGENTS,
        threadEntry: THREAD_ENTRY,
        heartbeatMs: 200,
        ...options,
      });
      const events: PoolEvent[] = [];
      pool.on('event', (e) => events.push(e));
      pools.push(pool);
      await pool.start();
      return Object.assign(pool, { events });
    });
    await Promise.all(pools.map((p) => p.stop()));
  },
});

/** Polls a job until it is in one of `states`; fails with its last record after `ms`. */
export async function waitForState(
  adapter: RedisQueueAdapter,
  queue: string,
  id: string,
  states: JobState[],
  ms = 10_000,
): Promise<JobRecord> {
  const end = Date.now() + ms;
  for (;;) {
    const job = await adapter.getJob(queue, id);
    if (job && states.includes(job.state)) return job;
    if (Date.now() > end) throw new Error(`job ${id} is ${job?.state ?? 'missing'}, not ${states.join('|')}: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Polls until `check` holds. */
export async function eventually(check: () => boolean | Promise<boolean>, ms = 10_000, what = 'condition'): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what} not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
