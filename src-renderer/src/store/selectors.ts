import type { AgentsList, MetricsSnapshot, QueueSummary } from '../../../src-shared/contract';
import type { JobState } from '../../../src-shared/job';
import type { AppState } from './app-state';
import { listKey, type JobListState, type JobsFilter } from './slices/job-list';
import type { JobRow } from './slices/job-row';
import { liveRowsOf } from './slices/live-jobs';

/**
 * Selectors. Those that build a new array are memoized on their inputs'
 * identities: zustand compares a selector's result by reference, and a fresh
 * array on every call would re-render (or loop) on every store change.
 */
export function memoOn<I extends unknown[], O>(inputs: (s: AppState) => I, compute: (...args: I) => O): (s: AppState) => O {
  let last: { inputs: I; out: O } | undefined;
  return (s) => {
    const next = inputs(s);
    if (last && last.inputs.length === next.length && last.inputs.every((v, i) => Object.is(v, next[i]))) return last.out;
    const out = compute(...next);
    last = { inputs: next, out };
    return out;
  };
}

export const selectQueueList = memoOn(
  (s): [AppState['queues']] => [s.queues],
  (queues): QueueSummary[] => [...queues.values()],
);

export const selectQueueNames = memoOn(
  (s): [AppState['queues']] => [s.queues],
  (queues): string[] => [...queues.keys()],
);

/** States whose server list is newest first (see the adapter's listJobs). */
const NEWEST_FIRST: ReadonlySet<JobState> = new Set(['completed', 'dead', 'cancelled']);

const byCreatedDesc = (a: JobRow, b: JobRow): number => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
const byFinishedDesc = (a: JobRow, b: JobRow): number => (b.finishedAt ?? 0) - (a.finishedAt ?? 0);
/** The server's order for unfinished states: priority then FIFO for waiting, due time for delayed, start for active. */
const SERVER_ORDER: Partial<Record<JobState, (a: JobRow, b: JobRow) => number>> = {
  waiting: (a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.createdAt - b.createdAt,
  delayed: (a, b) => (a.runAt ?? 0) - (b.runAt ?? 0),
  active: (a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0),
};

/**
 * The rows the Jobs view shows for a filter:
 * - state `all`: the live cache, newest first (no server list has every state);
 * - a search: the server's result, narrowed by state and agent here;
 * - a state: the server's list in its order, minus rows that events moved out
 *   of the state, plus jobs that events moved into it since the list was read
 *   (on top for newest-first states; below, once every page is loaded, for the rest).
 */
export function visibleJobRows(filter: JobsFilter, list: JobListState, live: ReadonlyMap<string, JobRow>): JobRow[] {
  if (filter.queue === null) return [];
  const agentOk = (r: JobRow): boolean => filter.agent === null || r.agent === filter.agent;
  const key = listKey(filter);
  if (key === null) return [...live.values()].filter(agentOk).sort(byCreatedDesc);
  if (list.key !== key) return [];

  const state = filter.state;
  const rows: JobRow[] = [];
  for (const id of list.ids) {
    const r = list.rows.get(id);
    if (r && (state === 'all' || r.state === state) && agentOk(r)) rows.push(r);
  }
  if (filter.search.trim() !== '' || state === 'all') return rows;

  const arrivals: JobRow[] = [];
  for (const r of live.values()) {
    if (r.state === state && r.seq > list.seq && !list.rows.has(r.id) && agentOk(r)) arrivals.push(r);
  }
  if (arrivals.length === 0) return rows;
  if (NEWEST_FIRST.has(state)) return [...arrivals.sort(byFinishedDesc), ...rows];
  // With pages still unloaded, the newcomers belong further down than we have read.
  if (list.cursor !== undefined) return rows;
  return [...rows, ...arrivals.sort(SERVER_ORDER[state])];
}

/** The Jobs view's inputs, picked so the memo below recomputes only when one of them changes. */
export const selectVisibleJobRows = memoOn(
  (s): Parameters<typeof visibleJobRows> => [s.jobsFilter, s.jobList, liveRowsOf(s.jobs, s.jobsFilter.queue)],
  visibleJobRows,
);

/** Agent names for the filter: every registered agent, and any a job in view asked for (a typo'd agent included). */
export function agentNames(agents: AgentsList | null, rows: Iterable<JobRow>): string[] {
  const names = new Set<string>(agents?.agents.map((a) => a.name) ?? []);
  for (const r of rows) if (r.agent !== undefined) names.add(r.agent);
  return [...names].sort();
}

export function isFinal(state: JobState): boolean {
  return state === 'completed' || state === 'dead' || state === 'cancelled';
}

/** Whether the local pool can be resized from here. */
export const selectPoolRunning = (s: AppState): boolean => s.pool?.running === true;

export const selectConnectionState = (s: AppState): 'connecting' | 'connected' | 'disconnected' => s.connection?.state ?? 'connecting';

/** What each background read refreshes, in words for the status bar (never the command's internal name). */
const READ_WHAT: Record<string, string> = {
  'connection.status': 'the connection state',
  'queues.list': 'the queues',
  'workers.list': 'the workers',
  'pool.status': 'the local pool',
  'metrics.snapshot': 'the metrics',
  'config.get': 'the config',
  'agents.list': 'the agents',
  'jobs.list': 'the jobs',
  'jobs.search': 'the search',
  'jobs.get': 'the job',
  'jobs.getMany': 'the jobs',
};

/**
 * The first failing background read in words ("Could not refresh the queues:
 * …"), or null; for the status bar. While Redis is away every read fails for
 * that one reason, which the connection state already shows: nothing then.
 */
export const selectReadError = (s: AppState): string | null => {
  if (s.connection !== null && s.connection.state !== 'connected') return null;
  for (const [name, message] of Object.entries(s.readErrors)) return `Could not refresh ${READ_WHAT[name] ?? 'the view'}: ${message}`;
  return null;
};

/**
 * The queue a view opens on when none was picked: the busiest (finishing the
 * most jobs now, then holding the most work), running before paused, and only
 * then by name; not the first alphabetically, which may be a paused, empty one.
 */
export function mostRelevantQueue(queues: Iterable<QueueSummary>, metrics: MetricsSnapshot | null): string | null {
  const rate = new Map(metrics?.queues.map((m) => [m.queue, m.completedPerSec + m.failedPerSec]) ?? []);
  let best: { q: QueueSummary; score: [number, number, number] } | undefined;
  for (const q of queues) {
    const score: [number, number, number] = [q.paused ? 0 : 1, rate.get(q.name) ?? 0, q.depth + q.counts.active + q.counts.dead];
    const better =
      !best ||
      score[0] > best.score[0] ||
      (score[0] === best.score[0] &&
        (score[1] > best.score[1] ||
          (score[1] === best.score[1] && (score[2] > best.score[2] || (score[2] === best.score[2] && q.name < best.q.name)))));
    if (better) best = { q, score };
  }
  return best?.q.name ?? null;
}

export const selectMostRelevantQueue = memoOn(
  (s): [AppState['queues'], AppState['metrics']] => [s.queues, s.metrics],
  (queues, metrics) => mostRelevantQueue(queues.values(), metrics),
);
