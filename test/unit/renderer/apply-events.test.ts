import { describe, expect, it } from 'vitest';
import type { QueueSummary } from '../../../src-shared/contract';
import { applyJobEvents } from '../../../src-renderer/src/store/apply-events';
import { createAppStore } from '../../../src-renderer/src/store/app-store';
import { openDetail } from '../../../src-renderer/src/store/slices/detail';
import { applyFirstPage, emptyList, listKey } from '../../../src-renderer/src/store/slices/job-list';
import { ev, record } from './fake-api';

function apply(store: ReturnType<typeof createAppStore>, events: Parameters<typeof applyJobEvents>[1], max?: number): void {
  store.setState((s) => applyJobEvents(s, events, max));
}

describe('applyJobEvents', () => {
  it('follows a job through its life: enqueued → leased → started → progress → completed', () => {
    const store = createAppStore();
    apply(store, [ev('q', 'enqueued', 'a', { agent: 'echo' })]);
    expect(store.getState().jobs.get('q')?.get('a')).toMatchObject({ state: 'waiting', agent: 'echo', attempt: 0 });
    apply(store, [ev('q', 'leased', 'a', { attempt: 1 }), ev('q', 'started', 'a', { attempt: 1, worker: 'w1' })]);
    expect(store.getState().jobs.get('q')?.get('a')).toMatchObject({ state: 'active', attempt: 1, worker: 'w1' });
    apply(store, [ev('q', 'progress', 'a', { fraction: 0.5, message: 'half' })]);
    expect(store.getState().jobs.get('q')?.get('a')?.progress).toEqual({ fraction: 0.5, message: 'half' });
    apply(store, [ev('q', 'completed', 'a', { attempt: 1 })]);
    expect(store.getState().jobs.get('q')?.get('a')?.state).toBe('completed');
  });

  it('treats delayed enqueues, retries with backoff, stalls and dead-lettering like the scripts do', () => {
    const store = createAppStore();
    apply(store, [ev('q', 'enqueued', 'd', { delayMs: 5000 })]);
    expect(store.getState().jobs.get('q')?.get('d')?.state).toBe('delayed');
    apply(store, [
      ev('q', 'leased', 'd', { attempt: 1 }),
      ev('q', 'failed', 'd', { attempt: 1, error: 'boom', reason: 'failed' }),
      ev('q', 'retrying', 'd', { attempt: 1, delayMs: 1000 }),
    ]);
    expect(store.getState().jobs.get('q')?.get('d')).toMatchObject({ state: 'delayed', error: 'boom' });
    apply(store, [ev('q', 'leased', 'd', { attempt: 2 }), ev('q', 'stalled', 'd', { attempt: 2 })]);
    expect(store.getState().jobs.get('q')?.get('d')).toMatchObject({ state: 'waiting', reason: 'stalled' });
    apply(store, [
      ev('q', 'leased', 'd', { attempt: 3 }),
      ev('q', 'stalled', 'd', { attempt: 3 }),
      ev('q', 'dead', 'd', { reason: 'stalled' }),
    ]);
    expect(store.getState().jobs.get('q')?.get('d')).toMatchObject({ state: 'dead', reason: 'stalled' });
  });

  it('applies a whole batch with one state change and increments the sequence once', () => {
    const store = createAppStore();
    let changes = 0;
    store.subscribe(() => changes++);
    apply(
      store,
      Array.from({ length: 100 }, (_, i) => ev('q', 'enqueued', `j${i}`)),
    );
    expect(changes).toBe(1);
    expect(store.getState().jobsSeq).toBe(1);
    expect(store.getState().jobs.get('q')?.size).toBe(100);
  });

  it('updates immutably: untouched queues and rows keep their identity', () => {
    const store = createAppStore();
    apply(store, [ev('a', 'enqueued', '1'), ev('b', 'enqueued', '2'), ev('a', 'enqueued', '3')]);
    const before = store.getState();
    const queueB = before.jobs.get('b');
    const row3 = before.jobs.get('a')?.get('3');
    apply(store, [ev('a', 'leased', '1', { attempt: 1 })]);
    const after = store.getState();
    expect(after.jobs).not.toBe(before.jobs);
    expect(after.jobs.get('a')).not.toBe(before.jobs.get('a'));
    expect(after.jobs.get('b')).toBe(queueB);
    expect(after.jobs.get('a')?.get('3')).toBe(row3);
    // The old snapshot was not mutated.
    expect(before.jobs.get('a')?.get('1')?.state).toBe('waiting');
  });

  it('keeps at most maxPerQueue jobs per queue, evicting the least recently touched', () => {
    const store = createAppStore();
    apply(
      store,
      Array.from({ length: 10 }, (_, i) => ev('q', 'enqueued', `j${i}`)),
      5,
    );
    expect([...(store.getState().jobs.get('q')?.keys() ?? [])]).toEqual(['j5', 'j6', 'j7', 'j8', 'j9']);
    // Touching j5 makes it the newest; the next arrival evicts j6.
    apply(store, [ev('q', 'leased', 'j5', { attempt: 1 }), ev('q', 'enqueued', 'j10')], 5);
    expect([...(store.getState().jobs.get('q')?.keys() ?? [])]).toEqual(['j7', 'j8', 'j9', 'j5', 'j10']);
  });

  it('bounds a flood: 50,000 events leave 5,000 rows per queue', () => {
    const store = createAppStore();
    for (let b = 0; b < 50; b++)
      apply(
        store,
        Array.from({ length: 1000 }, (_, i) => ev('q', 'enqueued', `j${b}-${i}`)),
      );
    expect(store.getState().jobs.get('q')?.size).toBe(5000);
    expect(store.getState().jobs.get('q')?.has('j49-999')).toBe(true);
  });

  it('removes jobs on `removed`, and waiting/delayed jobs of the queue on `drained`', () => {
    const store = createAppStore();
    apply(store, [
      ev('q', 'enqueued', 'w'),
      ev('q', 'enqueued', 'd', { delayMs: 100 }),
      ev('q', 'enqueued', 'a'),
      ev('q', 'leased', 'a', { attempt: 1 }),
      ev('q', 'enqueued', 'r'),
    ]);
    apply(store, [ev('q', 'removed', 'r'), ev('q', 'drained', undefined, { count: 2 })]);
    expect([...(store.getState().jobs.get('q')?.keys() ?? [])]).toEqual(['a']);
  });

  it('flips a queue paused at once on `paused` / `resumed`', () => {
    const store = createAppStore();
    const summary = { name: 'q', paused: false } as QueueSummary;
    store.setState({ queues: new Map([['q', summary]]) });
    apply(store, [ev('q', 'paused')]);
    expect(store.getState().queues.get('q')?.paused).toBe(true);
    apply(store, [ev('q', 'resumed')]);
    expect(store.getState().queues.get('q')?.paused).toBe(false);
  });

  it('keeps the list window live for its own rows, even ones the cache never saw', () => {
    const store = createAppStore();
    const filter = { queue: 'q', state: 'waiting' as const, agent: null, search: '', flows: false };
    const key = listKey(filter) as string;
    store.setState({
      jobsFilter: filter,
      jobList: applyFirstPage(emptyList(key), key, 'waiting', { jobs: [record('q', 'x', 'waiting')] }, 0),
    });
    apply(store, [ev('q', 'leased', 'x', { attempt: 1 })]);
    const row = store.getState().jobList.rows.get('x');
    expect(row).toMatchObject({ state: 'active', agent: 'echo', preview: 'input of x' });
    apply(store, [ev('q', 'removed', 'x')]);
    expect(store.getState().jobList.rows.has('x')).toBe(false);
  });

  it('patches the open job: progress, logs, state; remove makes it gone', () => {
    const store = createAppStore();
    store.setState({ detail: { ...openDetail('q', 'x'), record: record('q', 'x', 'active') } });
    apply(store, [
      ev('q', 'progress', 'x', { fraction: 0.25 }),
      ev('q', 'log', 'x', { message: 'line 1', attempt: 1 }),
      ev('q', 'log', 'x', { message: 'line 2', attempt: 1 }),
    ]);
    expect(store.getState().detail?.record).toMatchObject({
      progress: { fraction: 0.25 },
      logs: [
        { line: 'line 1', at: expect.any(Number), attempt: 1 },
        { line: 'line 2', at: expect.any(Number), attempt: 1 },
      ],
    });
    expect(store.getState().detail?.eventSeq).toBe(1);
    apply(store, [ev('q', 'completed', 'x')]);
    expect(store.getState().detail?.record?.state).toBe('completed');
    apply(store, [ev('q', 'removed', 'x')]);
    expect(store.getState().detail?.record).toBeNull();
  });
});
