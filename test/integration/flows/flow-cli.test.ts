import { describe, expect } from 'vitest';
import type { FlowJobRef, FlowTree } from '../../../src-main/flows/flow-types';
import { cliTest as test } from '../cli/cli-fixture';
import { createQueues, runOne } from './flow-scenarios';

const SPEC = {
  queue: 'fa',
  agent: 'combine',
  id: 'doc',
  children: [
    { queue: 'fb', agent: 'summarize', input: 'part one' },
    { queue: 'fc', agent: 'summarize', input: 'part two', onFailure: 'ignore' },
  ],
};

describe('conveyor flow', () => {
  test('flow add - enqueues a flow from stdin and prints where each job went', async ({ cli, adapter }) => {
    await createQueues(adapter);
    const res = await cli.run(['flow', 'add', '-', '--json'], { stdin: JSON.stringify(SPEC) });
    expect(res.code).toBe(0);
    expect(JSON.parse(res.stdout) as FlowJobRef).toEqual({
      queue: 'fa',
      id: 'doc',
      children: [
        { queue: 'fb', id: 'doc.0' },
        { queue: 'fc', id: 'doc.1' },
      ],
    });
    expect((await adapter.getJob('fa', 'doc'))?.state).toBe('waiting-children');
  });

  test('flow <queue> <id> prints the tree with states, and --json the same as data', async ({ cli, adapter }) => {
    await createQueues(adapter);
    await cli.run(['flow', 'add', '-'], { stdin: JSON.stringify(SPEC) });
    await runOne(adapter, 'fb', 'doc.0', 'short');
    const res = await cli.run(['flow', 'fa', 'doc']);
    expect(res.code).toBe(0);
    expect(res.stdout).toBe('fa/doc  waiting-children\n├─ fb/doc.0  completed\n└─ fc/doc.1  waiting  on failure: ignore\n');
    const json = JSON.parse((await cli.run(['flow', 'fb', 'doc.0', '--json'])).stdout) as FlowTree;
    expect(json).toMatchObject({ queue: 'fb', id: 'doc.0', state: 'completed', parent: { queue: 'fa', id: 'doc' }, children: [] });
  });

  test('a flow naming a queue that does not exist: one clear error, exit 1, nothing enqueued', async ({ cli, adapter }) => {
    await createQueues(adapter);
    const res = await cli.run(['flow', 'add', '-'], { stdin: JSON.stringify({ ...SPEC, children: [{ queue: 'nope', agent: 'x' }] }) });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('invalid flow: no such queue: nope');
    expect(await adapter.getJob('fa', 'doc')).toBeNull();
  });
});
