import { describe, expect } from 'vitest';
import { commandArgs } from '../../../src-shared/contract';
import { historyHandlers } from '../../../src-main/control/history';
import { item, queueTest as test } from '../../support/queue';

describe('metrics.history (control command)', () => {
  test('answers the stored history of a queue or all, per agent', async ({ adapter, queue }) => {
    await adapter.enqueue(queue, item('echo', 1));
    const job = await adapter.dequeue(queue);
    await adapter.completeProcessing(queue, job!.action.id, 1, job!.lease.token);
    const h = historyHandlers({ adapter: () => adapter })['metrics.history'];
    expect((await h({ queue: 'all', range: '15m' })).totals.completed).toBe(1);
    expect((await h({ queue, range: '24h', agent: 'other' })).totals.completed).toBe(0);
  });

  test('its arguments are checked: a range it does not know is refused', () => {
    expect(commandArgs['metrics.history'].safeParse({ queue: 'all', range: '2h' }).success).toBe(false);
    expect(commandArgs['metrics.history'].safeParse({ queue: 'all', range: '7d', agent: 'echo' }).success).toBe(true);
  });
});
