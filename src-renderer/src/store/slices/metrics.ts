import type { MetricsSnapshot } from '../../../../src-shared/contract';

export interface MetricsSlice {
  /** The last `metrics.tick` (or `metrics.snapshot` before the first tick). */
  metrics: MetricsSnapshot | null;
}

export const initialMetrics: MetricsSlice = { metrics: null };
