import type { StateCreator } from 'zustand/vanilla';
import { DEFAULT_ROUTE, sameRoute, type Route } from '../../lib/routes';
import { openDetail } from './detail';
import { emptyFlowList, flowListQueue } from './flow-list';
import { DEFAULT_FILTER, emptyList, listKey, type JobsFilter } from './job-list';
import type { JobsSlice } from './jobs';

export type ThemePreference = 'system' | 'light' | 'dark';

export interface UiState {
  route: Route;
  jobsFilter: JobsFilter;
  /** Ids picked in the Jobs view for a bulk action; always of `jobsFilter.queue`. */
  selection: ReadonlySet<string>;
  theme: ThemePreference;
}

export interface UiActions {
  navigate(route: Route): void;
  setJobsFilter(patch: Partial<JobsFilter>): void;
  toggleSelected(id: string): void;
  setSelected(ids: readonly string[], selected: boolean): void;
  clearSelection(): void;
  setTheme(theme: ThemePreference): void;
}

export type UiSlice = UiState & UiActions;

export const initialUi: UiState = { route: DEFAULT_ROUTE, jobsFilter: DEFAULT_FILTER, selection: new Set(), theme: 'system' };

const NO_SELECTION: ReadonlySet<string> = new Set();

/** UI actions live in the store (zustand's slice pattern); they touch the jobs slice where the view's data follows the UI. */
export const createUiSlice: StateCreator<UiSlice & JobsSlice, [], [], UiSlice> = (set) => ({
  ...initialUi,

  navigate: (route) =>
    set((s) => {
      if (sameRoute(s.route, route)) return {};
      const job = route.view === 'jobs' ? route.job : undefined;
      const same = job && s.detail && s.detail.queue === job.queue && s.detail.id === job.id;
      // Opening a job from another queue shows that queue's list behind it.
      const filter = job && s.jobsFilter.queue !== job.queue ? { ...s.jobsFilter, queue: job.queue } : s.jobsFilter;
      return {
        route,
        detail: job ? (same ? s.detail : openDetail(job.queue, job.id)) : null,
        ...(filter === s.jobsFilter ? {} : filterChange(s, filter)),
      };
    }),

  setJobsFilter: (patch) => set((s) => filterChange(s, { ...s.jobsFilter, ...patch })),

  toggleSelected: (id) =>
    set((s) => {
      const next = new Set(s.selection);
      if (!next.delete(id)) next.add(id);
      return { selection: next };
    }),

  setSelected: (ids, selected) =>
    set((s) => {
      const next = new Set(s.selection);
      for (const id of ids) {
        if (selected) next.add(id);
        else next.delete(id);
      }
      return { selection: next };
    }),

  clearSelection: () => set((s) => (s.selection.size === 0 ? {} : { selection: NO_SELECTION })),

  setTheme: (theme) => set({ theme }),
});

/** A new filter: the list restarts when it asks the server something else, and a selection never outlives its rows. */
function filterChange(s: UiState & JobsSlice, filter: JobsFilter): Partial<UiState & JobsSlice> {
  const key = listKey(filter);
  const out: Partial<UiState & JobsSlice> = { jobsFilter: filter };
  if (key !== s.jobList.key) out.jobList = emptyList(key);
  const flowQueue = flowListQueue(filter);
  if (flowQueue !== s.flowList.queue) out.flowList = emptyFlowList(flowQueue);
  if (filter.queue !== s.jobsFilter.queue || filter.state !== s.jobsFilter.state || key !== s.jobList.key) out.selection = NO_SELECTION;
  return out;
}
