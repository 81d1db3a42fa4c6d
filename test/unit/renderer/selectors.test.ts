import { describe, expect, it } from 'vitest';
import type { QueueSummary } from '../../../src-shared/contract';
import { applyJobEvents } from '../../../src-renderer/src/store/apply-events';
import { createAppStore } from '../../../src-renderer/src/store/app-store';
import { agentNames, selectQueueList, selectVisibleJobRows, visibleJobRows } from '../../../src-renderer/src/store/selectors';
import { applyFirstPage, emptyList, listKey, type JobsFilter } from '../../../src-renderer/src/store/slices/job-list';
import { rowFromRecord } from '../../../src-renderer/src/store/slices/job-row';
import { liveRowsOf } from '../../../src-renderer/src/store/slices/live-jobs';
import { ev, record } from './fake-api';

const filter = (patch: Partial<JobsFilter>): JobsFilter => ({ queue: 'q', state: 'all', agent: null, search: '', flows: false, ...patch });

describe('visibleJobRows', () => {
  it('`all` shows the live cache newest first, narrowed by agent', () => {
    const live = new Map([
      ['a', rowFromRecord(record('q', 'a', 'waiting', { createdAt: 1 }), 0)],
      ['b', rowFromRecord(record('q', 'b', 'dead', { createdAt: 3, agent: 'other' }), 0)],
      ['c', rowFromRecord(record('q', 'c', 'active', { createdAt: 2 }), 0)],
    ]);
    expect(visibleJobRows(filter({}), emptyList(null), live).map((r) => r.id)).toEqual(['b', 'c', 'a']);
    expect(visibleJobRows(filter({ agent: 'echo' }), emptyList(null), live).map((r) => r.id)).toEqual(['c', 'a']);
    expect(visibleJobRows(filter({ queue: null }), emptyList(null), live)).toEqual([]);
  });

  it('a state shows the server list, hides rows events moved out, and puts new finished jobs on top', () => {
    const f = filter({ state: 'completed' });
    const key = listKey(f) as string;
    const list = applyFirstPage(
      emptyList(key),
      key,
      'completed',
      { jobs: [record('q', 'b', 'completed'), record('q', 'a', 'completed')] },
      0,
    );
    let state: Parameters<typeof applyJobEvents>[0] = { jobs: new Map(), jobsSeq: 0, jobList: list, detail: null, queues: new Map() };
    state = {
      ...state,
      ...applyJobEvents(state, [
        ev('q', 'enqueued', 'n'),
        ev('q', 'leased', 'n', { attempt: 1 }),
        ev('q', 'completed', 'n'),
        ev('q', 'removed', 'a'),
      ]),
    };
    expect(visibleJobRows(f, state.jobList, liveRowsOf(state.jobs, 'q')).map((r) => r.id)).toEqual(['n', 'b']);
  });

  it('new waiting jobs go below, and only once every page is loaded', () => {
    const f = filter({ state: 'waiting' });
    const key = listKey(f) as string;
    const complete = applyFirstPage(emptyList(key), key, 'waiting', { jobs: [record('q', 'a', 'waiting')] }, 0);
    const partial = applyFirstPage(emptyList(key), key, 'waiting', { jobs: [record('q', 'a', 'waiting')], cursor: '1' }, 0);
    const base = { jobs: new Map(), jobsSeq: 0, detail: null, queues: new Map() };
    const after = applyJobEvents({ ...base, jobList: complete }, [ev('q', 'enqueued', 'z')]);
    const live = after.jobs?.get('q') ?? new Map();
    expect(visibleJobRows(f, complete, live).map((r) => r.id)).toEqual(['a', 'z']);
    expect(visibleJobRows(f, partial, live).map((r) => r.id)).toEqual(['a']);
  });

  it('a search shows the server result, narrowed by state and agent here', () => {
    const f = filter({ search: 'x', state: 'dead' });
    const key = listKey(f) as string;
    const list = {
      ...emptyList(key),
      ids: ['1', '2'],
      rows: new Map([
        ['1', rowFromRecord(record('q', '1', 'dead'), 0)],
        ['2', rowFromRecord(record('q', '2', 'completed'), 0)],
      ]),
      loaded: true,
    };
    expect(visibleJobRows(f, list, new Map()).map((r) => r.id)).toEqual(['1']);
  });
});

describe('memoized selectors', () => {
  it('return the same array until their inputs change, so components do not re-render on unrelated changes', () => {
    const store = createAppStore();
    store.setState({ queues: new Map([['q', { name: 'q' } as QueueSummary]]) });
    const a = selectQueueList(store.getState());
    store.setState({ readErrors: { 'workers.list': 'x' } });
    expect(selectQueueList(store.getState())).toBe(a);
    store.getState().setJobsFilter({ queue: 'q' });
    const rows = selectVisibleJobRows(store.getState());
    store.setState((s) => applyJobEvents(s, [ev('other', 'enqueued', '1')]));
    // An event for another queue leaves this queue's map, and so the rows, alone.
    expect(selectVisibleJobRows(store.getState())).toBe(rows);
    store.setState((s) => applyJobEvents(s, [ev('q', 'enqueued', '2')]));
    expect(selectVisibleJobRows(store.getState())).not.toBe(rows);
    expect(selectVisibleJobRows(store.getState()).map((r) => r.id)).toEqual(['2']);
  });
});

describe('agentNames', () => {
  it('lists registered agents and any agent a job asked for, sorted and once', () => {
    const rows = [rowFromRecord(record('q', '1', 'dead', { agent: 'typo' }), 0), rowFromRecord(record('q', '2', 'dead'), 0)];
    const agents = { agents: [{ name: 'echo', description: '', kind: 'builtin' as const }], errors: [] };
    expect(agentNames(agents, rows)).toEqual(['echo', 'typo']);
  });
});
