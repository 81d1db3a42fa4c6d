import { useId, useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Histogram } from '../../../../src-shared/contract';
import { formatCount, formatDuration } from '../../lib/format';

// JSON has no Infinity: an open last bucket may arrive as null or a huge bound.
const bucketLabel = (le: number | null): string => (le !== null && Number.isFinite(le) ? `≤${formatDuration(le)}` : 'more');

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

const PERCENTILES = [
  { key: 'p50', color: 'var(--info)' },
  { key: 'p95', color: 'var(--warn)' },
  { key: 'p99', color: 'var(--danger)' },
] as const;

export function LatencyHistogram({ title, histogram, testId }: { title: string; histogram: Histogram; testId: string }) {
  const captionId = useId();
  const data = useMemo(() => histogram.buckets.map((b) => ({ bucket: bucketLabel(b.le), count: b.count })), [histogram.buckets]);
  return (
    <figure className="chart" data-testid={testId} aria-labelledby={captionId}>
      <figcaption id={captionId}>{title}</figcaption>
      <dl className="percentiles">
        {PERCENTILES.map((p) => (
          <div key={p.key}>
            <dt style={{ color: p.color }}>{p.key}</dt>
            <dd data-testid={`${testId}-${p.key}`}>{formatDuration(histogram[p.key])}</dd>
          </div>
        ))}
        <div>
          <dt>max</dt>
          <dd data-testid={`${testId}-max`}>{formatDuration(histogram.max)}</dd>
        </div>
        <div>
          <dt>jobs</dt>
          <dd data-testid={`${testId}-count`}>{formatCount(histogram.count)}</dd>
        </div>
      </dl>
      {histogram.count === 0 ? (
        <p className="muted">No jobs in the window yet.</p>
      ) : (
        <div className="chart-box" aria-hidden="true">
          <ResponsiveContainer width="100%" height={200}>
            <BarChart data={data} margin={{ top: 16, right: 12, bottom: 0, left: 0 }} accessibilityLayer={false}>
              <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" vertical={false} />
              <XAxis dataKey="bucket" stroke="var(--muted)" fontSize={10} interval="preserveStartEnd" />
              <YAxis allowDecimals={false} stroke="var(--muted)" width={40} fontSize={11} />
              <Tooltip contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)' }} />
              <Bar dataKey="count" name="jobs" fill="var(--accent)" isAnimationActive={false} />
              {percentileMarks(histogram).map((m) => (
                <ReferenceLine key={m.x} x={m.x} stroke={m.color} strokeDasharray="4 2" label={{ value: m.label, position: 'top', fill: m.color, fontSize: 10 }} />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
