import { describe, expect } from 'vitest';
import { CommandDispatcher, createHandlerTable, type HandlerContext } from '../../../src-main/control/handler-table';
import { queueTest as test } from '../../support/queue';
import { createQueues, fanIn, runOne, until } from './flow-scenarios';

describe('control center: flows.tree', () => {
  test("a job's flow tree: its parent, children, states and recorded outcomes", async ({ adapter }) => {
    await createQueues(adapter);
    await adapter.flows.enqueueFlow(fanIn('p', 2));
    await runOne(adapter, 'fb', 'p.0', 1);
    await until('the parent recorded p.0', async () => (await adapter.flows.childResults('fa', 'p'))[0]?.outcome === 'completed');
    // Only the adapter is needed by this command.
    const dispatcher = new CommandDispatcher(createHandlerTable({ adapter: () => adapter } as unknown as HandlerContext));
    const tree = await dispatcher.call('flows.tree', { queue: 'fa', id: 'p' });
    expect(tree).toMatchObject({
      queue: 'fa',
      id: 'p',
      state: 'waiting-children',
      children: [
        { queue: 'fb', id: 'p.0', state: 'completed', outcome: 'completed', parent: { queue: 'fa', id: 'p' } },
        { queue: 'fc', id: 'p.1', state: 'waiting', outcome: 'pending' },
      ],
    });
    await expect(dispatcher.callUntrusted('flows.tree', { queue: 'fa' })).rejects.toMatchObject({ code: 'INVALID_ARGS' });
  });
});
