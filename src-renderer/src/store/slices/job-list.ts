import type { JobRecord, JobState } from '../../../../src-shared/job';
import { rowFromRecord, sameRow, type JobRow } from './job-row';

/** The Jobs view's filter. `all` shows the live jobs held in memory; a state pages that state from the server. */
export type StateFilter = JobState | 'all';

export interface JobsFilter {
  queue: string | null;
  state: StateFilter;
  /** null: any agent. */
  agent: string | null;
  /** Non-empty: the list is the server's search result (`jobs.search`). */
  search: string;
  /** Show the queue's flow parents (`flows.list`, see flow-list.ts) instead of its jobs. */
  flows: boolean;
}

export const DEFAULT_FILTER: JobsFilter = { queue: null, state: 'all', agent: null, search: '', flows: false };

/**
 * The window of the server's list the Jobs view shows, in the server's order
 * (priority and FIFO for waiting, newest first for finished states). Separate
 * from the bounded live cache so paging far down a list never evicts live jobs.
 * Rows in it are kept live by events too.
 */
export interface JobListState {
  /** Which query this window answers (see `listKey`); a response for another key is dropped. */
  key: string | null;
  ids: readonly string[];
  rows: ReadonlyMap<string, JobRow>;
  /** Pass to `jobs.list` for the next page; absent when everything is loaded. */
  cursor?: string;
  /** How many pages were appended after the first one. */
  pages: number;
  loaded: boolean;
  loading: boolean;
  error?: string;
  /** Event sequence when the first page was last requested. */
  seq: number;
  /** Stopped paging at MAX_LIST_ROWS. */
  truncated: boolean;
}

/** The list never holds more than this many rows; past it, a person should narrow the filter. */
export const MAX_LIST_ROWS = 20_000;
export const PAGE_SIZE = 200;
/** The server's limit for jobs.search. */
export const SEARCH_LIMIT = 1000;

/** The list a filter needs from the server, or null when it needs none (no queue, flows shown, or `all`: the live cache). */
export function listKey(filter: JobsFilter): string | null {
  if (filter.queue === null || filter.flows) return null;
  // The server filters by agent (issue #17): another agent is another list.
  const agent = filter.agent === null ? '' : `\u0000agent\u0000${filter.agent}`;
  const search = filter.search.trim();
  if (search !== '') return `${filter.queue}\u0000search\u0000${search}${agent}`;
  if (filter.state === 'all') return null;
  return `${filter.queue}\u0000state\u0000${filter.state}${agent}`;
}

/** The queue a list key reads from. */
export function queueOfKey(key: string | null): string | null {
  return key === null ? null : key.slice(0, key.indexOf('\u0000'));
}

export function emptyList(key: string | null): JobListState {
  return { key, ids: [], rows: new Map(), pages: 0, loaded: false, loading: key !== null, seq: 0, truncated: false };
}

/** A read's record, unless an event newer than the read already changed the row. */
function mergeRow(prev: JobRow | undefined, record: JobRecord, sentSeq: number): JobRow {
  if (prev && prev.seq > sentSeq) return prev;
  const next = rowFromRecord(record, sentSeq);
  return prev && sameRow(prev, next) ? prev : next;
}

/**
 * The first page, re-read: it goes on top, and the rows further down that are
 * still in the state stay below it (they were pushed down, not removed).
 */
export function applyFirstPage(
  list: JobListState,
  key: string,
  state: JobState,
  page: { jobs: JobRecord[]; cursor?: string },
  sentSeq: number,
): JobListState {
  if (list.key !== key) return list;
  const rows = new Map(list.rows);
  const ids: string[] = [];
  const seen = new Set<string>();
  for (const record of page.jobs) {
    if (seen.has(record.id)) continue;
    seen.add(record.id);
    ids.push(record.id);
    rows.set(record.id, mergeRow(list.rows.get(record.id), record, sentSeq));
  }
  for (const id of list.ids) {
    if (seen.has(id)) continue;
    const row = rows.get(id);
    if (row && row.state === state) {
      seen.add(id);
      ids.push(id);
    }
  }
  for (const id of rows.keys()) if (!seen.has(id)) rows.delete(id);
  const next: JobListState = { ...list, ids, rows, loaded: true, loading: false, seq: sentSeq };
  delete next.error;
  // Once later pages are loaded their cursor is where to go on; a first-page cursor would re-read them.
  if (list.pages === 0) {
    if (page.cursor === undefined) delete next.cursor;
    else next.cursor = page.cursor;
  }
  return next;
}

/** A further page, appended below what is shown. */
export function applyNextPage(
  list: JobListState,
  key: string,
  page: { jobs: JobRecord[]; cursor?: string },
  sentSeq: number,
): JobListState {
  if (list.key !== key) return list;
  const rows = new Map(list.rows);
  const ids = [...list.ids];
  for (const record of page.jobs) {
    if (ids.length >= MAX_LIST_ROWS) break;
    if (!rows.has(record.id)) ids.push(record.id);
    rows.set(record.id, mergeRow(list.rows.get(record.id), record, sentSeq));
  }
  const truncated = ids.length >= MAX_LIST_ROWS && page.cursor !== undefined;
  const next: JobListState = { ...list, ids, rows, pages: list.pages + 1, loading: false, truncated };
  delete next.error;
  if (page.cursor === undefined || truncated) delete next.cursor;
  else next.cursor = page.cursor;
  return next;
}

/** A search result replaces the list: it is complete (the server caps it at SEARCH_LIMIT). */
export function applySearchResult(list: JobListState, key: string, records: JobRecord[], sentSeq: number): JobListState {
  if (list.key !== key) return list;
  const rows = new Map<string, JobRow>();
  const ids: string[] = [];
  for (const record of records) {
    if (rows.has(record.id)) continue;
    ids.push(record.id);
    rows.set(record.id, mergeRow(list.rows.get(record.id), record, sentSeq));
  }
  const next: JobListState = { ...list, ids, rows, pages: 0, loaded: true, loading: false, seq: sentSeq, truncated: false };
  delete next.cursor;
  delete next.error;
  return next;
}

export function listFailed(list: JobListState, key: string, message: string): JobListState {
  return list.key === key ? { ...list, loading: false, error: message } : list;
}
