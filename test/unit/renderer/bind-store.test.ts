import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createAppStore } from '../../../src-renderer/src/store/app-store';
import { bindStore } from '../../../src-renderer/src/store/bind-store';
import { selectReadError } from '../../../src-renderer/src/store/selectors';
import { CONNECTED, ev, FakeApi, flush, record, shellApi, STOPPED_POOL } from './fake-api';

function fullApi(): FakeApi {
  return shellApi()
    .on('jobs.list', ({ queue, state }) => ({ jobs: [record(queue, `${state}-1`, state)] }))
    .on('jobs.get', ({ queue, id }) => record(queue, id, 'active'));
}

describe('bindStore', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('reads everything once, subscribes to every event channel, and stops cleanly', async () => {
    const api = fullApi();
    const store = createAppStore();
    const binding = bindStore(api, store);
    await flush();
    const s = store.getState();
    expect(s.connection).toEqual(CONNECTED);
    expect([...s.queues.keys()]).toEqual(['q', 'r']);
    expect(s.queuesLoaded && s.workersLoaded).toBe(true);
    // The Jobs view starts on the first queue.
    expect(s.jobsFilter.queue).toBe('q');
    for (const e of ['jobs.events', 'metrics.tick', 'connection.changed', 'pool.changed'] as const) expect(api.listenerCount(e)).toBe(1);
    binding.stop();
    for (const e of ['jobs.events', 'metrics.tick', 'connection.changed', 'pool.changed'] as const) expect(api.listenerCount(e)).toBe(0);
    const calls = api.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.calls.length).toBe(calls);
  });

  it('applies each event batch with one state change', async () => {
    const api = fullApi();
    const store = createAppStore();
    const binding = bindStore(api, store);
    await flush();
    let changes = 0;
    store.subscribe(() => changes++);
    api.emit('jobs.events', [ev('q', 'enqueued', 'a'), ev('q', 'enqueued', 'b'), ev('r', 'enqueued', 'c')]);
    expect(changes).toBe(1);
    expect(store.getState().jobs.get('q')?.get('a')?.state).toBe('waiting');
    expect(store.getState().jobs.get('r')?.has('c')).toBe(true);
    api.emit('metrics.tick', { at: 5, windowMs: 60_000, queues: [], agents: [] });
    expect(store.getState().metrics?.at).toBe(5);
    api.emit('pool.changed', { ...STOPPED_POOL, running: true });
    expect(store.getState().pool?.running).toBe(true);
    binding.stop();
  });

  it('polls what has no events every 2 s, and the shown jobs only while the Jobs view is open', async () => {
    const api = fullApi();
    const store = createAppStore();
    const binding = bindStore(api, store);
    await flush();
    const before = api.callsOf('queues.list').length;
    const jobsBefore = api.callsOf('jobs.list').length;
    await vi.advanceTimersByTimeAsync(2000);
    expect(api.callsOf('queues.list').length).toBe(before + 1);
    expect(api.callsOf('workers.list').length).toBeGreaterThanOrEqual(2);
    expect(api.callsOf('pool.status').length).toBeGreaterThanOrEqual(2);
    expect(api.callsOf('jobs.list').length).toBe(jobsBefore);
    store.getState().navigate({ view: 'jobs' });
    store.getState().setJobsFilter({ state: 'dead' });
    await flush();
    const listed = api.callsOf('jobs.list').length;
    await vi.advanceTimersByTimeAsync(2000);
    expect(api.callsOf('jobs.list').slice(listed)).toContainEqual({ queue: 'q', state: 'dead', limit: 200 });
    binding.stop();
  });

  it('reads a new filter at once and lands the page in the list', async () => {
    const api = fullApi();
    const store = createAppStore();
    const binding = bindStore(api, store);
    await flush();
    store.getState().setJobsFilter({ state: 'completed' });
    await flush();
    expect(api.callsOf('jobs.list')).toContainEqual({ queue: 'q', state: 'completed', limit: 200 });
    expect(store.getState().jobList.ids).toEqual(['completed-1']);
    expect(store.getState().jobList.loaded).toBe(true);
    binding.stop();
  });

  it('does not pile up reads behind a server that does not answer', async () => {
    const api = new FakeApi(); // nothing answers
    const store = createAppStore();
    const binding = bindStore(api, store);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.callsOf('queues.list').length).toBe(1);
    binding.stop();
  });

  it('reports a failing read in readError and clears it on the next success', async () => {
    let fail = true;
    const api = fullApi().on('workers.list', () => {
      if (fail) throw { code: 'REDIS_UNAVAILABLE', message: 'down' };
      return [];
    });
    const store = createAppStore();
    const binding = bindStore(api, store);
    await flush();
    expect(selectReadError(store.getState())).toBe('Could not refresh the workers: down');
    fail = false;
    await vi.advanceTimersByTimeAsync(2000);
    expect(selectReadError(store.getState())).toBeNull();
    binding.stop();
  });

  it('reads the opened job, and again shortly after events about it', async () => {
    const api = fullApi();
    const store = createAppStore();
    const binding = bindStore(api, store, { detailDebounceMs: 100 });
    await flush();
    store.getState().navigate({ view: 'jobs', job: { queue: 'q', id: '7' } });
    await flush();
    expect(store.getState().detail?.record?.id).toBe('7');
    const reads = api.callsOf('jobs.get').length;
    api.emit('jobs.events', [ev('q', 'progress', '7', { fraction: 0.5 }), ev('q', 'progress', '7', { fraction: 0.6 })]);
    expect(store.getState().detail?.record?.progress?.fraction).toBe(0.6);
    await vi.advanceTimersByTimeAsync(150);
    // A burst gives one read.
    expect(api.callsOf('jobs.get').length).toBe(reads + 1);
    binding.stop();
  });

  it('refreshes everything when Redis comes back', async () => {
    const api = fullApi();
    const store = createAppStore();
    const binding = bindStore(api, store);
    await flush();
    api.emit('connection.changed', { state: 'disconnected', target: 'redis://x', since: 2, error: 'ECONNREFUSED' });
    expect(store.getState().connection?.state).toBe('disconnected');
    const before = api.callsOf('agents.list').length;
    api.emit('connection.changed', { ...CONNECTED, since: 3 });
    await flush();
    expect(api.callsOf('agents.list').length).toBe(before + 1);
    binding.stop();
  });
});
