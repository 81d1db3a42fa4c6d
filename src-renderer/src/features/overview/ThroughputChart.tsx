import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { QueueMetrics, RatePoint } from '../../../../src-shared/contract';
import { formatRate } from '../../lib/format';

const clock = (t: number): string => new Date(t).toLocaleTimeString('en-GB', { hour12: false });

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

/** Completed and failed jobs per second over the metrics window. Animation off: the data moves every second. */
export function ThroughputChart({ metrics }: { metrics: QueueMetrics }) {
  const data = useMemo(() => smoothSeries(metrics.series, SMOOTH_S), [metrics.series]);
  return (
    <figure className="chart" data-testid="throughput-chart" aria-labelledby="throughput-caption">
      <figcaption id="throughput-caption">
        Jobs per second ({SMOOTH_S} s average) · now <span data-testid="throughput-completed">{formatRate(metrics.completedPerSec)}</span> completed,{' '}
        <span data-testid="throughput-failed">{formatRate(metrics.failedPerSec)}</span> failed
      </figcaption>
      <div className="chart-box" aria-hidden="true">
        <ResponsiveContainer width="100%" height={220}>
          <AreaChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
            <XAxis dataKey="t" tickFormatter={clock} stroke="var(--muted)" minTickGap={40} fontSize={11} />
            <YAxis stroke="var(--muted)" width={40} fontSize={11} />
            <Tooltip labelFormatter={(t) => clock(Number(t))} contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)' }} />
            <Legend />
            <Area type="monotone" dataKey="completed" name="completed/s" stroke="var(--ok)" fill="var(--ok)" fillOpacity={0.2} isAnimationActive={false} />
            <Area type="monotone" dataKey="failed" name="failed/s" stroke="var(--danger)" fill="var(--danger)" fillOpacity={0.2} isAnimationActive={false} />
          </AreaChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
