import { useMemo } from 'react';
import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { QueueMetrics } from '../../../../src-shared/contract';
import { SMOOTH_S, smoothSeries } from './chart-data';
import { formatRate } from '../../lib/format';

const clock = (t: number): string => new Date(t).toLocaleTimeString('en-GB', { hour12: false });

/** Completed and failed jobs per second over the metrics window. Animation off: the data moves every second. */
export function ThroughputChart({ metrics }: { metrics: QueueMetrics }) {
  const data = useMemo(() => smoothSeries(metrics.series, SMOOTH_S), [metrics.series]);
  return (
    <figure className="chart" data-testid="throughput-chart" aria-labelledby="throughput-caption">
      <figcaption id="throughput-caption">
        Jobs per second ({SMOOTH_S} s average) · now <span data-testid="throughput-completed">{formatRate(metrics.completedPerSec)}</span>{' '}
        completed, <span data-testid="throughput-failed">{formatRate(metrics.failedPerSec)}</span> failed
      </figcaption>
      <div className="chart-box" aria-hidden="true">
        <ResponsiveContainer width="100%" height={220}>
          <AreaChart data={data} margin={{ top: 8, right: 12, bottom: 0, left: 0 }} accessibilityLayer={false}>
            <CartesianGrid stroke="var(--grid)" strokeDasharray="3 3" />
            <XAxis dataKey="t" tickFormatter={clock} stroke="var(--muted)" minTickGap={40} fontSize={11} />
            <YAxis stroke="var(--muted)" width={40} fontSize={11} />
            <Tooltip
              labelFormatter={(t) => clock(Number(t))}
              contentStyle={{ background: 'var(--surface)', border: '1px solid var(--border)' }}
            />
            <Legend />
            <Area
              type="monotone"
              dataKey="completed"
              name="completed/s"
              stroke="var(--ok)"
              fill="var(--ok)"
              fillOpacity={0.2}
              isAnimationActive={false}
            />
            <Area
              type="monotone"
              dataKey="failed"
              name="failed/s"
              stroke="var(--danger)"
              fill="var(--danger)"
              fillOpacity={0.2}
              isAnimationActive={false}
            />
          </AreaChart>
        </ResponsiveContainer>
      </div>
    </figure>
  );
}
