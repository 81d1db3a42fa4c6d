import { useId, useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { Histogram } from '../../../../src-shared/contract';
import { formatCount, formatDuration } from '../../lib/format';
import { bucketLabel, PERCENTILES, percentileMarks } from './chart-data';

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
                <ReferenceLine
                  key={m.x}
                  x={m.x}
                  stroke={m.color}
                  strokeDasharray="4 2"
                  label={{ value: m.label, position: 'top', fill: m.color, fontSize: 10 }}
                />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </div>
      )}
    </figure>
  );
}
