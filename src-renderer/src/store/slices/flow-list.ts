import type { FlowPage, FlowSummary } from '../../../../src-shared/contract';
import type { JobsFilter } from './job-list';

/**
 * The Jobs view's flows listing (`flows.list`, issue #19): the flow parents of
 * one queue, in the server's order (waiting for children first). Re-read on
 * the view's poll, so parents' states and their children's counts stay current.
 */
export interface FlowListState {
  /** The queue it lists; a response for another queue is dropped. null: the view is not showing flows. */
  queue: string | null;
  flows: readonly FlowSummary[];
  /** Pass to `flows.list` for the next page; absent when every parent has been looked for. */
  cursor?: string;
  /** How many pages were appended after the first one. */
  pages: number;
  loaded: boolean;
  loading: boolean;
  error?: string;
}

export const FLOW_PAGE_SIZE = 50;

/** The queue whose flows a filter shows, or null when it shows jobs. */
export function flowListQueue(filter: JobsFilter): string | null {
  return filter.flows ? filter.queue : null;
}

export function emptyFlowList(queue: string | null): FlowListState {
  return { queue, flows: [], pages: 0, loaded: false, loading: queue !== null };
}

const keyOf = (f: FlowSummary): string => `${f.queue}/${f.id}`;

/**
 * The first page, re-read: it goes on top; parents of later pages already
 * shown stay below it (a poll re-reads only the first page).
 */
export function applyFlowFirstPage(list: FlowListState, queue: string, page: FlowPage): FlowListState {
  if (list.queue !== queue) return list;
  const seen = new Set(page.flows.map(keyOf));
  const flows = list.pages === 0 ? page.flows : [...page.flows, ...list.flows.filter((f) => !seen.has(keyOf(f)))];
  const next: FlowListState = { ...list, flows, loaded: true, loading: false };
  delete next.error;
  // Once later pages are loaded their cursor is where to go on.
  if (list.pages === 0) {
    if (page.cursor === undefined) delete next.cursor;
    else next.cursor = page.cursor;
  }
  return next;
}

/** A further page, appended below what is shown. */
export function applyFlowNextPage(list: FlowListState, queue: string, page: FlowPage): FlowListState {
  if (list.queue !== queue) return list;
  const seen = new Set(list.flows.map(keyOf));
  const next: FlowListState = {
    ...list,
    flows: [...list.flows, ...page.flows.filter((f) => !seen.has(keyOf(f)))],
    pages: list.pages + 1,
    loading: false,
  };
  delete next.error;
  if (page.cursor === undefined) delete next.cursor;
  else next.cursor = page.cursor;
  return next;
}

export function flowListFailed(list: FlowListState, queue: string, message: string): FlowListState {
  return list.queue === queue ? { ...list, loading: false, error: message } : list;
}
