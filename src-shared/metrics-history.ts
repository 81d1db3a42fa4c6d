/**
 * The stored metrics history as the control center and API see it
 * (src-main/observability/history.ts reads it from Redis).
 */

export const HISTORY_RANGES = ['15m', '1h', '24h', '7d', '30d'] as const;
export type HistoryRange = (typeof HISTORY_RANGES)[number];

export interface HistoryCounts {
  completed: number;
  failed: number;
  retried: number;
  dead: number;
  cancelled: number;
}

export interface HistoryPoint extends HistoryCounts {
  /** Start of the step (ms, Redis clock). */
  t: number;
}

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface MetricsHistory {
  range: HistoryRange;
  stepMs: number;
  queues: string[];
  /** Agents seen in the range (before the agent filter), '' for jobs that name none. */
  agents: string[];
  series: HistoryPoint[];
  totals: HistoryCounts;
  /** Wait and run time percentiles (ms), estimated within their histogram bucket; null without samples. */
  wait: Percentiles;
  run: Percentiles;
  /** The merged histograms: counts per bucket of `boundsMs` (one more for beyond the last bound). */
  waitBuckets: number[];
  runBuckets: number[];
  boundsMs: number[];
}
