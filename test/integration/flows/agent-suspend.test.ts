/**
 * Flows inside an agent, on a real WorkerPool: ctx.children spawns children
 * and suspends the job (its slot given back, the attempt `suspended`, not
 * counted), the job runs again from the top with their results, and
 * ctx.step returns its stored value on the replay.
 */
import { resolve } from 'node:path';
import { describe, expect } from 'vitest';
import { agentItem } from '../../../src-shared/item-schema';
import { poolTest as test } from '../../support/pool';
import { createQueues, until } from './flow-scenarios';

const AGENTS = resolve(__dirname, 'agents');

describe('ctx.children and ctx.step in a WorkerPool', () => {
  test('a job spawns children, suspends without holding a slot, and runs again with their results; its step ran once', async ({
    adapter,
    startPool,
  }) => {
    await createQueues(adapter);
    // One slot: the children can run only because the suspended parent gave it back.
    await startPool({ queues: ['fa', 'fb'], threads: 1, concurrency: 1, agentsDir: AGENTS });
    const id = await adapter.enqueue('fa', agentItem('fan', { n: 4 }), { jobId: 'fan-1' });
    const job = await until(
      'the parent completed',
      async () => {
        const j = await adapter.getJob('fa', id);
        return j?.state === 'completed' ? j : undefined;
      },
      20_000,
    );
    const result = job.result as { sum: number; token: number; outcomes: string[] };
    expect(result.sum).toBe(0 + 1 + 4 + 9);
    expect(result.outcomes).toEqual(['completed', 'completed', 'completed', 'completed']);
    const memo = JSON.parse((await adapter.redis.hget(`${adapter.keyPrefix}:{fa}:job:${id}`, 'fm')) ?? '{}') as Record<string, number>;
    expect(result.token).toBe(memo['s:token']);
    expect(job.attempts.map((a) => a.outcome)).toEqual(['suspended', 'completed']);
    expect(job.countedAttempts).toBe(1);
    const tree = await adapter.flows.tree('fa', id);
    expect(tree.children.map((c) => `${c.queue}/${c.id} ${c.state}`)).toEqual([0, 1, 2, 3].map((i) => `fb/fan-1.square.${i} completed`));
  }, 30_000);
});
