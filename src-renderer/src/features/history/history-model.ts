import type { HistoryRange, MetricsHistory } from '../../../../src-shared/metrics-history';

/** The ranges the panel offers (30 d needs the hourly roll-ups: README, Observability). */
export const PANEL_RANGES: HistoryRange[] = ['15m', '1h', '24h', '7d'];

export interface HistoryRow {
  t: number;
  completed: number;
  failed: number;
}

/** Chart rows in jobs per minute, whatever the step. */
export function historyRows(h: MetricsHistory): HistoryRow[] {
  const perMinute = 60_000 / h.stepMs;
  return h.series.map((p) => ({ t: p.t, completed: p.completed * perMinute, failed: p.failed * perMinute }));
}

/** How a step's time is labelled: clock time for minute steps, day and hour beyond. */
export function stepLabel(t: number, stepMs: number): string {
  const d = new Date(t);
  const hm = d.toLocaleTimeString('en-GB', { hour12: false, hour: '2-digit', minute: '2-digit' });
  return stepMs < 3_600_000 ? hm : `${d.toLocaleDateString('en-GB', { day: '2-digit', month: 'short' })} ${hm}`;
}
