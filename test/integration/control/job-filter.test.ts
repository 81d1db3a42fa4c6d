/**
 * The agent filter runs in the control core over the adapter's listing (issue
 * #17 point 1): a filtered page holds only that agent's jobs however far down
 * they are, each call looks at a bounded number of jobs and hands back a
 * cursor, and the ids a bulk action gets are exactly the filter's.
 */
import { describe, expect } from 'vitest';
import { collectIds, listByAgent } from '../../../src-main/control/job-filter';
import { createHandlerTable, type HandlerContext } from '../../../src-main/control/handler-table';
import type { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { item, queueTest as test } from '../../support/queue';

async function fill(adapter: RedisQueueAdapter, queue: string, agents: string[]): Promise<void> {
  await adapter.enqueueMany(
    queue,
    agents.map((agent, i) => ({ item: item(agent, i), opts: {} })),
  );
}

describe('agent filter', () => {
  test('a filtered page finds the agent’s jobs behind many of another agent', async ({ adapter, queue }) => {
    await fill(adapter, queue, [...Array<string>(1200).fill('slow'), 'echo', 'echo']);
    const page = await listByAgent(adapter, queue, 'waiting', 'echo', { limit: 50 });
    expect(page.jobs.map((j) => j.agent)).toEqual(['echo', 'echo']);
    expect(page.cursor).toBeUndefined();
  });

  test('each call looks at a bounded number of jobs and gives a cursor to go on from', async ({ adapter, queue }) => {
    await fill(adapter, queue, [...Array<string>(1100).fill('slow'), 'echo']);
    const first = await listByAgent(adapter, queue, 'waiting', 'echo', { limit: 50, budget: 500 });
    expect(first).toMatchObject({ jobs: [], scanned: 500 });
    expect(first.cursor).toBeDefined();
    let cursor = first.cursor;
    const found: string[] = [];
    while (cursor !== undefined) {
      const next = await listByAgent(adapter, queue, 'waiting', 'echo', { cursor, limit: 50, budget: 500 });
      expect(next.scanned).toBeLessThanOrEqual(500);
      found.push(...next.jobs.map((j) => j.agent ?? ''));
      cursor = next.cursor;
    }
    expect(found).toEqual(['echo']);
  });

  test('a full page stops mid-way and the cursor resumes right after its last job', async ({ adapter, queue }) => {
    await fill(adapter, queue, ['echo', 'slow', 'echo', 'echo', 'slow', 'echo']);
    const a = await listByAgent(adapter, queue, 'waiting', 'echo', { limit: 2 });
    const b = await listByAgent(adapter, queue, 'waiting', 'echo', { limit: 2, ...(a.cursor ? { cursor: a.cursor } : {}) });
    const inputs = [...a.jobs, ...b.jobs].map((j) => (j.item?.message.payload as { input: number }).input);
    expect(inputs).toEqual([0, 2, 3, 5]);
    expect(b.cursor).toBeUndefined();
  });

  test('the ids of a bulk action are exactly the filter’s', async ({ adapter, queue }) => {
    await fill(adapter, queue, ['echo', 'slow', 'echo', 'slow']);
    const echo = await collectIds(adapter, queue, 'waiting', { agent: 'echo' });
    const all = await collectIds(adapter, queue, 'waiting', {});
    expect(echo.ids).toHaveLength(2);
    expect(all.ids).toHaveLength(4);
    for (const id of echo.ids) expect((await adapter.getJob(queue, id))?.agent).toBe('echo');
  });

  test('jobs.list and jobs.search take the agent', async ({ adapter, queue }) => {
    await fill(adapter, queue, ['echo', 'slow', 'echo']);
    const table = createHandlerTable({ adapter: () => adapter } as unknown as HandlerContext);
    const listed = await table['jobs.list']({ queue, state: 'waiting', agent: 'slow' });
    expect(listed.jobs.map((j) => j.agent)).toEqual(['slow']);
    const found = await table['jobs.search']({ queue, text: 'echo', agent: 'echo' });
    expect(found.map((j) => j.agent)).toEqual(['echo', 'echo']);
  });
});
