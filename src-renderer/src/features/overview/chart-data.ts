/** What the Overview's charts draw, computed apart from the (lazily loaded) chart components. */
import type { Histogram, RatePoint } from '../../../../src-shared/contract';
import { formatDuration } from '../../lib/format';

/** Seconds averaged per point: bursty completions (8 one second, 0 the next) otherwise draw a zigzag. */
export const SMOOTH_S = 5;

/** Each point the mean of itself and the `window - 1` before it (a trailing moving average). */
export function smoothSeries(series: readonly RatePoint[], window: number): RatePoint[] {
  let c = 0;
  let f = 0;
  return series.map((p, i) => {
    c += p.completed;
    f += p.failed;
    const old = series[i - window];
    if (old) {
      c -= old.completed;
      f -= old.failed;
    }
    const n = Math.min(i + 1, window);
    return { t: p.t, completed: Math.round((c / n) * 10) / 10, failed: Math.round((f / n) * 10) / 10 };
  });
}

// JSON has no Infinity: an open last bucket may arrive as null or a huge bound.
export const bucketLabel = (le: number | null): string => (le !== null && Number.isFinite(le) ? `≤${formatDuration(le)}` : 'more');

/** The label of the bucket a value falls in, to place a percentile line on the category axis. */
export function bucketOf(buckets: ReadonlyArray<{ le: number }>, value: number): string | undefined {
  const b = buckets.find((x) => value <= x.le) ?? buckets[buckets.length - 1];
  return b ? bucketLabel(b.le) : undefined;
}

/**
 * One line per bucket holding a percentile; percentiles in the same bucket
 * share it and its label ("p95 p99"), so labels never print over each other.
 */
export function percentileMarks(histogram: Histogram): Array<{ x: string; label: string; color: string }> {
  const marks: Array<{ x: string; label: string; color: string }> = [];
  for (const p of PERCENTILES) {
    const x = bucketOf(histogram.buckets, histogram[p.key]);
    if (x === undefined) continue;
    const same = marks.find((m) => m.x === x);
    if (same) {
      same.label = `${same.label} ${p.key}`;
      same.color = p.color;
    } else marks.push({ x, label: p.key, color: p.color });
  }
  return marks;
}

export const PERCENTILES = [
  { key: 'p50', color: 'var(--info)' },
  { key: 'p95', color: 'var(--warn)' },
  { key: 'p99', color: 'var(--danger)' },
] as const;
