/**
 * The Jobs view's flows listing (issue #19, "the Jobs view can show flows"):
 * `flows.list` names a queue's flow parents, waiting ones first, each with its
 * children counted by how they ended, and pages with a bounded amount of work
 * per call.
 */
import { describe, expect } from 'vitest';
import { listFlows } from '../../../src-main/control/flow-list';
import { CommandDispatcher, createHandlerTable, type HandlerContext } from '../../../src-main/control/handler-table';
import type { RedisQueueAdapter } from '../../../src-main/queue/redis-queue-adapter';
import { item, queueTest as test } from '../../support/queue';
import { createQueues, fanIn, runOne, until, waitState } from '../flows/flow-scenarios';

/** Only the adapter is needed by these commands. */
const dispatcherOf = (adapter: RedisQueueAdapter) =>
  new CommandDispatcher(createHandlerTable({ adapter: () => adapter } as unknown as HandlerContext));

describe('control center: flows.list', () => {
  test('a parent waiting for its children is listed with its children counted by outcome; plain jobs are not', async ({ adapter }) => {
    await createQueues(adapter);
    await adapter.enqueue('fa', item('echo', 'plain'));
    await adapter.flows.enqueueFlow(fanIn('p', 2));
    await runOne(adapter, 'fb', 'p.0', 1);
    await until('the parent recorded p.0', async () => (await adapter.flows.childResults('fa', 'p'))[0]?.outcome === 'completed');

    const page = await dispatcherOf(adapter).call('flows.list', { queue: 'fa' });
    expect(page.flows).toEqual([
      {
        queue: 'fa',
        id: 'p',
        state: 'waiting-children',
        createdAt: expect.any(Number) as number,
        children: 2,
        outcomes: { pending: 1, completed: 1, dead: 0, cancelled: 0, removed: 0 },
      },
    ]);
    expect(page.cursor).toBeUndefined();
    // The children's queues hold no parents.
    expect((await dispatcherOf(adapter).call('flows.list', { queue: 'fb' })).flows).toEqual([]);
  });

  test('a parent whose flow is done is still listed, after the waiting ones, and the limit pages through them', async ({ adapter }) => {
    await createQueues(adapter);
    await adapter.flows.enqueueFlow(fanIn('done', 1));
    await runOne(adapter, 'fb', 'done.0', 'r');
    await waitState(adapter, 'fa', 'done', 'waiting');
    await runOne(adapter, 'fa', 'done', 'all');
    await adapter.flows.enqueueFlow(fanIn('open', 1));

    const first = await listFlows(adapter, 'fa', { limit: 1 });
    expect(first.flows.map((f) => [f.id, f.state])).toEqual([['open', 'waiting-children']]);
    expect(first.cursor).toBeDefined();
    const second = await listFlows(adapter, 'fa', { limit: 1, ...(first.cursor === undefined ? {} : { cursor: first.cursor }) });
    expect(second.flows).toMatchObject([{ id: 'done', state: 'completed', children: 1, outcomes: { completed: 1, pending: 0 } }]);
  });

  test('each call looks at a bounded number of jobs and gives a cursor to go on from', async ({ adapter }) => {
    await createQueues(adapter);
    await adapter.enqueueMany(
      'fa',
      Array.from({ length: 450 }, (_, i) => ({ item: item('echo', i), opts: {} })),
    );
    const first = await listFlows(adapter, 'fa', { budget: 200 });
    expect(first).toMatchObject({ flows: [], scanned: 200 });
    let cursor = first.cursor;
    let scanned = first.scanned;
    while (cursor !== undefined) {
      const next = await listFlows(adapter, 'fa', { cursor, budget: 200 });
      expect(next.scanned).toBeLessThanOrEqual(200);
      scanned += next.scanned;
      cursor = next.cursor;
    }
    expect(scanned).toBe(450);
  });

  test('a malformed call is refused by the contract', async ({ adapter }) => {
    await expect(dispatcherOf(adapter).callUntrusted('flows.list', { queue: 'fa', limit: 0 })).rejects.toMatchObject({
      code: 'INVALID_ARGS',
    });
  });
});
