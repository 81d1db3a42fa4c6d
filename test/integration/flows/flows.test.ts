/**
 * Flows on a single Redis: enqueueFlow and the waiting-children state, the
 * cross-slot outbox (exactly-once resumption, also when the applier dies
 * between the steps, and when children finish at once), failure policies,
 * cancel, retry-resume, bad input, retention of children's results.
 */
import { describe, expect } from 'vitest';
import { ConveyorError, ErrorCode } from '../../../src-shared/errors';
import { FLOW_LIMITS, type FlowNode } from '../../../src-main/flows/flow-types';
import { item, queueTest as test } from '../../support/queue';
import {
  QUEUES,
  countFinished,
  createQueues,
  eventCount,
  failOne,
  fanIn,
  killBeforeTrim,
  killBetweenSteps,
  outboxSize,
  runOne,
  stateOf,
  until,
  waitState,
} from './flow-scenarios';

describe('enqueueFlow', () => {
  test('a parent waits in waiting-children, never leased, until its children on other queues complete', async ({ adapter: a }) => {
    await createQueues(a);
    const ref = await a.flows.enqueueFlow(fanIn('p', 2));
    expect(ref).toEqual({
      queue: 'fa',
      id: 'p',
      children: [
        { queue: 'fb', id: 'p.0' },
        { queue: 'fc', id: 'p.1' },
      ],
    });
    expect(await stateOf(a, 'fa', 'p')).toBe('waiting-children');
    expect((await a.counts('fa'))['waiting-children']).toBe(1);
    expect((await a.listJobs('fa', 'waiting-children')).jobs.map((j) => j.id)).toEqual(['p']);
    expect(await a.dequeue('fa')).toBeNull();
    await runOne(a, 'fb', 'p.0', { n: 0 });
    expect(await stateOf(a, 'fa', 'p')).toBe('waiting-children');
    await runOne(a, 'fc', 'p.1', { n: 1 });
    await waitState(a, 'fa', 'p', 'waiting');
    expect(await a.flows.childResults('fa', 'p')).toEqual([
      { queue: 'fb', id: 'p.0', outcome: 'completed', result: { n: 0 } },
      { queue: 'fc', id: 'p.1', outcome: 'completed', result: { n: 1 } },
    ]);
    expect(await eventCount(a, 'fa', 'waiting_children', 'p')).toBe(1);
    expect(await eventCount(a, 'fa', 'children_done', 'p')).toBe(1);
  });

  test('a chain: each job runs after the one below it, and reads its result', async ({ adapter: a }) => {
    await createQueues(a);
    await a.flows.enqueueFlow({
      queue: 'fc',
      item: item('publish', 0),
      opts: { jobId: 'c' },
      children: [{ queue: 'fb', item: item('translate', 0), children: [{ queue: 'fa', item: item('summarise', 0) }] }],
    });
    await runOne(a, 'fa', 'c.0.0', 'summary');
    await waitState(a, 'fb', 'c.0', 'waiting');
    expect((await a.flows.childResults('fb', 'c.0'))[0]?.result).toBe('summary');
    await runOne(a, 'fb', 'c.0', 'resumé');
    await waitState(a, 'fc', 'c', 'waiting');
    const tree = await a.flows.tree('fc', 'c');
    expect(tree.children[0]?.children[0]).toMatchObject({
      queue: 'fa',
      id: 'c.0.0',
      state: 'completed',
      outcome: 'completed',
      parent: { queue: 'fb', id: 'c.0' },
    });
  });

  test('the same flow enqueued twice adds nothing the second time', async ({ adapter: a }) => {
    await createQueues(a);
    await a.flows.enqueueFlow(fanIn('p', 3));
    await a.flows.enqueueFlow(fanIn('p', 3));
    expect((await a.counts('fb')).waiting + (await a.counts('fc')).waiting).toBe(3);
  });

  test('a producer that dies after writing the parent: any process writes the children from its intent', async ({
    adapter: a,
    connect,
  }) => {
    await createQueues(a);
    a.flows.writer.fault = () => {
      throw new Error('injected producer death');
    };
    await expect(a.flows.enqueueFlow(fanIn('p', 2))).rejects.toThrow('injected producer death');
    expect(await stateOf(a, 'fa', 'p')).toBe('waiting-children');
    expect(await a.getJob('fb', 'p.0')).toBeNull();
    const other = await connect();
    // A sweep leaves a young intent alone (its producer may still be writing)...
    await other.flows.sweep('fa');
    expect(await a.getJob('fb', 'p.0')).toBeNull();
    // ...and completes an old one.
    other.flows.outbox.intentGraceMs = 0;
    await other.flows.sweep('fa');
    await runOne(other, 'fb', 'p.0', 0);
    await runOne(other, 'fc', 'p.1', 1);
    await waitState(other, 'fa', 'p', 'waiting');
    expect(await a.redis.hget(`${a.keyPrefix}:{fa}:job:p`, 'fi')).toBeNull();
  });

  test('bad input writes nothing: unknown queue, duplicate ids, a cycle, too many children, too deep', async ({ adapter: a }) => {
    await createQueues(a);
    const cases: Array<[string, FlowNode]> = [];
    cases.push(['no such queue', { ...fanIn('x', 1), children: [{ queue: 'nope', item: item('m', 0) }] }]);
    cases.push([
      'appears twice',
      {
        ...fanIn('x', 1),
        children: [
          { queue: 'fb', item: item('m', 0), opts: { jobId: 'd' } },
          { queue: 'fb', item: item('m', 1), opts: { jobId: 'd' } },
        ],
      },
    ]);
    const cyclic: FlowNode = { ...fanIn('x', 0), children: [] };
    cyclic.children = [{ queue: 'fb', item: item('m', 0), children: [cyclic] }];
    cases.push(['cycle', cyclic]);
    cases.push([`limit is ${FLOW_LIMITS.maxChildren}`, fanIn('x', FLOW_LIMITS.maxChildren + 1)]);
    let deep: FlowNode = { queue: 'fb', item: item('m', 0) };
    for (let i = 0; i < FLOW_LIMITS.maxDepth; i++) deep = { queue: 'fb', item: item('m', i), children: [deep] };
    cases.push([`deeper than ${FLOW_LIMITS.maxDepth}`, { ...deep, opts: { jobId: 'x' } }]);
    cases.push(['onFailure', { ...fanIn('x', 1), children: [{ queue: 'fb', item: item('m', 0), onFailure: 'explode' as never }] }]);
    for (const [message, flow] of cases) {
      const err = await a.flows.enqueueFlow(flow).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err, message).toBeInstanceOf(ConveyorError);
      expect((err as ConveyorError).code).toBe(ErrorCode.ItemInvalid);
      expect((err as Error).message).toContain(message);
    }
    for (const q of QUEUES) expect(await a.counts(q)).toMatchObject({ waiting: 0, 'waiting-children': 0 });
  });
});

describe('exactly-once resumption across slots', () => {
  test('the worker dies after the children finish, before the parent apply: a sweep resumes the parent once', async ({
    adapter,
    connect,
  }) => {
    await killBetweenSteps(adapter, await connect(), 'before-apply');
  });

  test('the worker dies after the parent apply, before deleting the entry: a second apply changes nothing', async ({
    adapter,
    connect,
  }) => {
    await killBetweenSteps(adapter, await connect(), 'before-delete');
  });

  test('50 children finishing at the same instant on two processes resume the parent exactly once', async ({ adapter: a, connect }) => {
    await createQueues(a);
    const b = await connect();
    await a.flows.enqueueFlow(fanIn('p', 50));
    const held = [];
    for (const q of ['fb', 'fc']) held.push(...(await a.dequeueMany(q, 25)).map((j) => ({ q, j })));
    expect(held).toHaveLength(50);
    await Promise.all(held.map(({ q, j }, i) => (i % 2 ? a : b).completeProcessing(q, j.action.id, i, j.lease.token)));
    await waitState(a, 'fa', 'p', 'waiting');
    await Promise.all([a.flows.sweep('fb'), b.flows.sweep('fb'), a.flows.sweep('fc'), b.flows.sweep('fc')]);
    expect(await eventCount(a, 'fa', 'children_done', 'p')).toBe(1);
    expect((await a.flows.childResults('fa', 'p')).filter((c) => c.outcome === 'completed')).toHaveLength(50);
    expect((await a.counts('fa')).waiting).toBe(1);
  });
});

describe('failure policies', () => {
  test('fail (default): a dead child fails its parent, reason child_failed', async ({ adapter: a }) => {
    await createQueues(a);
    await a.flows.enqueueFlow(fanIn('p', 2));
    await failOne(a, 'fb', 'p.0');
    await waitState(a, 'fa', 'p', 'dead');
    const parent = await a.getJob('fa', 'p');
    expect(parent?.reason).toBe('child_failed');
    expect(parent?.error).toContain('fb/p.0');
  });

  test('ignore: the failure is recorded and the parent runs once the others are done', async ({ adapter: a }) => {
    await createQueues(a);
    const flow = fanIn('p', 2);
    flow.children = flow.children.map((c) => ({ ...c, onFailure: 'ignore' as const }));
    await a.flows.enqueueFlow(flow);
    await failOne(a, 'fb', 'p.0');
    await new Promise((r) => setTimeout(r, 50));
    expect(await stateOf(a, 'fa', 'p')).toBe('waiting-children');
    await runOne(a, 'fc', 'p.1', 'ok');
    await waitState(a, 'fa', 'p', 'waiting');
    const results = await a.flows.childResults('fa', 'p');
    expect(results[0]).toMatchObject({ id: 'p.0', outcome: 'dead', policy: 'ignore', error: expect.stringContaining('boom p.0') });
  });

  test('continue: the parent runs at once when the child fails', async ({ adapter: a }) => {
    await createQueues(a);
    const flow = fanIn('p', 2);
    flow.children = flow.children.map((c) => ({ ...c, onFailure: 'continue' as const }));
    await a.flows.enqueueFlow(flow);
    await failOne(a, 'fb', 'p.0');
    await waitState(a, 'fa', 'p', 'waiting');
    expect(await stateOf(a, 'fc', 'p.1')).toBe('waiting');
  });

  test('remove: pending siblings are cancelled and the parent runs', async ({ adapter: a }) => {
    await createQueues(a);
    const flow = fanIn('p', 3);
    flow.children = flow.children.map((c) => ({ ...c, onFailure: 'remove' as const }));
    await a.flows.enqueueFlow(flow);
    await failOne(a, 'fb', 'p.0');
    await waitState(a, 'fa', 'p', 'waiting');
    await waitState(a, 'fc', 'p.1', 'cancelled');
    await waitState(a, 'fb', 'p.2', 'cancelled');
    expect((await a.flows.childResults('fa', 'p')).map((c) => c.outcome)).toEqual(['dead', 'removed', 'removed']);
  });
});

describe('cancel and retry', () => {
  test('cancelling a parent cancels its pending children', async ({ adapter: a }) => {
    await createQueues(a);
    await a.flows.enqueueFlow(fanIn('p', 2));
    await runOne(a, 'fb', 'p.0', 1);
    expect(await a.cancel('fa', 'p')).toBe('cancelled');
    await waitState(a, 'fc', 'p.1', 'cancelled');
    expect(await stateOf(a, 'fb', 'p.0')).toBe('completed');
    expect((await a.counts('fa'))['waiting-children']).toBe(0);
  });

  test('retrying the dead child that failed its parent makes the parent wait again, and the flow completes', async ({ adapter: a }) => {
    await createQueues(a);
    await a.flows.enqueueFlow(fanIn('p', 2));
    await runOne(a, 'fc', 'p.1', 'fine');
    await failOne(a, 'fb', 'p.0');
    await waitState(a, 'fa', 'p', 'dead');
    await a.retry('fb', 'p.0');
    await waitState(a, 'fa', 'p', 'waiting-children');
    expect((await a.counts('fa')).dead).toBe(0);
    await runOne(a, 'fb', 'p.0', 'second time');
    await waitState(a, 'fa', 'p', 'waiting');
    expect((await a.flows.childResults('fa', 'p')).map((c) => c.result)).toEqual(['second time', 'fine']);
  });
});

describe('remove', () => {
  test('removing a waiting child counts as cancelled for its parent; removing a parent cancels its pending children', async ({
    adapter: a,
  }) => {
    await createQueues(a);
    await a.flows.enqueueFlow(fanIn('p', 2));
    await a.remove('fb', 'p.0');
    await waitState(a, 'fa', 'p', 'dead');
    expect((await a.getJob('fa', 'p'))?.error).toContain('fb/p.0 ended cancelled: removed');
    await a.flows.enqueueFlow(fanIn('q', 2));
    await a.remove('fa', 'q');
    await waitState(a, 'fb', 'q.0', 'cancelled');
    await waitState(a, 'fc', 'q.1', 'cancelled');
    expect((await a.counts('fa'))['waiting-children']).toBe(0);
  });
});

describe('retention', () => {
  test("children's results stay with the parent after the children's own records are trimmed", async ({ adapter: a }) => {
    for (const q of QUEUES) await a.createQueue(q, { retention: { completed: { count: 0, ageS: 0 }, dead: { count: 0, ageS: 0 } } });
    await a.flows.enqueueFlow(fanIn('p', 2));
    await runOne(a, 'fb', 'p.0', 'a');
    await runOne(a, 'fc', 'p.1', 'b');
    await waitState(a, 'fa', 'p', 'waiting');
    expect(await a.getJob('fb', 'p.0')).toBeNull();
    expect((await a.flows.childResults('fa', 'p')).map((c) => c.result)).toEqual(['a', 'b']);
  });

  test("a finished flow whose root is trimmed loses its children's records too, down the tree", async ({ adapter: a }) => {
    await createQueues(a);
    await a.createQueue('fa', { retention: { completed: { count: 0, ageS: 0 }, dead: { count: 0, ageS: 0 } } });
    // A root on fa, a middle parent on fb with a child on fc, and a leaf on fc.
    await a.flows.enqueueFlow({
      ...fanIn('t', 0),
      children: [
        { queue: 'fb', item: item('map', 'm'), opts: { jobId: 'tm' }, children: [{ queue: 'fc', item: item('map', 'g') }] },
        { queue: 'fc', item: item('map', 'l') },
      ],
    });
    await runOne(a, 'fc', 't.1', 'l');
    await runOne(a, 'fc', 'tm.0', 'g');
    await runOne(a, 'fb', 'tm', 'm');
    await runOne(a, 'fa', 't', 'root');
    await until('every record of the flow deleted', async () => (await countFinished(a)) === 0 || undefined);
    expect(await a.getJob('fa', 't')).toBeNull();
    expect(await outboxSize(a)).toBe(0);
  });

  test('a child still pending when its parent is trimmed is left alone', async ({ adapter: a }) => {
    await createQueues(a);
    await a.createQueue('fa', { retention: { completed: { count: 0, ageS: 0 }, dead: { count: 0, ageS: 0 } } });
    const flow = fanIn('u', 2);
    flow.children = flow.children.map((c) => ({ ...c, onFailure: 'continue' as const }));
    await a.flows.enqueueFlow(flow);
    await failOne(a, 'fb', 'u.0');
    await runOne(a, 'fa', 'u', 'early');
    await until('the trim applied', async () => (await outboxSize(a)) === 0 || undefined);
    expect(await a.getJob('fb', 'u.0')).toBeNull();
    expect(await stateOf(a, 'fc', 'u.1')).toBe('waiting');
  });

  test('the process dies between the trim and its apply: a sweep deletes the children once', async ({ adapter, connect }) => {
    await killBeforeTrim(adapter, await connect());
  });
});
