import { createStore, type StoreApi } from 'zustand/vanilla';
import type { AppState } from './app-state';
import { initialConfig } from './slices/config';
import { initialConnection } from './slices/connection';
import { initialJobs } from './slices/jobs';
import { initialMetrics } from './slices/metrics';
import { initialQueues } from './slices/queues';
import { createUiSlice } from './slices/ui';
import { initialWorkers } from './slices/workers';

export type AppStore = StoreApi<AppState>;

/**
 * One store built from slices. Data slices hold no actions: they are fed from
 * outside React by `bindStore` (events and polls), each change one `setState`.
 * Vanilla (not the React `create`) so tests and the binding use it without React.
 */
export function createAppStore(): AppStore {
  return createStore<AppState>()((...a) => ({
    ...initialConnection,
    ...initialQueues,
    ...initialJobs,
    ...initialWorkers,
    ...initialMetrics,
    ...initialConfig,
    ...createUiSlice(...a),
  }));
}

/** The app's store; `Shell` uses it unless given another (tests). */
export const appStore: AppStore = createAppStore();
