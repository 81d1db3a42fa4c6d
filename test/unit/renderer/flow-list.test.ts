/**
 * The Jobs view's flows listing in the store (issue #19): the Flows switch
 * reads `flows.list` for the queue, pages on with the cursor, and starts over
 * for another queue; jobs lists are not read meanwhile.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FlowSummary } from '../../../src-shared/contract';
import { createAppStore } from '../../../src-renderer/src/store/app-store';
import { bindStore } from '../../../src-renderer/src/store/bind-store';
import { type FakeApi, flush, shellApi } from './fake-api';

const flow = (queue: string, id: string): FlowSummary => ({
  queue,
  id,
  state: 'waiting-children',
  createdAt: 1,
  children: 2,
  outcomes: { pending: 2, completed: 0, dead: 0, cancelled: 0, removed: 0 },
});

function api(): FakeApi {
  return shellApi()
    .on('jobs.list', () => ({ jobs: [] }))
    .on('flows.list', ({ queue, cursor }) =>
      cursor === undefined ? { flows: [flow(queue, 'p1')], cursor: 'next', scanned: 200 } : { flows: [flow(queue, 'p2')], scanned: 10 },
    );
}

describe('flows listing', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('the Flows switch lists the queue’s flow parents, goes on from the cursor, and starts over for another queue', async () => {
    const fake = api();
    const store = createAppStore();
    const binding = bindStore(fake, store);
    await flush();
    const jobReads = fake.callsOf('jobs.list').length;

    store.getState().setJobsFilter({ flows: true });
    await flush();
    expect(fake.callsOf('flows.list')).toEqual([{ queue: 'q', limit: 50 }]);
    expect(store.getState().flowList).toMatchObject({ queue: 'q', loaded: true, cursor: 'next' });
    expect(store.getState().flowList.flows.map((f) => f.id)).toEqual(['p1']);

    await binding.read.loadMoreFlows();
    expect(store.getState().flowList.flows.map((f) => f.id)).toEqual(['p1', 'p2']);
    expect(store.getState().flowList.cursor).toBeUndefined();

    store.getState().setJobsFilter({ queue: 'r' });
    await flush();
    expect(store.getState().flowList.flows.map((f) => `${f.queue}/${f.id}`)).toEqual(['r/p1']);
    expect(fake.callsOf('jobs.list').length).toBe(jobReads);
    binding.stop();
  });

  it('switching Flows off empties the listing and reads jobs again', async () => {
    const fake = api();
    const store = createAppStore();
    const binding = bindStore(fake, store);
    await flush();
    store.getState().setJobsFilter({ flows: true });
    await flush();
    store.getState().setJobsFilter({ flows: false, state: 'dead' });
    await flush();
    expect(store.getState().flowList).toMatchObject({ queue: null, flows: [] });
    expect(fake.callsOf('jobs.list')).toContainEqual({ queue: 'q', state: 'dead', limit: 200 });
    binding.stop();
  });
});
