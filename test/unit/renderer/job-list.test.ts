import { describe, expect, it } from 'vitest';
import {
  applyFirstPage,
  applyNextPage,
  applySearchResult,
  emptyList,
  listFailed,
  listKey,
  MAX_LIST_ROWS,
  queueOfKey,
} from '../../../src-renderer/src/store/slices/job-list';
import { record } from './fake-api';

const KEY = listKey({ queue: 'q', state: 'completed', agent: null, search: '', flows: false }) as string;

describe('listKey', () => {
  it('needs a queue, and a state or a search; `all` reads the live cache', () => {
    expect(listKey({ queue: null, state: 'waiting', agent: null, search: '', flows: false })).toBeNull();
    expect(listKey({ queue: 'q', state: 'all', agent: null, search: '', flows: false })).toBeNull();
    expect(listKey({ queue: 'q', state: 'all', agent: null, search: ' boom ', flows: false })).not.toBeNull();
    // The server filters by agent (issue #17): another agent is another list.
    expect(listKey({ queue: 'q', state: 'dead', agent: 'echo', search: '', flows: false })).not.toBe(
      listKey({ queue: 'q', state: 'dead', agent: null, search: '', flows: false }),
    );
    expect(listKey({ queue: 'q', state: 'all', agent: 'echo', search: 'x', flows: false })).not.toBe(
      listKey({ queue: 'q', state: 'all', agent: null, search: 'x', flows: false }),
    );
    expect(queueOfKey(KEY)).toBe('q');
  });
});

describe('the list window', () => {
  it('drops a response for another query', () => {
    const list = emptyList(KEY);
    expect(applyFirstPage(list, 'other', 'completed', { jobs: [record('q', 'a', 'completed')] }, 0)).toBe(list);
    expect(listFailed(list, 'other', 'x')).toBe(list);
  });

  it('re-reads the first page on top of the rows further down that are still in the state', () => {
    let list = applyFirstPage(
      emptyList(KEY),
      KEY,
      'completed',
      { jobs: [record('q', 'c', 'completed'), record('q', 'b', 'completed')], cursor: '2' },
      0,
    );
    list = applyNextPage(list, KEY, { jobs: [record('q', 'a', 'completed')] }, 0);
    expect(list.ids).toEqual(['c', 'b', 'a']);
    expect(list.cursor).toBeUndefined();
    // Two newer jobs completed: c and b were pushed down, not removed.
    list = applyFirstPage(list, KEY, 'completed', { jobs: [record('q', 'e', 'completed'), record('q', 'd', 'completed')], cursor: '2' }, 1);
    expect(list.ids).toEqual(['e', 'd', 'c', 'b', 'a']);
    // Later pages were loaded to the end: the first page's cursor must not send us back to re-read them.
    expect(list.cursor).toBeUndefined();
  });

  it('keeps a row an event changed after the read was sent', () => {
    let list = applyFirstPage(emptyList(KEY), KEY, 'completed', { jobs: [record('q', 'a', 'completed')] }, 0);
    const evented = { ...list.rows.get('a')!, state: 'dead' as const, seq: 5 };
    list = { ...list, rows: new Map(list.rows).set('a', evented) };
    const next = applyFirstPage(list, KEY, 'completed', { jobs: [record('q', 'a', 'completed')] }, 4);
    expect(next.rows.get('a')).toBe(evented);
    const later = applyFirstPage(list, KEY, 'completed', { jobs: [record('q', 'a', 'completed')] }, 5);
    expect(later.rows.get('a')?.state).toBe('completed');
  });

  it('keeps unchanged rows as the same objects across polls', () => {
    const first = applyFirstPage(emptyList(KEY), KEY, 'completed', { jobs: [record('q', 'a', 'completed')] }, 0);
    const second = applyFirstPage(first, KEY, 'completed', { jobs: [record('q', 'a', 'completed')] }, 3);
    expect(second.rows.get('a')).toBe(first.rows.get('a'));
  });

  it('stops paging at MAX_LIST_ROWS and says so', () => {
    let list = applyFirstPage(emptyList(KEY), KEY, 'completed', { jobs: [], cursor: '0' }, 0);
    const page = (from: number, n: number) => Array.from({ length: n }, (_, i) => record('q', `j${from + i}`, 'completed'));
    for (let from = 0; from < MAX_LIST_ROWS; from += 1000)
      list = applyNextPage(list, KEY, { jobs: page(from, 1000), cursor: String(from + 1000) }, 0);
    expect(list.ids.length).toBe(MAX_LIST_ROWS);
    expect(list.truncated).toBe(true);
    expect(list.cursor).toBeUndefined();
  });

  it('a search result replaces the list, without a cursor', () => {
    const key = listKey({ queue: 'q', state: 'all', agent: null, search: 'boom', flows: false }) as string;
    const list = applySearchResult(emptyList(key), key, [record('q', 'x', 'dead'), record('q', 'y', 'completed')], 0);
    expect(list.ids).toEqual(['x', 'y']);
    expect(list.loaded).toBe(true);
    expect(list.cursor).toBeUndefined();
  });
});
