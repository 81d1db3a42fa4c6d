import { describe, expect, it } from 'vitest';
import { createAppStore } from '../../../src-renderer/src/store/app-store';
import { listKey } from '../../../src-renderer/src/store/slices/job-list';

describe('the ui slice', () => {
  it('a filter that asks the server something else restarts the list and clears the selection', () => {
    const store = createAppStore();
    store.getState().setJobsFilter({ queue: 'q', state: 'dead' });
    expect(store.getState().jobList.key).toBe(listKey({ queue: 'q', state: 'dead', agent: null, search: '', flows: false }));
    expect(store.getState().jobList.loading).toBe(true);
    store.getState().setSelected(['1', '2'], true);
    const list = store.getState().jobList;
    // The server filters by agent: a new list, and the selection (of the old list's rows) goes.
    store.getState().setJobsFilter({ agent: 'echo' });
    expect(store.getState().jobList).not.toBe(list);
    expect(store.getState().jobList.key).toBe(listKey({ queue: 'q', state: 'dead', agent: 'echo', search: '', flows: false }));
    expect(store.getState().selection.size).toBe(0);
  });

  it('toggles selection', () => {
    const store = createAppStore();
    store.getState().toggleSelected('a');
    store.getState().toggleSelected('b');
    store.getState().toggleSelected('a');
    expect([...store.getState().selection]).toEqual(['b']);
    store.getState().clearSelection();
    expect(store.getState().selection.size).toBe(0);
  });

  it('opening a job opens its detail (and its queue behind it); leaving closes it', () => {
    const store = createAppStore();
    store.getState().navigate({ view: 'jobs', job: { queue: 'mail', id: '7' } });
    expect(store.getState().detail).toMatchObject({ queue: 'mail', id: '7', record: undefined });
    expect(store.getState().jobsFilter.queue).toBe('mail');
    const detail = store.getState().detail;
    store.getState().navigate({ view: 'jobs', job: { queue: 'mail', id: '7' } });
    expect(store.getState().detail).toBe(detail);
    store.getState().navigate({ view: 'workers' });
    expect(store.getState().detail).toBeNull();
  });
});
