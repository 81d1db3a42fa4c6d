import type { ConfigSlice } from './slices/config';
import type { ConnectionSlice } from './slices/connection';
import type { JobsSlice } from './slices/jobs';
import type { MetricsSlice } from './slices/metrics';
import type { QueuesSlice } from './slices/queues';
import type { UiSlice } from './slices/ui';
import type { WorkersSlice } from './slices/workers';

/** The one store's state: every slice side by side. */
export type AppState = ConnectionSlice & QueuesSlice & JobsSlice & WorkersSlice & MetricsSlice & ConfigSlice & UiSlice;
